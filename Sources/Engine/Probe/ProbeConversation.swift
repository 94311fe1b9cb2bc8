/// One probe's conversation with the server once TCP (and TLS) is up: the upgrade, the depth
/// step the options ask for, and the close. A state machine of plain values: events in, actions
/// out, no I/O, so that every step is tested by tables and byte for byte.
///
/// ```
/// upgrade ──101──▶ (ping | reply) ──answer──▶ close ──echo, drop or grace──▶ healthy
///    │ 3xx ▶ redirect                │ close/timeout ▶ failure
/// ```
struct ProbeConversation<Random: RandomNumberGenerator> {
  enum Action: Equatable {
    /// Write these bytes to the server.
    case send([UInt8])
    /// This phase just ended: time it.
    case finished(ProbePhase)
    /// Worth knowing, not a failure.
    case note(ProbeNote)
    /// Start over at this location (relative or absolute, as the server sent it).
    case redirect(location: String)
    case succeed
    case fail(ProbeFailure)
  }

  private enum State {
    case upgrading(ResponseHeadReader)
    /// Upgraded; waiting for the depth step's answer (`phase` says which) or our close's echo.
    case open
    case done
  }

  private(set) var phase: ProbePhase = .upgrade
  private var state: State = .upgrading(ResponseHeadReader())
  private let depth: ProbeDepth
  private let handshake: UpgradeHandshake
  private var frames: FrameReader
  private let pingPayload: [UInt8]
  private let exchange: JSONRPCExchange
  private let port: Int
  private var random: Random
  private var lastSkipped: String?
  /// A message came compressed (RSV1) although the probe negotiated no compression.
  private var compressedSkipped = false

  init(uri: WebSocketURI, options: ProbeOptions, random: Random) {
    self.init(request: UpgradeHandshake.Request(uri: uri, options: options), options: options, random: random)
  }

  /// With the target's request built beforehand (`Probe` keeps it): only the key is new.
  init(request: UpgradeHandshake.Request, options: ProbeOptions, random: Random) {
    var random = random
    // Eight bytes per draw (the system generator made each draw a system call).
    func bytes(_ count: Int) -> [UInt8] {
      var out: [UInt8] = []
      out.reserveCapacity(count)
      while out.count < count {
        var word = random.next()
        for _ in 0..<min(8, count - out.count) {
          out.append(UInt8(truncatingIfNeeded: word))
          word >>= 8
        }
      }
      return out
    }
    handshake = UpgradeHandshake(request: request, keyBytes: bytes(16))
    // Only what the depth asks for is drawn: a dashboard probes a hundred targets a second.
    // Four bytes: some servers pong only as much as their buffer holds (a libwebsockets
    // protocol with a 10-byte buffer), and four random bytes still tell our pong from another.
    pingPayload = options.depth == .ping ? bytes(4) : []
    if case .openEMS(let endpoint, _) = options.depth, let method = endpoint.method {
      exchange = JSONRPCExchange(id: JSONRPCExchange.uuid(from: bytes(16)), method: method)
    } else {
      exchange = JSONRPCExchange(id: "", method: "")
    }
    port = request.port
    self.random = random
    depth = options.depth
    switch options.depth {
    case .handshake, .ping: frames = FrameReader(keepsMessages: false)
    case .message, .openEMS: frames = FrameReader(keepsMessages: true)
    }
  }

  /// The `Sec-WebSocket-Key` sent, and the JSON-RPC id, for tests that check the bytes.
  var key: String { handshake.key }
  var requestID: String { exchange.id }
  var isDone: Bool {
    if case .done = state { return true }
    return false
  }

  /// The connection is up: send the upgrade request.
  mutating func start() -> [Action] {
    [.send(handshake.request)]
  }

  mutating func receive(_ bytes: some Collection<UInt8>) -> [Action] {
    switch state {
    case .done:
      return []
    case .upgrading(var reader):
      // Not held twice while it grows: the copy in `state` would make it copy its buffer.
      state = .done
      let outcome = reader.feed(bytes)
      state = .upgrading(reader)
      switch outcome {
      case .needMore:
        return []
      case .failed(let failure):
        return end(.fail(failure))
      case .head(let head, let rest):
        switch handshake.judge(head) {
        case .failed(let failure):
          return end(.fail(failure))
        case .redirect(let location):
          state = .done
          return [.redirect(location: location)]
        case .upgraded:
          state = .open
          var actions: [Action] = [.finished(.upgrade)]
          actions += askDepthQuestion()
          if !rest.isEmpty { actions += receive(rest) }
          return actions
        }
      }
    case .open:
      var actions: [Action] = []
      for event in frames.feed(bytes) {
        actions += handle(event)
        if isDone { break }
      }
      return actions
    }
  }

  /// The server closed TCP.
  mutating func connectionClosed() -> [Action] {
    guard !isDone else { return [] }
    if case .open = state, phase == .close {
      return [.note(.droppedAtClose), .finished(.close)] + end(.succeed)
    }
    return end(.fail(.connectionDropped(phase: phase)))
  }

  /// The probe's deadline passed (or, in the close phase, the close grace).
  mutating func deadlinePassed(after timeout: Duration) -> [Action] {
    guard !isDone else { return [] }
    switch (state, phase) {
    case (.open, .close):
      return [.note(.closeNotAnswered), .finished(.close)] + end(.succeed)
    case (.open, _):
      if compressedSkipped, lastSkipped == nil {
        return giveUp(
          .protocolViolation(
            detail: "it sent compressed messages (RSV1, permessage-deflate) although none was negotiated, "
              + "and no \(question.answer) it could read within \(DurationText.seconds(timeout))"))
      }
      return giveUp(.noAnswer(to: question, within: timeout, lastSkipped: lastSkipped))
    default:
      return end(.fail(.timedOut(phase: phase, after: timeout)))
    }
  }

  private var question: ProbeQuestion {
    switch depth {
    case .handshake, .ping: .ping
    case .message(_, let expect): .message(expect: expect?.description)
    case .openEMS(.edgeApp, _): .poolRefusal
    case .openEMS: .jsonRPC
    }
  }

  private mutating func end(_ action: Action) -> [Action] {
    state = .done
    return [action]
  }

  /// Ends an upgraded conversation without its answer, politely: a close frame first (no
  /// wait for its echo), so that the server sees a close, not a dropped connection (Python's
  /// websockets logs a 30-line traceback into the service's own log for every dropped one).
  private mutating func giveUp(_ failure: ProbeFailure) -> [Action] {
    let close = frame(ClientFrame.close, ClientFrame.closePayload())
    return [close] + end(.fail(failure))
  }

  private mutating func mask() -> [UInt8] {
    let word = random.next()
    return (0..<4).map { UInt8(truncatingIfNeeded: word >> ($0 * 8)) }
  }

  private mutating func frame(_ opcode: UInt8, _ payload: [UInt8]) -> Action {
    .send(ClientFrame.encode(opcode: opcode, payload: payload, mask: mask()))
  }

  private mutating func askDepthQuestion() -> [Action] {
    switch depth {
    case .handshake:
      return sendClose()
    case .ping:
      phase = .ping
      return [frame(ClientFrame.ping, pingPayload)]
    case .message(let text, _):
      phase = .reply
      return [frame(ClientFrame.text, Array(text.utf8))]
    case .openEMS(let endpoint, let assumed):
      phase = .reply
      let note: [Action] = assumed ? [.note(.openEMSKindAssumed(endpoint, port: port))] : []
      // The Edge.Application is asked nothing: its pool's refusal is the answer.
      guard endpoint != .edgeApp else { return note }
      return note + [frame(ClientFrame.text, Array(exchange.request.utf8))]
    }
  }

  private mutating func sendClose() -> [Action] {
    phase = .close
    return [frame(ClientFrame.close, ClientFrame.closePayload())]
  }

  private mutating func answered() -> [Action] {
    [.finished(phase)] + sendClose()
  }

  private mutating func handle(_ event: FrameReader.Event) -> [Action] {
    switch event {
    case .ping(let payload):
      // Answered as the reference's library does; not after our close (RFC 6455 5.5.1).
      return phase == .close ? [] : [frame(ClientFrame.pong, Array(payload.prefix(125)))]
    case .pong(let payload):
      return phase == .ping && payload == pingPayload ? answered() : []
    case .message(let isText, let payload, let truncated, let compressed):
      guard phase == .reply else { return [] }
      guard !compressed else {
        lastSkipped = nil
        compressedSkipped = true
        return []
      }
      return handleMessage(isText: isText, payload: payload, truncated: truncated)
    case .close(let code, let reason):
      let number = code.map(Int.init)
      // Once the probe has its answer (our close is out), how the server says goodbye is its
      // manners, noted; before that, a close means the answer will not come.
      if phase == .reply, case .openEMS(.edgeApp, _) = depth {
        // The pool closed a connection without an apikey: it runs. Its code is 1003; another
        // still came from the server's side, so it is noted, not held against it.
        let note: [Action] = code == 1003 ? [] : [.note(.closedWith(code: number, reason: reason))]
        return note + [frame(ClientFrame.close, ClientFrame.closePayload()), .finished(.reply)] + end(.succeed)
      }
      guard phase == .close else { return giveUp(.closedBeforeAnswer(to: question, code: number, reason: reason)) }
      let note: [Action] = code == nil || code == 1000 ? [] : [.note(.closedWith(code: number, reason: reason))]
      return note + [.finished(.close)] + end(.succeed)
    }
  }

  private mutating func handleMessage(isText: Bool, payload: [UInt8], truncated: Bool) -> [Action] {
    switch depth {
    case .openEMS:
      // A message cut at the bound is a large notification (an edge configuration), never
      // the short reply to our request.
      if !truncated, let reply = exchange.reply(in: payload) {
        if case .error(let code, let message) = reply {
          return [.note(.jsonRPCError(code: code, message: message))] + answered()
        }
        return answered()
      }
    case .message(_, let expect):
      if isText {
        let text = String(decoding: payload, as: UTF8.self)
        if expect?.matches(text) ?? true { return answered() }
      }
    case .handshake, .ping:
      return []
    }
    lastSkipped = Self.preview(isText: isText, payload: payload, truncated: truncated)
    return []
  }

  /// The start of a skipped message, safe to print on one line.
  private static func preview(isText: Bool, payload: [UInt8], truncated: Bool) -> String {
    guard isText else { return "(binary, \(payload.count)\(truncated ? "+" : "") bytes)" }
    let shown = UntrustedText.shown(bytes: payload.prefix(60))
    return payload.count > 60 || truncated ? shown + "…" : shown
  }
}
