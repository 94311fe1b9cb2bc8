import Engine
import Foundation
import TestPeers
import Testing

/// The real binary against servers that are broken or hostile at the byte level: each one is
/// classified as what it is, the check ends within its timeout plus 0.2 s, its memory stays
/// bounded, and the counter moves exactly once (or not at all, where the reference would call
/// the server healthy).
@Suite struct HostileServerTests {
  typealias Step = ScriptedPeer.Step

  static let head101 = Array("HTTP/1.1 101 Switching Protocols\r\n".utf8)
  /// A text frame "hi", unmasked, as a server sends it.
  static let textFrame: [UInt8] = [0x81, 0x02, 0x68, 0x69]
  static let bigBinaryFrame: [UInt8] = [0x82, 0x7E, 0xFF, 0xFF] + [UInt8](repeating: 0x61, count: 65535)
  static func closeFrame(code: UInt16) -> [UInt8] { [0x88, 0x02, UInt8(code >> 8), UInt8(code & 0xFF)] }

  struct Case: Sendable, CustomTestStringConvertible {
    var name: String
    var steps: [Step]
    /// What the console says of it (any of these: a reset races the connect's completion);
    /// none: healthy.
    var verdicts: [String]
    var testDescription: String { name }
  }

  static let dropped = "server dropped the connection during upgrade without a WebSocket close"

  /// The healthy ones are healthy to the reference too: it only opens and closes; a server
  /// that drops the connection after the 101, or floods frames, has still upgraded.
  static let cases: [Case] = [
    Case(
      name: "header bytes trickled", steps: [.readRequest, .send(head101), .trickle(everyMilliseconds: 50)],
      verdicts: ["upgrade timed out after 1 s"]),
    Case(
      name: "an endless header", steps: [.readRequest, .send(head101), .flood(Array("X-Filler: aaaaaaaa\r\n".utf8))],
      verdicts: ["server broke the protocol: the upgrade response's headers go on past 64 kB"]),
    Case(
      name: "a 1 MB header line",
      steps: [.readRequest, .send(head101 + Array("X-Big: ".utf8) + [UInt8](repeating: 0x61, count: 1 << 20)), .hold],
      verdicts: ["server broke the protocol: the upgrade response's headers go on past 64 kB"]),
    Case(
      name: "a response that is not HTTP", steps: [.readRequest, .send(Array("SSH-2.0-OpenSSH_9.2\r\n".utf8)), .hold],
      verdicts: ["the upgrade response is not HTTP (it starts 'SSH-2.0-OpenSSH_9.2^M^J')"]),
    Case(
      name: "101 without Upgrade", steps: [.readRequest, .upgrade(omit: ["Upgrade:"]), .hold],
      verdicts: ["upgrade answered 101 without 'Upgrade: websocket'"]),
    Case(
      name: "101 without Connection", steps: [.readRequest, .upgrade(omit: ["Connection:"]), .hold],
      verdicts: ["upgrade answered 101 without 'Connection: Upgrade'"]),
    Case(
      name: "a wrong accept key", steps: [.readRequest, .upgrade(acceptKey: "bm9wZQ=="), .hold],
      verdicts: ["upgrade answered 101 with a wrong Sec-WebSocket-Accept"]),
    Case(
      name: "frames sent with the 101",
      steps: [
        .readRequest, .upgrade(then: textFrame + textFrame), .awaitClientBytes,
        .send(closeFrame(code: 1000)), .finish,
      ], verdicts: []),
    Case(
      // Upgraded, then a goodbye with any code: healthy, as the reference says; the code noted.
      name: "a close frame with a reserved code", steps: [.readRequest, .upgrade(then: closeFrame(code: 1005)), .hold],
      verdicts: []),
    Case(
      name: "a close frame with an invalid code", steps: [.readRequest, .upgrade(then: closeFrame(code: 999)), .hold],
      verdicts: []),
    Case(
      name: "a reply flood after the upgrade", steps: [.readRequest, .upgrade(), .flood(bigBinaryFrame)], verdicts: []),
    Case(
      name: "RST at accept", steps: [.reset],
      verdicts: [
        dropped, "network error during connect: Connection reset by peer",
        "network error during upgrade: Connection reset by peer",
      ]),
    Case(name: "FIN at accept", steps: [.finish], verdicts: [dropped]),
    Case(
      name: "RST after the request", steps: [.readRequest, .reset],
      verdicts: ["network error during upgrade: Connection reset by peer"]),
    Case(name: "FIN after the request", steps: [.readRequest, .finish], verdicts: [dropped]),
    Case(name: "RST after the 101", steps: [.readRequest, .upgrade(), .reset], verdicts: []),
    Case(name: "FIN after the 101", steps: [.readRequest, .upgrade(), .finish], verdicts: []),
    Case(name: "RST on our close frame", steps: [.readRequest, .upgrade(), .awaitClientBytes, .reset], verdicts: []),
    Case(name: "FIN on our close frame", steps: [.readRequest, .upgrade(), .awaitClientBytes, .finish], verdicts: []),
  ]

  @Test(arguments: cases)
  func isClassifiedBoundedAndCountedOnce(_ hostile: Case) throws {
    let peer = try ScriptedPeer(hostile.steps)
    defer { peer.stop() }
    try expect(hostile, uri: "ws://127.0.0.1:\(peer.port)/")
  }

  @Test func anIPv6LiteralIsProbed() throws {
    let peer = try ScriptedPeer(
      [.readRequest, .upgrade(), .awaitClientBytes, .send(Self.closeFrame(code: 1000)), .finish], ipv6: true)
    defer { peer.stop() }
    try expect(Case(name: "IPv6", steps: [], verdicts: []), uri: "ws://[::1]:\(peer.port)/")
  }

  @Test func aRedirectIsFollowedAndALoopIsNot() throws {
    let healthy = try WebSocketTestServer(.healthy)
    defer { healthy.stop() }
    let redirect = try ScriptedPeer([
      .readRequest, .send(Array("HTTP/1.1 302 Found\r\nLocation: ws://127.0.0.1:\(healthy.port)/\r\n\r\n".utf8)), .hold,
    ])
    defer { redirect.stop() }
    try expect(Case(name: "redirect", steps: [], verdicts: []), uri: "ws://127.0.0.1:\(redirect.port)/")
    let loop = try WebSocketTestServer(.redirect(to: "/again"))
    defer { loop.stop() }
    try expect(
      Case(
        name: "loop", steps: [],
        verdicts: [
          "cannot follow the redirect: a redirect loop: ws://127.0.0.1:\(loop.port)/ → ws://127.0.0.1:\(loop.port)/again → ws://127.0.0.1:\(loop.port)/again"
        ]),
      uri: "ws://127.0.0.1:\(loop.port)/")
  }

  func expect(_ hostile: Case, uri: String) throws {
    let sandbox = try CommandSandbox()
    try sandbox.setState("4242:0")
    let run = try sandbox.runMeasured([
      uri, "openems.service", "--timeout", "1", "--state-file", sandbox.statePath, "--log-file", sandbox.logPath,
    ])
    let said = run.outcome.lines.joined(separator: " / ")
    #expect(run.outcome.status == 0, "\(hostile.name): \(said)")
    if !hostile.verdicts.isEmpty {
      #expect(said.contains("WebSocket not working! (1/3)"), "\(hostile.name): \(said)")
      #expect(hostile.verdicts.contains { said.contains($0) }, "\(hostile.name): \(said)")
      #expect(sandbox.state == "4242:1", "\(hostile.name): counted once")
    } else {
      #expect(said.contains("WebSocket healthy"), "\(hostile.name): \(said)")
      #expect(sandbox.state == "4242:0", "\(hostile.name): not counted")
    }
    #expect(run.seconds <= 1.2, "\(hostile.name): took \(run.seconds) s with --timeout 1")
    #expect(run.peakMegabytes < 40, "\(hostile.name): peak RSS \(run.peakMegabytes) MB")
  }
}
