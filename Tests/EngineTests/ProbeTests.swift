import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import TestPeers
import Testing

@testable import Engine

/// The probe against real servers on loopback, one per fault it must tell apart.
@Suite struct ProbeTests {
  let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)

  func probe(_ uri: String, timeout: Duration = .seconds(5), caFile: String? = nil) throws -> ProbeResult {
    let options = ProbeOptions(timeout: timeout, trustedCertificatesFile: caFile)
    return try Probe(uri: WebSocketURI(parsing: uri), options: options, group: group).runToEnd()
  }

  @Test func healthyServerPassesAndEveryPhaseIsTimed() throws {
    let server = try WebSocketTestServer(.healthy)
    defer { server.stop() }
    let result = try probe("ws://127.0.0.1:\(server.port)/websocket")
    #expect(result.failure == nil)
    #expect(result.timings.entries.map(\.phase) == [.connect, .upgrade, .close])
    #expect(server.connectionCount == 1)
  }

  @Test func hostNameIsResolvedAndTimed() throws {
    let server = try WebSocketTestServer(.healthy)
    defer { server.stop() }
    // localhost may resolve to ::1 first; the server listens on 127.0.0.1 only.
    let result = try probe("ws://localhost:\(server.port)")
    #expect(result.failure == nil)
    #expect(result.timings[.resolve] != nil)
  }

  @Test func refusedConnectionIsNamedSo() throws {
    let port = try closedPort()
    let result = try probe("ws://127.0.0.1:\(port)")
    #expect(result.failure == .connectionRefused)
    #expect(result.failure?.phase == .connect)
  }

  @Test func unresolvableHostIsADNSFailure() throws {
    let result = try probe("ws://no-such-host.invalid:8085")
    guard case .nameNotResolved(let host, _) = result.failure else {
      Issue.record("expected a name lookup failure, got \(String(describing: result.failure))")
      return
    }
    #expect(host == "no-such-host.invalid")
  }

  /// A wedged service: TCP is accepted from the backlog, nothing ever answers. The probe must
  /// give up at its deadline, not later (the issue allows 0.2 s past it).
  @Test func serverThatNeverAnswersTimesOutInTheUpgradeAtTheDeadline() throws {
    let server = try WebSocketTestServer(.neverAnswer)
    defer { server.stop() }
    let clock = ContinuousClock()
    let started = clock.now
    let result = try probe("ws://127.0.0.1:\(server.port)", timeout: .seconds(1))
    let elapsed = clock.now - started
    #expect(result.failure == .timedOut(phase: .upgrade, after: .seconds(1)))
    #expect(elapsed >= .seconds(1))
    #expect(elapsed < .milliseconds(1200), "took \(elapsed)")
    #expect(result.summary.hasPrefix("upgrade timed out after 1 s"))
  }

  @Test func slowUpgradeWithinTheDeadlineIsHealthy() throws {
    let server = try WebSocketTestServer(.upgradeAfter(.milliseconds(300)))
    defer { server.stop() }
    let result = try probe("ws://127.0.0.1:\(server.port)", timeout: .seconds(3))
    #expect(result.failure == nil)
    #expect((result.timings[.upgrade] ?? .zero) >= .milliseconds(300))
  }

  @Test func slowUpgradePastTheDeadlineTimesOut() throws {
    let server = try WebSocketTestServer(.upgradeAfter(.seconds(3)))
    defer { server.stop() }
    let result = try probe("ws://127.0.0.1:\(server.port)", timeout: .milliseconds(400))
    #expect(result.failure == .timedOut(phase: .upgrade, after: .milliseconds(400)))
  }

  @Test func http503IsReportedWithItsStatus() throws {
    let server = try WebSocketTestServer(.httpStatus(503, "Service Unavailable"))
    defer { server.stop() }
    let result = try probe("ws://127.0.0.1:\(server.port)")
    #expect(result.failure == .httpStatus(code: 503, reason: "Service Unavailable"))
    #expect(result.summary.contains("HTTP 503 Service Unavailable instead of 101"))
  }

  @Test func wrongAcceptKeyIsNotTakenForAWebSocket() throws {
    let server = try WebSocketTestServer(.wrongAcceptKey)
    defer { server.stop() }
    let result = try probe("ws://127.0.0.1:\(server.port)")
    #expect(result.failure == .badAcceptKey)
  }

  /// Upgraded, then closed with 1011: the reference's handshake probe calls it healthy (RFC 6455
  /// lets a close carry any code); so do we, and say the code.
  @Test func aCloseWith1011AfterTheUpgradeIsHealthyAndNoted() throws {
    let server = try WebSocketTestServer(.closeAfterUpgrade(code: 1011))
    defer { server.stop() }
    let result = try probe("ws://127.0.0.1:\(server.port)")
    #expect(result.isHealthy, "\(result.summary)")
    #expect(result.summary.contains("closed with 1011 server error, 'internal error'"), "\(result.summary)")
  }

  /// The close is best effort, as in the reference: a server that upgraded but never echoes
  /// our close frame is healthy, noted, and holds the probe for the close grace at most.
  @Test func serverThatNeverAnswersTheCloseIsHealthyWithANote() throws {
    let server = try WebSocketTestServer(.neverCloses)
    defer { server.stop() }
    let clock = ContinuousClock()
    let started = clock.now
    let result = try probe("ws://127.0.0.1:\(server.port)", timeout: .seconds(8))
    let elapsed = clock.now - started
    #expect(result.failure == nil, "\(result.summary)")
    #expect(result.notes == [.closeNotAnswered])
    #expect(result.timings[.upgrade] != nil)
    #expect(elapsed < Probe.closeGrace + .milliseconds(500), "took \(elapsed)")
  }

  @Test func selfSignedTLSIsTrustedOnlyWithCAFile() throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("whc-tls-\(UUID())")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let tls = try WebSocketTestServer.selfSignedTLS(in: directory)
    let server = try WebSocketTestServer(.healthy, tls: tls.context)
    defer { server.stop() }

    let trusted = try probe("wss://localhost:\(server.port)/", caFile: tls.certificate)
    #expect(trusted.failure == nil)
    #expect(trusted.timings.entries.map(\.phase) == [.resolve, .connect, .tls, .upgrade, .close])

    let untrusted = try probe("wss://127.0.0.1:\(server.port)/")
    guard case .tls(let detail) = untrusted.failure else {
      Issue.record("expected a TLS failure, got \(String(describing: untrusted.failure))")
      return
    }
    #expect(detail.contains("not trusted"), "\(detail)")
  }

  @Test func plainServerProbedWithWSSSaysItDoesNotSpeakTLS() throws {
    let server = try WebSocketTestServer(.healthy)
    defer { server.stop() }
    let result = try probe("wss://127.0.0.1:\(server.port)/")
    #expect(result.failure?.phase == .tls, "\(result.summary)")
  }

  @Test func caFileIsCheckedBeforeProbing() throws {
    #expect(throws: ConfigurationError.self) {
      try Probe(
        uri: WebSocketURI(parsing: "wss://localhost"),
        options: ProbeOptions(trustedCertificatesFile: "/nonexistent.pem"), group: group)
    }
    #expect(throws: ConfigurationError.self) {
      try Probe(
        uri: WebSocketURI(parsing: "ws://localhost"),
        options: ProbeOptions(trustedCertificatesFile: "/etc/hostname"), group: group)
    }
  }

  /// A check that stops on its own error gives its probe up: the connection closes now, not
  /// at the probe's deadline, and the result says it was abandoned.
  @Test func anAbandonedProbeClosesItsConnectionAtOnce() throws {
    let serverGroup = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    defer { try? serverGroup.syncShutdownGracefully() }
    let accepted = serverGroup.next().makePromise(of: Void.self)
    let closed = NIOLockedValueBox(false)
    // Reads the upgrade request and never answers: a wedged service.
    let listener = try ServerBootstrap(group: serverGroup)
      .childChannelInitializer { channel in
        accepted.succeed(())
        return channel.pipeline.addHandler(ClosedByClient(closed: closed))
      }
      .bind(host: "127.0.0.1", port: 0).wait()
    defer { try? listener.close().wait() }
    let uri = try WebSocketURI(parsing: "ws://127.0.0.1:\(listener.localAddress!.port!)/")
    let running = try Probe(uri: uri, options: ProbeOptions(timeout: .seconds(120)), group: group).start()
    try accepted.futureResult.wait()
    running.abandon()
    let result = running.wait()
    #expect(result.failure != nil && result.summary.contains("abandoned"), "\(result.summary)")
    // Far below the probe's 120 s deadline.
    var waited = 0
    while !closed.withLockedValue({ $0 }), waited < 3000 {
      usleep(10_000)
      waited += 1
    }
    #expect(closed.withLockedValue { $0 }, "the server never saw the connection close")
  }
}

/// Sets `closed` when the client closes the connection.
private final class ClosedByClient: ChannelInboundHandler, Sendable {
  typealias InboundIn = ByteBuffer
  let closed: NIOLockedValueBox<Bool>
  init(closed: NIOLockedValueBox<Bool>) { self.closed = closed }
  func channelInactive(context: ChannelHandlerContext) { closed.withLockedValue { $0 = true } }
}
