public import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import NIOTLS
import NIOWebSocket

#if canImport(Glibc)
  import Glibc
#endif

/// What a probe may use beyond the URI.
public struct ProbeOptions: Sendable {
  /// The whole probe, from name lookup to the server's close frame, ends by then.
  /// Default: 10 s, the reference tool's open timeout.
  public var timeout: Duration
  /// A PEM file of certificates to trust for `wss://` besides the system's, e.g. a
  /// self-signed certificate on a box in the field.
  public var trustedCertificatesFile: String?

  public init(timeout: Duration = .seconds(10), trustedCertificatesFile: String? = nil) {
    self.timeout = timeout
    self.trustedCertificatesFile = trustedCertificatesFile
  }
}

/// Opens a WebSocket, closes it again with 1000 "Health check", and says how each phase went.
///
/// This is the reference tool's probe (upgrade handshake, close handshake, no message, no
/// ping), with one deadline over the whole probe instead of 10 s to open plus 10 s to close,
/// and a failure that names its phase.
///
/// ```swift
/// let probe = try Probe(uri: uri, options: ProbeOptions(), group: group)
/// let result = probe.run().wait()
/// ```
public struct Probe: Sendable {
  public let uri: WebSocketURI
  public let options: ProbeOptions
  private let group: any EventLoopGroup
  private let tlsContext: NIOSSLContext?

  /// Prepares a probe; TLS settings are loaded here so that a bad certificate file is an
  /// error of configuration before anything is probed.
  /// - Throws: `ConfigurationError` when the trusted-certificates file cannot be used.
  public init(uri: WebSocketURI, options: ProbeOptions, group: any EventLoopGroup) throws(ConfigurationError) {
    self.uri = uri
    self.options = options
    self.group = group
    if uri.isSecure {
      var tls = TLSConfiguration.makeClientConfiguration()
      if let file = options.trustedCertificatesFile {
        do {
          let certificates = try NIOSSLCertificate.fromPEMFile(file)
          guard !certificates.isEmpty else {
            throw ConfigurationError("--ca-file \(file) holds no PEM certificate")
          }
          tls.additionalTrustRoots = [.certificates(certificates)]
        } catch let error as ConfigurationError {
          throw error
        } catch {
          throw ConfigurationError(
            "cannot read certificates from --ca-file \(file): \(error); give a readable PEM file")
        }
      }
      do {
        tlsContext = try NIOSSLContext(configuration: tls)
      } catch {
        throw ConfigurationError("cannot set up TLS: \(error)")
      }
    } else {
      if options.trustedCertificatesFile != nil {
        throw ConfigurationError("--ca-file only applies to wss:// URIs; \(uri) is plain ws://")
      }
      tlsContext = nil
    }
  }

  /// Runs one probe. The future never fails: every failure is a `ProbeResult`.
  public func run() -> EventLoopFuture<ProbeResult> {
    let eventLoop = group.next()
    let promise = eventLoop.makePromise(of: ProbeResult.self)
    eventLoop.execute {
      let attempt = ProbeAttempt(probe: self, eventLoop: eventLoop, promise: promise)
      attempt.start()
    }
    return promise.futureResult
  }

  fileprivate var tls: NIOSSLContext? { tlsContext }
}

/// The state of one running probe. Lives on one event loop; every method runs there.
final class ProbeAttempt {
  private let probe: Probe
  private let eventLoop: any EventLoop
  private let promise: EventLoopPromise<ProbeResult>
  private let started: NIODeadline
  private var phaseStarted: NIODeadline
  private(set) var phase: ProbePhase = .resolve
  private var timings = PhaseTimings()
  private var deadlineTask: Scheduled<Void>?
  private var channel: (any Channel)?
  private var finished = false

  init(probe: Probe, eventLoop: any EventLoop, promise: EventLoopPromise<ProbeResult>) {
    self.probe = probe
    self.eventLoop = eventLoop
    self.promise = promise
    started = .now()
    phaseStarted = started
  }

  private var loopBound: NIOLoopBound<ProbeAttempt> { NIOLoopBound(self, eventLoop: eventLoop) }

  func start() {
    let bound = loopBound
    let timeout = probe.options.timeout
    deadlineTask = eventLoop.scheduleTask(deadline: started + TimeAmount(timeout)) {
      let attempt = bound.value
      attempt.fail(.timedOut(phase: attempt.phase, after: timeout))
    }
    let host = probe.uri.host
    let port = probe.uri.port
    if let literal = try? SocketAddress(ipAddress: host, port: port) {
      connect(to: [literal], lastError: nil)
      return
    }
    NIOThreadPool.singleton.runIfActive(eventLoop: eventLoop) {
      try AddressLookup.addresses(host: host, port: port)
    }.whenComplete { result in
      let attempt = bound.value
      switch result {
      case .success(let addresses):
        attempt.finishPhase(.resolve)
        attempt.connect(to: addresses[...], lastError: nil)
      case .failure(let error as AddressLookup.Failure):
        attempt.fail(.nameNotResolved(host: host, detail: error.description))
      case .failure(let error):
        attempt.fail(.nameNotResolved(host: host, detail: "\(error)"))
      }
    }
  }

  /// Tries each address in turn, as the reference's asyncio does: `localhost` may name `::1`
  /// first while the service listens on 127.0.0.1 only.
  private func connect(to addresses: ArraySlice<SocketAddress>, lastError: (any Error)?) {
    guard !finished else { return }
    guard let address = addresses.first else {
      // Every address was tried; the last one's error speaks for them (lookup never
      // returns an empty list, so there always is one).
      fail(
        lastError.map { Self.classify($0, phase: .connect) } ?? .network(phase: .connect, detail: "no address to try"))
      return
    }
    phase = .connect
    let bound = loopBound
    let remaining = (started + TimeAmount(probe.options.timeout)) - .now()
    let tlsContext = probe.tls
    let serverHostname = (try? SocketAddress(ipAddress: probe.uri.host, port: 0)) == nil ? probe.uri.host : nil
    ClientBootstrap(group: eventLoop)
      .connectTimeout(max(remaining, .milliseconds(1)))
      .channelOption(.tcpOption(.tcp_nodelay), value: 1)
      .channelInitializer { channel in
        channel.eventLoop.makeCompletedFuture {
          let attempt = bound.value
          if let tlsContext {
            let handler = try NIOSSLClientHandler(context: tlsContext, serverHostname: serverHostname)
            try channel.pipeline.syncOperations.addHandler(handler)
          }
          let upgrader = NIOWebSocketClientUpgrader(
            maxFrameSize: 1 << 16,
            automaticErrorHandling: false,
            upgradePipelineHandler: { channel, _ in
              channel.pipeline.removeHandler(name: UpgradeRequestHandler.name).flatMapThrowing {
                let attempt = bound.value
                attempt.finishPhase(.upgrade)
                try channel.pipeline.syncOperations.addHandler(CloseHandshakeHandler(attempt: attempt))
              }
            })
          try channel.pipeline.syncOperations.addHTTPClientHandlers(
            leftOverBytesStrategy: .forwardBytes,
            withClientUpgrade: (upgraders: [upgrader], completionHandler: { _ in }))
          try channel.pipeline.syncOperations.addHandler(
            UpgradeRequestHandler(attempt: attempt, usesTLS: tlsContext != nil),
            name: UpgradeRequestHandler.name)
        }
      }
      .connect(to: address)
      .whenComplete { result in
        let attempt = bound.value
        switch result {
        case .success(let channel):
          if attempt.finished {
            channel.close(promise: nil)
          } else {
            attempt.channel = channel
          }
        case .failure(let error):
          attempt.connect(to: addresses.dropFirst(), lastError: error)
        }
      }
  }

  /// Ends the running phase and starts the next one in order.
  func finishPhase(_ done: ProbePhase) {
    let now = NIODeadline.now()
    timings.record(done, .nanoseconds((now - phaseStarted).nanoseconds))
    phaseStarted = now
    let order = ProbePhase.allCases
    if let index = order.firstIndex(of: done), index + 1 < order.count {
      phase = order[index + 1]
      if phase == .tls && probe.tls == nil { phase = .upgrade }
    }
  }

  func succeed() {
    complete(failure: nil)
  }

  /// The server hung up before the probe ended.
  ///
  /// A server that sends 101, a close frame and its FIN in one burst may lose the frame in
  /// NIO's upgrade (the HTTP decoder sees the end of the stream first); the probe then says
  /// "dropped", a failure all the same, just without the close code.
  func connectionClosed() {
    fail(ProbeFailure.connectionDropped(phase: phase))
  }

  func fail(_ failure: ProbeFailure) {
    complete(failure: failure)
  }

  func fail(_ error: any Error) {
    complete(failure: Self.classify(error, phase: phase))
  }

  private func complete(failure: ProbeFailure?) {
    guard !finished else { return }
    finished = true
    deadlineTask?.cancel()
    if failure != nil {
      // The phase that failed still took time; show it, so "upgrade 10000 ms" is visible.
      timings.record(phase, .nanoseconds((NIODeadline.now() - phaseStarted).nanoseconds))
    }
    channel?.close(promise: nil)
    promise.succeed(ProbeResult(failure: failure, timings: timings))
  }

  var isFinished: Bool { finished }

  /// Maps what NIO and the kernel say to words an operator can act on.
  static func classify(_ error: any Error, phase: ProbePhase) -> ProbeFailure {
    if let failure = error as? ProbeFailure { return failure }
    if let upgradeError = error as? NIOHTTPClientUpgradeError {
      switch upgradeError {
      case .upgraderDeniedUpgrade: return .badAcceptKey
      case .responseProtocolNotFound: return .notWebSocketUpgrade
      default: return .protocolViolation(detail: "\(upgradeError)")
      }
    }
    if let ioError = error as? IOError {
      if ioError.errnoCode == ECONNREFUSED { return .connectionRefused }
      return .network(phase: phase, detail: String(cString: strerror(ioError.errnoCode)))
    }
    if let channelError = error as? ChannelError {
      switch channelError {
      case .connectTimeout(let amount):
        return .timedOut(phase: .connect, after: .nanoseconds(amount.nanoseconds))
      case .eof, .ioOnClosedChannel, .alreadyClosed, .outputClosed:
        return .connectionDropped(phase: phase)
      default:
        return .network(phase: phase, detail: "\(channelError)")
      }
    }
    if let tlsError = error as? NIOSSLError {
      switch tlsError {
      case .uncleanShutdown: return .connectionDropped(phase: phase)
      case .handshakeFailed(let inner): return .tls(detail: TLSErrorText.describe(inner))
      default: return .tls(detail: "\(tlsError)")
      }
    }
    if let tlsError = error as? BoringSSLError {
      return .tls(detail: TLSErrorText.describe(tlsError))
    }
    if error is NIOSSLExtraError {
      return .tls(detail: "\(error)")
    }
    if let frameError = error as? NIOWebSocketError {
      return .protocolViolation(detail: "\(frameError)")
    }
    if error is HTTPParserError {
      return .protocolViolation(detail: "the upgrade response is not valid HTTP (\(error))")
    }
    return .network(phase: phase, detail: "\(error)")
  }
}

/// Sends the upgrade request once the connection (and TLS) is up; reports an upgrade refused.
///
/// On success the upgrade handler removes this handler and installs `CloseHandshakeHandler`.
final class UpgradeRequestHandler: ChannelInboundHandler, RemovableChannelHandler {
  typealias InboundIn = HTTPClientResponsePart
  typealias OutboundOut = HTTPClientRequestPart
  static let name = "websocket-health-check.upgrade"

  private let attempt: ProbeAttempt
  private let usesTLS: Bool

  init(attempt: ProbeAttempt, usesTLS: Bool) {
    self.attempt = attempt
    self.usesTLS = usesTLS
  }

  func channelActive(context: ChannelHandlerContext) {
    attempt.finishPhase(.connect)
    if !usesTLS { sendUpgradeRequest(context: context) }
    context.fireChannelActive()
  }

  func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
    if case .handshakeCompleted = event as? TLSUserEvent {
      attempt.finishPhase(.tls)
      sendUpgradeRequest(context: context)
    }
    context.fireUserInboundEventTriggered(event)
  }

  private func sendUpgradeRequest(context: ChannelHandlerContext) {
    let uri = attempt.uri
    var headers = HTTPHeaders()
    headers.add(name: "Host", value: uri.hostHeader)
    headers.add(name: "User-Agent", value: "websocket-health-check")
    headers.add(name: "Content-Length", value: "0")
    let head = HTTPRequestHead(version: .http1_1, method: .GET, uri: uri.requestTarget, headers: headers)
    context.write(wrapOutboundOut(.head(head)), promise: nil)
    context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
  }

  func channelRead(context: ChannelHandlerContext, data: NIOAny) {
    // Only a response that did not upgrade reaches this handler.
    if case .head(let head) = unwrapInboundIn(data) {
      if head.status == .switchingProtocols {
        attempt.fail(ProbeFailure.notWebSocketUpgrade)
      } else {
        attempt.fail(
          ProbeFailure.httpStatus(code: Int(head.status.code), reason: head.status.reasonPhrase))
      }
    }
  }

  func errorCaught(context: ChannelHandlerContext, error: any Error) {
    attempt.fail(error)
  }

  func channelInactive(context: ChannelHandlerContext) {
    attempt.connectionClosed()
    context.fireChannelInactive()
  }
}

/// After the upgrade: sends close 1000 "Health check" and waits for the server's close frame.
final class CloseHandshakeHandler: ChannelInboundHandler, RemovableChannelHandler {
  typealias InboundIn = WebSocketFrame
  typealias OutboundOut = WebSocketFrame

  private let attempt: ProbeAttempt

  init(attempt: ProbeAttempt) {
    self.attempt = attempt
  }

  func handlerAdded(context: ChannelHandlerContext) {
    var payload = context.channel.allocator.buffer(capacity: 14)
    payload.writeInteger(UInt16(1000))
    payload.writeString("Health check")
    let frame = WebSocketFrame(fin: true, opcode: .connectionClose, maskKey: .random(), data: payload)
    context.writeAndFlush(wrapOutboundOut(frame), promise: nil)
  }

  func channelRead(context: ChannelHandlerContext, data: NIOAny) {
    let frame = unwrapInboundIn(data)
    guard frame.opcode == .connectionClose else { return }  // a message or ping: not what we wait for
    var payload = frame.unmaskedData
    let code = payload.readInteger(as: UInt16.self).map(Int.init)
    let reason = payload.readString(length: payload.readableBytes) ?? ""
    attempt.finishPhase(.close)
    // No code (an empty close frame) is a normal close too (RFC 6455 7.1.5: 1005).
    if code == nil || code == 1000 {
      attempt.succeed()
    } else {
      attempt.fail(ProbeFailure.closedByPeer(code: code, reason: reason))
    }
  }

  func errorCaught(context: ChannelHandlerContext, error: any Error) {
    attempt.fail(error)
  }

  func channelInactive(context: ChannelHandlerContext) {
    attempt.fail(ProbeFailure.connectionDropped(phase: .close))
    context.fireChannelInactive()
  }
}

extension ProbeAttempt {
  var uri: WebSocketURI { probe.uri }
}

extension TimeAmount {
  init(_ duration: Duration) {
    let (seconds, attoseconds) = duration.components
    self = .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
  }
}

extension Probe {
  /// Runs one probe and blocks until it ends (its deadline bounds the wait).
  /// Not for an event loop thread.
  public func runToEnd() -> ProbeResult {
    do {
      return try run().wait()
    } catch {
      // `run()` never fails its future; this is only the shape of `wait()`.
      return ProbeResult(failure: .network(phase: .resolve, detail: "\(error)"), timings: PhaseTimings())
    }
  }
}
