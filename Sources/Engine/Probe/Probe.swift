public import NIOCore
import NIOPosix
import NIOSSL
import NIOTLS

#if canImport(Glibc)
  import Glibc
#endif

/// Opens a WebSocket, asks what the options say (nothing, a ping, a message, a JSON-RPC
/// request), closes it again with 1000 "Health check", and says how each phase went.
///
/// By default this is the reference tool's probe (upgrade handshake, close, no message, no
/// ping), with one deadline over the whole probe instead of 10 s to open plus 10 s to close,
/// and a failure that names its phase. The talking is `ProbeConversation`'s; this type only
/// resolves, connects, speaks TLS, follows redirects and keeps the time.
///
/// ```swift
/// let probe = try Probe(uri: uri, options: ProbeOptions(depth: .openEMS(.edge, assumed: false)), group: group)
/// let result = probe.run().wait()
/// ```
public struct Probe: Sendable {
  public let uri: WebSocketURI
  public let options: ProbeOptions
  private let group: any EventLoopGroup
  private let tlsContext: NIOSSLContext?
  /// The upgrade request for `uri`, built once: each probe only adds its key.
  fileprivate let upgradeRequest: UpgradeHandshake.Request

  /// After the depth step, the server's close echo is awaited this long at most (within the
  /// deadline): the close is best effort, and a server that never echoes should not hold
  /// every check for the whole timeout.
  static let closeGrace = Duration.seconds(2)

  /// Prepares a probe; TLS settings are loaded here so that a bad certificate file is an
  /// error of configuration before anything is probed.
  /// - Throws: `ConfigurationError` when the trusted-certificates file cannot be used.
  public init(uri: WebSocketURI, options: ProbeOptions, group: any EventLoopGroup) throws(ConfigurationError) {
    self.uri = uri
    self.options = options
    self.group = group
    upgradeRequest = UpgradeHandshake.Request(uri: uri, options: options)
    if !uri.isSecure {
      if options.trustedCertificatesFile != nil {
        throw ConfigurationError("--ca-file only applies to wss:// URIs; \(uri) is plain ws://")
      }
      if options.insecure {
        throw ConfigurationError("--insecure only applies to wss:// URIs; \(uri) is plain ws://")
      }
      tlsContext = nil
    } else {
      tlsContext = try Self.makeTLSContext(options)
    }
  }

  static func makeTLSContext(_ options: ProbeOptions) throws(ConfigurationError) -> NIOSSLContext {
    var tls = TLSConfiguration.makeClientConfiguration()
    if options.insecure { tls.certificateVerification = .none }
    if let file = options.trustedCertificatesFile {
      do {
        let certificates = try NIOSSLCertificate.fromPEMFile(file)
        guard !certificates.isEmpty else {
          throw ConfigurationError("--ca-file \(file) holds no PEM certificate")
        }
        tls.additionalTrustRoots = [.certificates(certificates)]
      } catch let error as ConfigurationError {
        throw error
      } catch let error {
        throw ConfigurationError("cannot read certificates from --ca-file \(file): \(error); give a readable PEM file")
      }
    }
    do {
      return try NIOSSLContext(configuration: tls)
    } catch {
      throw ConfigurationError("cannot set up TLS: \(error)")
    }
  }

  /// Runs one probe. The future never fails: every failure is a `ProbeResult`.
  public func run() -> EventLoopFuture<ProbeResult> {
    launch(keepingAttemptIn: nil)
  }

  /// Runs one probe for a caller already on `eventLoop` (the dashboard's schedule), and calls
  /// `done` there with its result: no promise, no hop between threads.
  public func run(on eventLoop: any EventLoop, then done: @escaping (ProbeResult) -> Void) {
    eventLoop.preconditionInEventLoop()
    ProbeAttempt(probe: self, eventLoop: eventLoop, done: done).start()
  }

  /// Starts one probe for a caller that may give it up before it ends (a check whose systemd
  /// query failed): `abandon` closes its connection at once.
  public func start() -> StartedProbe {
    let eventLoop = group.next()
    let running = NIOLoopBoundBox.makeEmptyBox(valueType: ProbeAttempt.self, eventLoop: eventLoop)
    let result = launch(on: eventLoop, keepingAttemptIn: running)
    return StartedProbe(
      wait: {
        do {
          return try result.wait()
        } catch {
          // The future never fails; this is only the shape of `wait()`.
          return ProbeResult(failure: .notProbed(phase: .resolve, detail: "\(error)"), timings: PhaseTimings())
        }
      },
      // After the attempt was made: `execute` keeps order on its loop.
      abandon: { eventLoop.execute { running.value?.abandon() } })
  }

  private func launch(
    on eventLoop: (any EventLoop)? = nil, keepingAttemptIn running: NIOLoopBoundBox<ProbeAttempt?>?
  ) -> EventLoopFuture<ProbeResult> {
    let eventLoop = eventLoop ?? group.next()
    let promise = eventLoop.makePromise(of: ProbeResult.self)
    eventLoop.execute {
      let attempt = ProbeAttempt(probe: self, eventLoop: eventLoop, done: promise.succeed)
      running?.value = attempt
      attempt.start()
    }
    return promise.futureResult
  }

  /// The TLS context for a `wss://` URI: the prepared one, or one made for a redirect from
  /// `ws://` to `wss://`.
  fileprivate func tls(for uri: WebSocketURI) throws(ConfigurationError) -> NIOSSLContext? {
    guard uri.isSecure else { return nil }
    if let tlsContext { return tlsContext }
    return try Self.makeTLSContext(options)
  }
}

/// The state of one running probe. Lives on one event loop; every method runs there.
final class ProbeAttempt {
  typealias Conversation = ProbeConversation<ProbeEntropy>

  private let probe: Probe
  private let eventLoop: any EventLoop
  /// Called once, on the loop, with the result.
  private let done: (ProbeResult) -> Void
  private let started: NIODeadline
  private var phaseStarted: NIODeadline
  private(set) var phase: ProbePhase = .resolve
  private var timings = PhaseTimings()
  private var notes: [ProbeNote] = []
  /// The loop's alarms: this probe's deadline and, in the close phase, the end of the close
  /// grace ring it there.
  private let alarms: ProbeAlarms
  private var graceSet = false
  private var channel: (any Channel)?
  private var conversation: Conversation?
  private var exchange: ProbeExchange?
  private var finished = false
  /// The URI of this hop, and how many redirects led to it.
  private(set) var uri: WebSocketURI
  private var redirects = 0
  /// Bumped at each hop, so that the last hop's channel cannot speak for the next one.
  private var hop = 0

  init(probe: Probe, eventLoop: any EventLoop, done: @escaping (ProbeResult) -> Void) {
    self.probe = probe
    self.eventLoop = eventLoop
    self.done = done
    uri = probe.uri
    if probe.options.recordsExchange { exchange = ProbeExchange() }
    alarms = ProbeAlarms.on(eventLoop)
    started = .now()
    phaseStarted = started
  }

  private var loopBound: NIOLoopBound<ProbeAttempt> { NIOLoopBound(self, eventLoop: eventLoop) }
  private var deadline: NIODeadline { started + TimeAmount(probe.options.timeout) }

  func start() {
    guard alarms.add(self, at: deadline, .deadline) else {
      // Only a loop that is shutting down refuses; a probe without a deadline could wait forever.
      fail(.notProbed(phase: .resolve, detail: "this program is shutting down"))
      return
    }
    if probe.options.insecure { notes.append(.certificateNotChecked) }
    begin()
  }

  /// Resolves and connects to `uri`: the first hop, or the next after a redirect.
  private func begin() {
    phase = .resolve
    let bound = loopBound
    let (host, port, hop) = (uri.host, uri.port, hop)
    if let literal = try? SocketAddress(ipAddress: host, port: port) {
      connect(to: [literal], lastFailure: nil)
      return
    }
    NIOThreadPool.singleton.runIfActive(eventLoop: eventLoop) {
      try AddressLookup.addresses(host: host, port: port)
    }.whenComplete { result in
      let attempt = bound.value
      guard attempt.hop == hop else { return }
      switch result {
      case .success(let addresses):
        attempt.finishPhase(.resolve)
        attempt.connect(to: addresses[...], lastFailure: nil)
      case .failure(let error as AddressLookup.Failure):
        attempt.fail(.nameNotResolved(host: host, detail: error.description))
      case .failure(let error):
        attempt.fail(.nameNotResolved(host: host, detail: "\(error)"))
      }
    }
  }

  /// Tries each address in turn, as the reference's asyncio does: `localhost` may name `::1`
  /// first while the service listens on 127.0.0.1 only.
  private func connect(to addresses: ArraySlice<SocketAddress>, lastFailure: ProbeFailure?) {
    guard !finished else { return }
    guard let address = addresses.first else {
      // Every address was tried; the most telling failure speaks for them (lookup never
      // returns an empty list, so there always is one).
      fail(lastFailure ?? .network(phase: .connect, detail: "no address to try"))
      return
    }
    phase = .connect
    let tlsContext: NIOSSLContext?
    do {
      tlsContext = try probe.tls(for: uri)
    } catch {
      fail(.tls(detail: error.message))
      return
    }
    let bound = loopBound
    let hop = hop
    let serverHostname = (try? SocketAddress(ipAddress: uri.host, port: 0)) == nil ? uri.host : nil
    // No Nagle (NIO's default for a client): with TLS the request would otherwise wait for
    // the ACK of our Finished.
    ClientBootstrap(group: eventLoop)
      .connectTimeout(max(deadline - .now(), .milliseconds(1)))
      .channelInitializer { channel in
        do {
          if let tlsContext {
            let handler = try NIOSSLClientHandler(context: tlsContext, serverHostname: serverHostname)
            try channel.pipeline.syncOperations.addHandler(handler)
          }
          try channel.pipeline.syncOperations.addHandler(
            ProbeChannelHandler(attempt: bound.value, hop: hop, usesTLS: tlsContext != nil))
          // The loop's own succeeded future: none made and freed for every probe.
          return channel.eventLoop.makeSucceededVoidFuture()
        } catch {
          return channel.eventLoop.makeFailedFuture(error)
        }
      }
      .connect(to: address)
      .whenComplete { result in
        let attempt = bound.value
        switch result {
        case .success(let channel):
          if attempt.finished || attempt.hop != hop { channel.close(promise: nil) }
        case .failure(let error):
          guard attempt.hop == hop else { return }
          attempt.connect(
            to: addresses.dropFirst(),
            lastFailure: ProbeFailure.telling(lastFailure, Self.classify(error, phase: .connect)))
        }
      }
  }

  // MARK: What the channel reports

  func connected(_ channel: any Channel, hop: Int, usesTLS: Bool) {
    guard hop == self.hop, !finished else {
      channel.close(promise: nil)
      return
    }
    self.channel = channel
    finishPhase(.connect)
    phase = usesTLS ? .tls : .upgrade
    if !usesTLS { startConversation() }
  }

  func secured(hop: Int) {
    guard hop == self.hop, !finished else { return }
    finishPhase(.tls)
    phase = .upgrade
    startConversation()
  }

  func received(_ bytes: UnsafeRawBufferPointer, hop: Int) {
    guard hop == self.hop, conversation != nil else { return }
    exchange?.receive(bytes)
    perform(conversation!.receive(bytes))
  }

  func closed(hop: Int) {
    guard hop == self.hop, !finished else { return }
    if conversation != nil {
      perform(conversation!.connectionClosed())
    } else {
      fail(.connectionDropped(phase: phase))
    }
  }

  func failed(_ error: any Error, certificate: NIOSSLCertificate?, hop: Int) {
    guard hop == self.hop, !finished else { return }
    if phase == .close, conversation != nil {
      // Whatever goes wrong after our close frame is the close's manners, not the service's.
      perform(conversation!.connectionClosed())
      return
    }
    fail(Self.classify(error, phase: phase, host: uri.host, certificate: certificate))
  }

  // MARK: Carrying out the conversation's actions

  private func startConversation() {
    // After a redirect the request is for the new place.
    let request = hop == 0 ? probe.upgradeRequest : UpgradeHandshake.Request(uri: uri, options: probe.options)
    conversation = Conversation(request: request, options: probe.options, random: ProbeEntropy())
    perform(conversation!.start())
  }

  private func perform(_ actions: [Conversation.Action]) {
    for action in actions {
      guard !finished else { return }
      switch action {
      case .send(let bytes):
        exchange?.send(bytes)
        if let channel { channel.writeAndFlush(channel.allocator.buffer(bytes: bytes), promise: nil) }
      case .finished(let done):
        finishPhase(done)
      case .note(let note):
        notes.append(note)
      case .redirect(let location):
        follow(location)
        return
      case .succeed:
        complete(failure: nil)
      case .fail(let failure):
        fail(failure)
      }
    }
    // The phase alone: binding the conversation would copy it, every field retained.
    guard !finished, let conversationPhase = conversation?.phase else { return }
    if phase != conversationPhase { phase = conversationPhase }
    if phase == .close, !graceSet {
      graceSet = true
      // A loop shutting down refuses; the deadline then still ends the probe.
      alarms.add(self, at: min(NIODeadline.now() + TimeAmount(Probe.closeGrace), deadline), .grace)
    }
  }

  private func follow(_ location: String) {
    exchange?.nextConnection()
    finishPhase(.upgrade)
    redirects += 1
    let next: WebSocketURI
    do {
      next = try Self.resolve(location, against: uri)
    } catch {
      fail(.redirect(detail: error.message))
      return
    }
    // Each hop named once: a loop is said as the circle it is.
    let hops =
      [probe.uri]
      + notes.compactMap { note -> WebSocketURI? in
        if case .redirected(let to) = note { return try? WebSocketURI(parsing: to) }
        return nil
      }
    if hops.contains(next) {
      fail(.redirect(detail: "a redirect loop: " + (hops + [next]).map(\.description).joined(separator: " → ")))
      return
    }
    guard redirects <= probe.options.maximumRedirects else {
      fail(.redirect(detail: "more than \(probe.options.maximumRedirects) redirects, the last to \(next)"))
      return
    }
    guard next.isSecure || !uri.isSecure else {
      fail(
        .redirect(detail: "\(uri) redirects to \(next), from wss:// to ws://; refused, as the reference's library does")
      )
      return
    }
    notes.append(.redirected(to: next.description))
    hop += 1
    channel?.close(promise: nil)
    channel = nil
    conversation = nil
    uri = next
    begin()
  }

  /// A `Location` header's URI, absolute or relative to `base`.
  static func resolve(_ location: String, against base: WebSocketURI) throws(ConfigurationError) -> WebSocketURI {
    let lower = location.lowercased()
    if lower.hasPrefix("ws://") || lower.hasPrefix("wss://") {
      return try WebSocketURI(parsing: location)
    }
    // nginx's absolute_redirect (its default) writes http:// and https://: the same place, for
    // a WebSocket ws:// and wss://.
    if lower.hasPrefix("http://") { return try WebSocketURI(parsing: "ws://" + location.dropFirst(7)) }
    if lower.hasPrefix("https://") { return try WebSocketURI(parsing: "wss://" + location.dropFirst(8)) }
    let scheme = base.isSecure ? "wss" : "ws"
    let host = base.host.contains(":") ? "[\(base.host)]" : base.host
    if location.hasPrefix("//") { return try WebSocketURI(parsing: "\(scheme):\(location)") }
    var path = location
    if !location.hasPrefix("/") {
      let basePath = base.requestTarget.split(separator: "?", maxSplits: 1).first.map(String.init) ?? "/"
      path = String(basePath[...(basePath.lastIndex(of: "/") ?? basePath.startIndex)]) + location
    }
    return try WebSocketURI(parsing: "\(scheme)://\(host):\(base.port)\(path)")
  }

  // MARK: Time and the end

  /// The deadline passed, or the close grace (the deadline then has not).
  func alarmRang(_ kind: ProbeAlarms.Kind) {
    guard !finished else { return }
    if conversation != nil {
      perform(conversation!.deadlinePassed(after: probe.options.timeout))
    } else {
      fail(.timedOut(phase: phase, after: probe.options.timeout))
    }
  }

  /// Ends the running phase.
  private func finishPhase(_ done: ProbePhase) {
    let now = NIODeadline.now()
    timings.record(done, .nanoseconds((now - phaseStarted).nanoseconds))
    phaseStarted = now
  }

  func fail(_ failure: ProbeFailure) {
    complete(failure: failure)
  }

  /// The caller stopped waiting (a check that could not ask systemd for the PID): close the
  /// connection now. The result says so, and nothing counts it.
  func abandon() {
    complete(failure: .notProbed(phase: phase, detail: "abandoned before the end: the check stopped on its own error"))
  }

  private func complete(failure: ProbeFailure?) {
    guard !finished else { return }
    finished = true
    alarms.remove(self)
    if failure != nil {
      // The phase that failed still took time; show it, so "upgrade 10000 ms" is visible.
      finishPhase(phase)
    }
    channel?.close(promise: nil)
    // Values of four characters or more: a shorter one would blank out ordinary words.
    let secrets = probe.options.headers.filter(\.isSecret).map(\.value).filter { $0.count >= 4 }
    done(
      ProbeResult(
        failure: failure?.redacting(secrets), timings: timings, notes: notes.map { $0.redacting(secrets) },
        exchange: exchange.map {
          var kept = $0
          kept.secrets = secrets
          return kept
        }))
  }

  /// Maps what NIO and the kernel say to words an operator can act on.
  static func classify(
    _ error: any Error, phase: ProbePhase, host: String = "", certificate: NIOSSLCertificate? = nil
  ) -> ProbeFailure {
    if let failure = error as? ProbeFailure { return failure }
    if let ioError = error as? IOError {
      if ioError.errnoCode == ECONNREFUSED { return .connectionRefused }
      if let here = onThisBox(errno: ioError.errnoCode, phase: phase) { return here }
      // After the upgrade a reset or a broken pipe is the kernel's word for a server that
      // already sent its FIN while we wrote: it dropped the connection, it did not "reset" it.
      if phase > .upgrade, ioError.errnoCode == ECONNRESET || ioError.errnoCode == EPIPE {
        return .connectionDropped(phase: phase)
      }
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
      case .handshakeFailed(let inner):
        return .tls(detail: TLSErrorText.describe(inner, host: host, certificate: certificate))
      default: return .tls(detail: "\(tlsError)")
      }
    }
    if let tlsError = error as? BoringSSLError {
      return .tls(detail: TLSErrorText.describe(tlsError, host: host, certificate: certificate))
    }
    if let extra = error as? NIOSSLExtraError {
      return .tls(detail: TLSErrorText.describe(extra, host: host, certificate: certificate))
    }
    return .network(phase: phase, detail: "\(error)")
  }

  /// The kernel's answers that come from this box, not from the service: this program's
  /// limits and this box's rules. `EPERM` and `EACCES` on a socket are only ever said here (a
  /// firewall's reject from afar arrives as `EHOSTUNREACH`).
  static func onThisBox(errno code: Int32, phase: ProbePhase) -> ProbeFailure? {
    let (what, todo): (String, String)
    switch code {
    case EMFILE: (what, todo) = ("this program has too many files open", "raise LimitNOFILE= in its unit")
    case ENFILE: (what, todo) = ("the system's table of open files is full", "find who holds them: lsof")
    case ENOBUFS, ENOMEM:
      (what, todo) = ("the kernel has no memory left for a socket", "see what holds the memory: free -m, top")
    case EADDRNOTAVAIL:
      (what, todo) = (
        "no local address or port to connect from",
        "IPv6 switched off here? probe an IPv4 address; else the local ports are used up: ss -s"
      )
    case EAFNOSUPPORT:
      (what, todo) = ("this box does not support that address family", "IPv6 switched off? probe an IPv4 address")
    case EPERM, EACCES:
      (what, todo) = (
        "this box forbade the connection",
        "a firewall rule, or the unit's sandbox (IPAddressDeny=, RestrictAddressFamilies=, SystemCallFilter=)"
      )
    default: return nil
    }
    return .notProbed(phase: phase, detail: "\(what) (\(String(cString: strerror(code)))); \(todo)")
  }
}

/// Hands the connection's events to its `ProbeAttempt`: bytes in, TLS done, closed, errors.
final class ProbeChannelHandler: ChannelInboundHandler {
  typealias InboundIn = ByteBuffer

  private let attempt: ProbeAttempt
  private let hop: Int
  private let usesTLS: Bool

  init(attempt: ProbeAttempt, hop: Int, usesTLS: Bool) {
    self.attempt = attempt
    self.hop = hop
    self.usesTLS = usesTLS
  }

  func channelActive(context: ChannelHandlerContext) {
    attempt.connected(context.channel, hop: hop, usesTLS: usesTLS)
    context.fireChannelActive()
  }

  func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
    if case .handshakeCompleted = event as? TLSUserEvent { attempt.secured(hop: hop) }
    context.fireUserInboundEventTriggered(event)
  }

  func channelRead(context: ChannelHandlerContext, data: NIOAny) {
    let buffer = unwrapInboundIn(data)
    buffer.withUnsafeReadableBytes { attempt.received($0, hop: hop) }
  }

  func errorCaught(context: ChannelHandlerContext, error: any Error) {
    // The certificate the server showed, when TLS got that far: it names what is wrong with it.
    let certificate = try? context.pipeline.syncOperations.handler(type: NIOSSLClientHandler.self).peerCertificate
    attempt.failed(error, certificate: certificate, hop: hop)
  }

  func channelInactive(context: ChannelHandlerContext) {
    attempt.closed(hop: hop)
    context.fireChannelInactive()
  }
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
    start().wait()
  }
}

extension CheckCycle {
  /// The check of a target whose probe is `probe`.
  public init(settings: CheckSettings, serviceManager: any ServiceManager, probe: Probe) {
    self.init(settings: settings, serviceManager: serviceManager, startProbe: probe.start)
  }
}
