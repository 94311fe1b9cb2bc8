import Foundation
import NIOCore
import NIOEmbedded
import NIOPosix
import TestPeers
import Testing

@testable import Engine

/// Deeper probes and the servers that tell them apart, on loopback: the wedged OpenEMS a
/// handshake cannot see, and healthy servers whose manners must not count against them.
@Suite struct ProbeDepthTests {
  let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)

  func probe(
    _ uri: String, _ depth: ProbeDepth = .handshake, timeout: Duration = .seconds(5), headers: [HeaderField] = [],
    subprotocol: String? = nil, origin: String? = nil
  ) throws -> ProbeResult {
    let options = ProbeOptions(
      timeout: timeout, depth: depth, headers: headers, subprotocol: subprotocol, origin: origin)
    return try Probe(uri: WebSocketURI(parsing: uri), options: options, group: group).runToEnd()
  }

  static let kinds: [(OpenEMSEndpoint, OpenEMSPeer.Kind)] = [
    (.edge, .edge), (.backendUI, .backendUI), (.edgeApp, .edgeApp(apikeys: ["k-edge0"])),
  ]

  /// The failure OpenEMS has, on each of its endpoints: the upgrade and pings still work, the
  /// request pool answers nothing. Only the OpenEMS probe sees it, within its deadline.
  @Test(arguments: kinds)
  func onlyTheOpenEMSProbeSeesAWedgedPool(endpoint: OpenEMSEndpoint, kind: OpenEMSPeer.Kind) throws {
    let peer = OpenEMSPeer(kind)
    let server = try WebSocketTestServer(.openEMS(peer))
    defer { server.stop() }
    let uri = "ws://127.0.0.1:\(server.port)/"
    #expect(try probe(uri, .openEMS(endpoint, assumed: false)).isHealthy, "healthy before the wedge")
    peer.wedge()
    #expect(try probe(uri).isHealthy, "the handshake cannot see it")
    #expect(try probe(uri, .ping).isHealthy, "nor can a ping")
    let clock = ContinuousClock()
    let started = clock.now
    let deep = try probe(uri, .openEMS(endpoint, assumed: false), timeout: .seconds(1))
    let elapsed = clock.now - started
    let question: ProbeQuestion = endpoint == .edgeApp ? .poolRefusal : .jsonRPC
    #expect(deep.failure == .noAnswer(to: question, within: .seconds(1), lastSkipped: nil))
    #expect(deep.timings[.reply] != nil)
    #expect(elapsed < .milliseconds(1200), "took \(elapsed)")
  }

  /// What a probe every 15 s costs OpenEMS's log: nothing on a current Edge or Backend UI
  /// (the method each answers with an empty success), one WARN a probe on the versions before
  /// those methods were open, and on the Edge.Application, whose refusal is itself one WARN.
  @Test(arguments: [
    (OpenEMSEndpoint.edge, OpenEMSPeer.Kind.edge, OpenEMSPeer.Version.current, 0),
    (.edge, .edge, OpenEMSPeer.Version(2024, 5), 0),
    (.edge, .edge, OpenEMSPeer.Version(2024, 4), 1),
    (.backendUI, .backendUI, .current, 0),
    (.backendUI, .backendUI, OpenEMSPeer.Version(2026, 2), 0),
    (.backendUI, .backendUI, OpenEMSPeer.Version(2026, 1), 1),
    (.edgeApp, .edgeApp(apikeys: ["k-edge0"]), .current, 1),
  ])
  func eachProbeCostsOpenEMSItsLeastLog(
    endpoint: OpenEMSEndpoint, kind: OpenEMSPeer.Kind, version: OpenEMSPeer.Version, linesPerProbe: Int
  ) throws {
    let peer = OpenEMSPeer(kind, version: version)
    let server = try WebSocketTestServer(.openEMS(peer))
    defer { server.stop() }
    for _ in 0..<5 {
      let result = try probe("ws://127.0.0.1:\(server.port)/", .openEMS(endpoint, assumed: false))
      #expect(result.isHealthy, "\(result.summary)")
    }
    #expect(peer.log.count == 5 * linesPerProbe, "\(peer.log)")
    #expect(peer.log.allSatisfy { $0.hasPrefix("WARN") }, "no ERROR, no stack trace: \(peer.log)")
    // No apikey ever left the probe, and the Edge.Application was sent no message at all.
    #expect(server.seen.withLockedValue { $0 }.filter { $0.hasPrefix("apikey=") }.allSatisfy { $0 == "apikey=" })
    if endpoint == .edgeApp {
      #expect(!server.seen.withLockedValue { $0 }.contains { $0.hasPrefix("{") })
    }
  }

  /// The request the probe used to send (a method nobody defines) cost a WARN every probe even
  /// on a current Edge, and reached the Edge.Application, where OpenEMS holds a pool thread on
  /// it for 10 s: why each kind now has its own (and the Edge.Application none).
  @Test func theOldRequestCostALogLineEveryProbeAndReachedTheEdgeApplication() throws {
    let old =
      #"{"jsonrpc":"2.0","id":"6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b","method":"websocketHealthCheck","params":{}}"#
    let edge = OpenEMSPeer(.edge)
    let edgeServer = try WebSocketTestServer(.openEMS(edge))
    defer { edgeServer.stop() }
    #expect(try probe("ws://127.0.0.1:\(edgeServer.port)/", .message(text: old, expect: nil)).isHealthy)
    #expect(edge.log.count == 1 && edge.log[0].contains("is not defined"), "\(edge.log)")

    let edgeApp = OpenEMSPeer(.edgeApp(apikeys: ["k-edge0"]))
    let edgeAppServer = try WebSocketTestServer(.openEMS(edgeApp))
    defer { edgeAppServer.stop() }
    // The old request reached the Edge.Application, where a pool thread waits 10 s on it. The
    // peer refuses the connection at once (no apikey), so whether the message lands before the
    // close is a race on a busy machine: one that lands, of ten tries, proves it is sent.
    var reached = false
    for _ in 0..<10 where !reached {
      _ = try probe("ws://127.0.0.1:\(edgeAppServer.port)/", .message(text: old, expect: nil))
      reached = edgeAppServer.seen.withLockedValue { $0 }.contains { $0.contains("websocketHealthCheck") }
    }
    #expect(reached)
    #expect(try probe("ws://127.0.0.1:\(edgeAppServer.port)/", .openEMS(.edgeApp, assumed: false)).isHealthy)
  }

  /// A current Edge answers `subscribeEdges` with an empty success, after a notification the
  /// probe skips; an old one with an error reply, which is as much proof that the pool runs.
  @Test func aLiveOpenEMSAnswersWithSuccessOrErrorAndNotificationsFirst() throws {
    let current = try WebSocketTestServer(.openEMS(OpenEMSPeer(.edge)))
    defer { current.stop() }
    let result = try probe("ws://127.0.0.1:\(current.port)/", .openEMS(.edge, assumed: false))
    #expect(result.isHealthy, "\(result.summary)")
    #expect(result.notes.isEmpty, "\(result.notes)")
    #expect(result.timings.entries.map(\.phase) == [.connect, .upgrade, .reply, .close])
    // What reached the server is a request OpenEMS takes for one (else it would have dropped it).
    #expect(current.seen.withLockedValue { $0 }.contains { $0.contains(#""method":"subscribeEdges","params":{}"#) })

    let old = try WebSocketTestServer(.openEMS(OpenEMSPeer(.edge, version: OpenEMSPeer.Version(2023, 10))))
    defer { old.stop() }
    let answered = try probe("ws://127.0.0.1:\(old.port)/", .openEMS(.edge, assumed: false))
    #expect(answered.isHealthy, "\(answered.summary)")
    guard case .jsonRPCError(let code, let message) = answered.notes.first else {
      Issue.record("no JSON-RPC error noted: \(answered.notes)")
      return
    }
    #expect(code == "1001")
    #expect(message == "User is not authenticated")
  }

  /// The Edge.Application's pool refuses a connection without an apikey (1003): that is its
  /// proof of life. The probe asks nothing, sends no apikey, and answers the close.
  @Test func theEdgeApplicationsRefusalIsItsProofOfLife() throws {
    let server = try WebSocketTestServer(.openEMS(OpenEMSPeer(.edgeApp(apikeys: ["k-edge0"]))))
    defer { server.stop() }
    let result = try probe("ws://127.0.0.1:\(server.port)/", .openEMS(.edgeApp, assumed: true))
    #expect(result.isHealthy, "\(result.summary)")
    #expect(result.timings.entries.map(\.phase) == [.connect, .upgrade, .reply])
    #expect(result.notes == [.openEMSKindAssumed(.edgeApp, port: server.port)])
    #expect(result.summary.contains("OpenEMS Backend Edge.Application assumed from port \(server.port)"))
    var said: [String] = []
    for _ in 0..<50 where !said.contains(where: { $0.hasPrefix("close ") }) {
      usleep(20_000)
      said = server.seen.withLockedValue { $0 }
    }
    #expect(said == ["apikey=", "close 1000"], "\(said)")
  }

  /// Why the preset's request is shaped as it is: OpenEMS drops a malformed request without
  /// a word, so a probe that sends one sees a healthy server as wedged.
  @Test func aMalformedRequestLooksLikeAWedgeWhichIsWhyThePresetIsWellFormed() throws {
    let server = try WebSocketTestServer(.openEMS(OpenEMSPeer(.edge)))
    defer { server.stop() }
    let uri = "ws://127.0.0.1:\(server.port)/"
    for malformed in [
      #"{"jsonrpc":"2.0","id":"1","method":"x","params":{}}"#,
      #"{"jsonrpc":"2.0","id":"6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b","method":"x"}"#,
      #"{"jsonrpc":"2.0","id":"6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b","method":"x","params":[]}"#,
    ] {
      let result = try probe(uri, .message(text: malformed, expect: nil), timeout: .milliseconds(500))
      #expect(result.failure?.phase == .reply, "\(malformed): \(result.summary)")
    }
    #expect(try probe(uri, .openEMS(.edge, assumed: false)).isHealthy)
  }

  /// A probe that gives up after the upgrade (no reply by the deadline) says goodbye with a
  /// close frame instead of dropping TCP: python-websockets logs a 30-line traceback into the
  /// service's own log for every dropped connection.
  @Test func aProbeThatGivesUpAfterTheUpgradeClosesPolitely() throws {
    let server = try WebSocketTestServer(.wedgedOpenEMS)
    defer { server.stop() }
    let result = try probe(
      "ws://127.0.0.1:\(server.port)/", .openEMS(.edge, assumed: false), timeout: .milliseconds(500))
    #expect(result.failure == .noAnswer(to: .jsonRPC, within: .milliseconds(500), lastSkipped: nil))
    var said: [String] = []
    for _ in 0..<50 where !said.contains("close 1000") {
      usleep(20_000)
      said = server.seen.withLockedValue { $0 }
    }
    #expect(said.contains("close 1000"), "the server saw no close frame: \(said)")
  }

  @Test func originAndSubprotocolAreSentWhenAsked() throws {
    let origin = try WebSocketTestServer(.checksOrigin("https://ui.example"))
    defer { origin.stop() }
    #expect(try probe("ws://127.0.0.1:\(origin.port)/").failure == .httpStatus(code: 403, reason: "Forbidden"))
    #expect(try probe("ws://127.0.0.1:\(origin.port)/", origin: "https://ui.example").isHealthy)

    let subprotocol = try WebSocketTestServer(.needsSubprotocol("lws-mirror"))
    defer { subprotocol.stop() }
    #expect(try probe("ws://127.0.0.1:\(subprotocol.port)/").failure?.phase == .upgrade)
    #expect(try probe("ws://127.0.0.1:\(subprotocol.port)/", subprotocol: "lws-mirror").isHealthy)
  }

  /// Each of these servers is healthy to the reference tool, so it is healthy to us.
  @Test(arguments: [
    WebSocketTestServer.Behaviour.pushesOnOpen(bytes: 1 << 20), .dropsInsteadOfClosing, .acceptWithWhitespace,
    .pingsRudely,
  ])
  func serversWithMannersAreHealthy(behaviour: WebSocketTestServer.Behaviour) throws {
    let server = try WebSocketTestServer(behaviour)
    defer { server.stop() }
    for depth in [ProbeDepth.handshake, .ping] {
      let result = try probe("ws://127.0.0.1:\(server.port)/", depth)
      #expect(result.isHealthy, "\(behaviour) \(depth): \(result.summary)")
    }
  }

  @Test func droppingTCPInsteadOfEchoingTheCloseIsNoted() throws {
    let server = try WebSocketTestServer(.dropsInsteadOfClosing)
    defer { server.stop() }
    let result = try probe("ws://127.0.0.1:\(server.port)/")
    #expect(result.isHealthy)
    #expect(result.notes == [.droppedAtClose])
  }

  @Test func aReplyIsFoundAfterAOneMiBMessage() throws {
    let server = try WebSocketTestServer(.pushesOnOpen(bytes: 1 << 20))
    defer { server.stop() }
    let result = try probe(
      "ws://127.0.0.1:\(server.port)/", .message(text: "ping-me", expect: try ReplyPattern("^ping-me$")))
    #expect(result.isHealthy, "\(result.summary)")
  }

  @Test func redirectsAreFollowedWithinTheDeadlineAndLoopsAreNot() throws {
    let target = try WebSocketTestServer(.healthy)
    defer { target.stop() }
    let hop = try WebSocketTestServer(.redirect(to: "ws://127.0.0.1:\(target.port)/websocket"))
    defer { hop.stop() }
    let followed = try probe("ws://127.0.0.1:\(hop.port)/")
    #expect(followed.isHealthy, "\(followed.summary)")
    #expect(followed.notes == [.redirected(to: "ws://127.0.0.1:\(target.port)/websocket")])
    #expect(target.connectionCount == 1)

    let loop = try WebSocketTestServer(.redirect(to: "/again"))
    defer { loop.stop() }
    let looped = try probe("ws://127.0.0.1:\(loop.port)/")
    guard case .redirect(let detail) = looped.failure else {
      Issue.record("expected a redirect failure, got \(looped.summary)")
      return
    }
    // Each hop named once, the loop said as the circle it is, as soon as it closes.
    #expect(
      detail
        == "a redirect loop: ws://127.0.0.1:\(loop.port)/ → ws://127.0.0.1:\(loop.port)/again → ws://127.0.0.1:\(loop.port)/again"
    )
    #expect(loop.connectionCount == 2)

    let toHTTP = try WebSocketTestServer(.redirect(to: "http://127.0.0.1:\(target.port)/websocket"))
    defer { toHTTP.stop() }
    let viaHTTP = try probe("ws://127.0.0.1:\(toHTTP.port)/")
    #expect(viaHTTP.isHealthy, "\(viaHTTP.summary)")
    #expect(viaHTTP.notes == [.redirected(to: "ws://127.0.0.1:\(target.port)/websocket")])
  }

  @Test func openEMSOverTLS() throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("whc-tls-\(UUID())")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let tls = try WebSocketTestServer.selfSignedTLS(in: directory)
    let server = try WebSocketTestServer(.openEMS(OpenEMSPeer(.edge)), tls: tls.context)
    defer { server.stop() }
    let options = ProbeOptions(trustedCertificatesFile: tls.certificate, depth: .openEMS(.edge, assumed: false))
    let result = try Probe(
      uri: WebSocketURI(parsing: "wss://localhost:\(server.port)/"), options: options, group: group
    )
    .runToEnd()
    #expect(result.isHealthy, "\(result.summary)")
    #expect(result.timings.entries.map(\.phase) == [.resolve, .connect, .tls, .upgrade, .reply, .close])
  }
}

/// The probe's handler on an EmbeddedChannel: the bytes it writes and how it reads the answers.
@Suite struct ProbeChannelTests {
  func attempt(_ depth: ProbeDepth, on channel: EmbeddedChannel) throws -> EventLoopFuture<ProbeResult> {
    let probe = try Probe(
      uri: WebSocketURI(parsing: "ws://box:8085/websocket"), options: ProbeOptions(depth: depth),
      group: channel.embeddedEventLoop)
    let promise = channel.eventLoop.makePromise(of: ProbeResult.self)
    let attempt = ProbeAttempt(probe: probe, eventLoop: channel.eventLoop, done: promise.succeed)
    try channel.pipeline.syncOperations.addHandler(ProbeChannelHandler(attempt: attempt, hop: 0, usesTLS: false))
    try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 8085)).wait()
    return promise.futureResult
  }

  func written(_ channel: EmbeddedChannel) throws -> [UInt8] {
    var bytes: [UInt8] = []
    while let buffer = try channel.readOutbound(as: ByteBuffer.self) { bytes += buffer.readableBytesView }
    return bytes
  }

  func key(in request: [UInt8]) throws -> String {
    let text = String(decoding: request, as: UTF8.self)
    let line = try #require(text.split(separator: "\r\n").first { $0.hasPrefix("Sec-WebSocket-Key: ") })
    return String(line.dropFirst("Sec-WebSocket-Key: ".count))
  }

  @Test func pingThenPongThenCloseOnTheWire() throws {
    let channel = EmbeddedChannel()
    let result = try attempt(.ping, on: channel)
    let request = try written(channel)
    #expect(String(decoding: request, as: UTF8.self).hasPrefix("GET /websocket HTTP/1.1\r\nHost: box:8085\r\n"))
    try channel.writeInbound(ByteBuffer(bytes: ServerBytes.upgrade(key: try key(in: request))))
    let ping = try #require(clientFrame(try written(channel)))
    #expect(ping.opcode == 0x9 && ping.masked)
    try channel.writeInbound(ByteBuffer(bytes: ServerBytes.frame(0xA, ping.payload)))
    let close = try #require(clientFrame(try written(channel)))
    #expect(close.opcode == 0x8 && close.payload == [0x03, 0xE8] + Array("Health check".utf8))
    try channel.writeInbound(ByteBuffer(bytes: ServerBytes.close(1000)))
    let outcome = try result.wait()
    #expect(outcome.isHealthy)
    #expect(outcome.timings.entries.map(\.phase) == [.connect, .upgrade, .ping, .close])
  }

  @Test func theJSONRPCReplyIsMatchedByIDOnTheWire() throws {
    let channel = EmbeddedChannel()
    let result = try attempt(.openEMS(.edge, assumed: false), on: channel)
    let request = try written(channel)
    try channel.writeInbound(ByteBuffer(bytes: ServerBytes.upgrade(key: try key(in: request))))
    let sent = try #require(clientFrame(try written(channel)))
    let id = try #require(JSONValue.parse(sent.payload)?["id"])
    guard case .string(let text) = id else { return }
    try channel.writeInbound(
      ByteBuffer(bytes: ServerBytes.text(#"{"jsonrpc":"2.0","method":"edgeConfig","params":{}}"#)))
    #expect(try written(channel).isEmpty, "a notification is not the reply")
    try channel.writeInbound(ByteBuffer(bytes: ServerBytes.text(#"{"jsonrpc":"2.0","id":"\#(text)","result":{}}"#)))
    #expect(clientFrame(try written(channel))?.opcode == 0x8)
    channel.pipeline.fireChannelInactive()
    let outcome = try result.wait()
    #expect(outcome.isHealthy)
    #expect(outcome.notes == [.droppedAtClose])
  }
}
