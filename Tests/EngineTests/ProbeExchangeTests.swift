import Foundation
import NIOPosix
import TestPeers
import Testing

@testable import Engine

/// What a probe sent and what came back, as an incident report shows it: heads as lines,
/// frames one line each (ours unmasked), bounded, secrets never shown.
@Suite struct ProbeExchangeTests {
  let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)

  static func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

  @Test(arguments: [
    // frame bytes → its line
    ([0x81, 0x05] + Array("hello".utf8), "text frame, 5 bytes: hello"),
    ([0x88, 0x04, 0x03, 0xEB, 0x68, 0x69], "close frame, 4 bytes: code 1003 hi"),
    ([0x8A, 0x00], "pong, 0 bytes"),
    ([0x81, 0x0A] + Array("cut".utf8), "text frame, 10 bytes: cut (cut: the rest was not kept)"),
    ([0x81, 0x03, 0x1B, 0x5B, 0x32], "text frame, 3 bytes: ^[[2"),
  ])
  func aServersFrameIsOneLine(frame: [UInt8], line: String) {
    #expect(ProbeExchange.frames(frame) == [line])
  }

  @Test func ourMaskedFrameIsShownUnmasked() {
    let key: [UInt8] = [0x12, 0x34, 0x56, 0x78]
    let payload = Array(#"{"method":"x"}"#.utf8)
    let masked = payload.enumerated().map { $0.element ^ key[$0.offset % 4] }
    let frame: [UInt8] = [0x81, 0x80 | UInt8(payload.count)] + key + masked
    #expect(ProbeExchange.frames(frame) == [#"text frame, 14 bytes: {"method":"x"}"#])
  }

  @Test func anExchangeReadsInOrderWithSecretsHidden() {
    var exchange = ProbeExchange()
    exchange.send(Self.bytes("GET / HTTP/1.1\r\nHost: a\r\napikey: k-secret-1\r\n\r\n"))
    let answer =
      Self.bytes("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n") + [0x81, 0x02] + Self.bytes("ok")
    answer.withUnsafeBytes { exchange.receive($0) }
    #expect(
      exchange.lines(redacting: ["k-secret-1"]) == [
        "→ GET / HTTP/1.1", "→ Host: a", "→ apikey: (secret)", "← HTTP/1.1 101 Switching Protocols",
        "← Upgrade: websocket", "← text frame, 2 bytes: ok",
      ])
  }

  @Test func aRedirectShowsEachConnectionsAnswerAfterItsRequest() {
    var exchange = ProbeExchange()
    exchange.send(Self.bytes("GET /old HTTP/1.1\r\n\r\n"))
    Self.bytes("HTTP/1.1 302 Found\r\nLocation: /new\r\n\r\nbody").withUnsafeBytes { exchange.receive($0) }
    exchange.nextConnection()
    exchange.send(Self.bytes("GET /new HTTP/1.1\r\n\r\n"))
    #expect(
      exchange.lines() == [
        "→ GET /old HTTP/1.1", "← HTTP/1.1 302 Found", "← Location: /new", "← (a body of 4 bytes)",
        "→ GET /new HTTP/1.1", "← (nothing came back)",
      ])
  }

  @Test func whatIsKeptIsBounded() {
    var exchange = ProbeExchange()
    let flood = [UInt8](repeating: 0x41, count: 70_000)
    flood.withUnsafeBytes { exchange.receive($0) }
    #expect(exchange.received.reduce(0) { $0 + $1.count } == ProbeExchange.limit)
    #expect(exchange.lines().last == "← (\(70_000 - ProbeExchange.limit) more bytes received, not kept)")
  }

  /// The real probe against a loopback OpenEMS Edge: what the check's report would show, the
  /// apikey a header file gave shown as (secret); the dashboard's probes keep nothing.
  @Test func theCheckProbeKeepsItsExchangeAndTheDashboardsDoesNot() throws {
    let server = try WebSocketTestServer(.openEMS(OpenEMSPeer(.edge)))
    defer { server.stop() }
    let secret = try HeaderField(name: "x-token", value: "k-secret-77", isSecret: true, source: "test")
    var options = ProbeOptions(timeout: .seconds(5), depth: .openEMS(.edge, assumed: false), headers: [secret])
    options.recordsExchange = true
    let uri = try WebSocketURI(parsing: "ws://127.0.0.1:\(server.port)/")
    let kept = try Probe(uri: uri, options: options, group: group).runToEnd()
    #expect(kept.isHealthy, "\(kept.summary)")
    let lines = try #require(kept.exchange).lines()
    #expect(lines.first == "→ GET / HTTP/1.1", "\(lines)")
    #expect(lines.contains("→ x-token: (secret)"), "\(lines)")
    #expect(!lines.joined().contains("k-secret-77"))
    #expect(lines.contains { $0.hasPrefix("→ text frame, ") && $0.contains("subscribeEdges") }, "\(lines)")
    #expect(lines.contains("← HTTP/1.1 101 Switching Protocols"), "\(lines)")
    #expect(lines.contains { $0.hasPrefix("← text frame, ") && $0.contains("\"result\"") }, "\(lines)")
    options.recordsExchange = false
    let dashboards = try Probe(uri: uri, options: options, group: group).runToEnd()
    #expect(dashboards.exchange == nil)
  }
}
