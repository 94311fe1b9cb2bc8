/// Why a probe failed, classified so that an operator can act on it without a packet capture.
public enum ProbeFailure: Error, Sendable, Equatable, CustomStringConvertible {
  /// The host name did not resolve.
  case nameNotResolved(host: String, detail: String)
  /// Nothing listens on the port (`ECONNREFUSED`).
  case connectionRefused
  /// Another socket error (unreachable network, reset…), with the system's words.
  case network(phase: ProbePhase, detail: String)
  /// The deadline passed while this phase was still waiting.
  case timedOut(phase: ProbePhase, after: Duration)
  /// The upgrade worked, but what the probe asked afterwards got no answer by the deadline.
  /// `lastSkipped` is the start of the last message that did not count, if any.
  case noAnswer(to: ProbeQuestion, within: Duration, lastSkipped: String?)
  /// The TLS handshake failed: the cause and what to do about it.
  case tls(detail: String)
  /// The server answered the upgrade with another HTTP status than 101.
  case httpStatus(code: Int, reason: String)
  /// A redirect that cannot be followed: to another scheme, from wss to ws, or too many.
  case redirect(detail: String)
  /// The server said 101 but its `Sec-WebSocket-Accept` does not match our key: not a
  /// WebSocket server, or a proxy that rewrote the handshake.
  case badAcceptKey
  /// The server said 101 but the response is not a WebSocket upgrade (a header missing).
  case notWebSocketUpgrade(missing: String)
  /// The server closed the WebSocket, normally or not, before it answered what the probe
  /// asked. (Once the probe has its answer, or asks nothing, how the server says goodbye is
  /// a note, never a failure: RFC 6455 lets a close answer carry any code.)
  case closedBeforeAnswer(to: ProbeQuestion, code: Int?, reason: String)
  /// The server dropped the connection without a close frame.
  case connectionDropped(phase: ProbePhase)
  /// The server broke HTTP or the WebSocket protocol in a way that keeps the probe from its answer.
  case protocolViolation(detail: String)
  /// The probe could not be made, for a reason on this box: this program's limits (open
  /// files, memory, local ports) or this box's rules (a firewall, the unit's sandbox). It says
  /// nothing about the service, and a restart of the service cannot cure it, so a check never
  /// counts it.
  case notProbed(phase: ProbePhase, detail: String)

  /// Whether the cause lies on this box rather than with the service.
  public var isOnThisBox: Bool {
    if case .notProbed = self { return true }
    return false
  }

  /// Of the failures of two addresses tried in turn (`localhost` as `::1`, then `127.0.0.1`),
  /// the one that speaks for the service: the later, unless only the earlier is the service's.
  static func telling(_ earlier: ProbeFailure?, _ later: ProbeFailure) -> ProbeFailure {
    guard let earlier, later.isOnThisBox, !earlier.isOnThisBox else { return later }
    return earlier
  }

  /// The phase the probe was in when it failed.
  public var phase: ProbePhase {
    switch self {
    case .nameNotResolved: .resolve
    case .connectionRefused: .connect
    case .network(let phase, _): phase
    case .timedOut(let phase, _): phase
    case .noAnswer(let question, _, _), .closedBeforeAnswer(let question, _, _): question.phase
    case .tls: .tls
    case .httpStatus, .badAcceptKey, .notWebSocketUpgrade, .redirect: .upgrade
    case .connectionDropped(let phase): phase
    case .protocolViolation: .upgrade
    case .notProbed(let phase, _): phase
    }
  }

  /// One line, for the console, the trigger log and the dashboard. What the server (or its
  /// certificate, or the network) said is shown through `UntrustedText`: visible, bounded.
  public var description: String {
    let shown = { (text: String) in UntrustedText.shown(text) }
    return switch self {
    case .nameNotResolved(let host, let detail):
      "cannot resolve host '\(host)': \(shown(detail))"
    case .connectionRefused:
      "connection refused: nothing listens on that port (service down or wrong port?)"
    case .network(let phase, let detail):
      "network error during \(phase.rawValue): \(shown(detail))"
    case .timedOut(let phase, let after):
      "\(Self.waitingFor(phase)) timed out after \(DurationText.seconds(after))"
    case .noAnswer(let question, let within, let lastSkipped):
      "no \(question.answer) within \(DurationText.seconds(within))"
        + (lastSkipped.map { "; last message skipped: '\(UntrustedText.shown($0, limit: 60))'" } ?? "")
    case .tls(let detail):
      "TLS handshake failed: \(shown(detail))"
    case .httpStatus(let code, let reason):
      "upgrade refused: HTTP \(code)\(reason.isEmpty ? "" : " \(shown(reason))") instead of 101 Switching Protocols"
    case .redirect(let detail):
      "cannot follow the redirect: \(shown(detail))"
    case .badAcceptKey:
      "upgrade answered 101 with a wrong Sec-WebSocket-Accept: not a WebSocket server, or a proxy broke the handshake"
    case .notWebSocketUpgrade(let missing):
      "upgrade answered 101 without '\(missing)': not a WebSocket upgrade"
    case .closedBeforeAnswer(let question, let code, let reason):
      "server closed the WebSocket (\(CloseCode.text(code))\(reason.isEmpty ? "" : ", '\(shown(reason))'")) "
        + "before the \(question.answer)"
    case .connectionDropped(let phase):
      "server dropped the connection during \(phase.rawValue) without a WebSocket close"
    case .protocolViolation(let detail):
      "server broke the protocol: \(shown(detail))"
    case .notProbed(_, let detail):
      "not probed, for a reason on this box: \(detail)"
    }
  }

  private static func waitingFor(_ phase: ProbePhase) -> String {
    switch phase {
    case .resolve: "name lookup"
    case .connect: "TCP connect"
    case .tls: "TLS handshake"
    case .upgrade: "upgrade"
    case .ping: "pong"
    case .reply: "reply"
    case .close: "close handshake"
    }
  }
}

/// What a deeper probe asked the server after the upgrade.
public enum ProbeQuestion: Sendable, Equatable {
  /// `--ping`
  case ping
  /// `--send`, with the `--expect` pattern if any.
  case message(expect: String?)
  /// `--openems` on an Edge or Backend UI endpoint
  case jsonRPC
  /// `--openems` on the Backend's Edge.Application: its pool closes a connection without an
  /// apikey at once.
  case poolRefusal

  var phase: ProbePhase { self == .ping ? .ping : .reply }

  /// "pong to our ping", "reply matching /ok/", "reply to the JSON-RPC request"
  var answer: String {
    switch self {
    case .ping: "pong to our ping"
    case .message(let expect?): "reply matching /\(expect)/"
    case .message(nil): "reply to our message"
    case .jsonRPC: "reply to the JSON-RPC request"
    case .poolRefusal: "refusal from its request pool (a close 1003 to a connection without an apikey)"
    }
  }
}

/// Something an operator may want to know about a probe that does not make it fail.
public enum ProbeNote: Sendable, Equatable, CustomStringConvertible {
  /// Followed a redirect to this URI.
  case redirected(to: String)
  /// The JSON-RPC reply was an error: the server's request threads built it, which is the
  /// proof the probe wanted; the code and message say what OpenEMS said.
  case jsonRPCError(code: String?, message: String?)
  /// The server never answered our close frame; the close is best effort, as in the reference.
  case closeNotAnswered
  /// The server dropped TCP instead of answering our close frame.
  case droppedAtClose
  /// The server said goodbye with another code than 1000 (after the probe had its answer).
  case closedWith(code: Int?, reason: String)
  /// `--insecure`: the certificate was not checked.
  case certificateNotChecked
  /// `--openems` without `--openems-kind`: the endpoint kind OpenEMS's defaults put on the port.
  case openEMSKindAssumed(OpenEMSEndpoint, port: Int)

  public var description: String {
    switch self {
    case .redirected(let uri): "redirected to \(UntrustedText.shown(uri))"
    case .jsonRPCError(let code, let message):
      "answered\(message.map { ": \(UntrustedText.shown($0, limit: 60))" } ?? "")"
        + "\(code.map { " (code \(UntrustedText.shown($0, limit: 20)))" } ?? "")"
    case .closeNotAnswered: "close not answered"
    case .droppedAtClose: "connection dropped at close"
    case .closedWith(let code, let reason):
      "closed with \(CloseCode.text(code))\(reason.isEmpty ? "" : ", '\(UntrustedText.shown(reason, limit: 60))'")"
    case .certificateNotChecked: "certificate not checked (--insecure)"
    case .openEMSKindAssumed(let endpoint, let port):
      "OpenEMS \(endpoint.title) assumed from port \(port); say so with openems-kind = \(endpoint.rawValue)"
    }
  }
}

/// What one probe found: healthy or a classified failure, with the time each phase took.
public struct ProbeResult: Sendable, Equatable {
  public var failure: ProbeFailure?
  public var timings: PhaseTimings
  public var notes: [ProbeNote]
  /// What was sent and what came back, where it was kept: bytes, rendered only when a report
  /// shows them (`ProbeExchange.lines`), so a healthy check pays a copy and nothing more.
  public var exchange: ProbeExchange?

  public init(failure: ProbeFailure?, timings: PhaseTimings, notes: [ProbeNote] = [], exchange: ProbeExchange? = nil) {
    self.failure = failure
    self.timings = timings
    self.notes = notes
    self.exchange = exchange
  }

  public var isHealthy: Bool { failure == nil }

  /// For the console and the log:
  /// `no reply to the JSON-RPC request within 2 s (connect 0.3 ms, upgrade 1.1 ms, reply 1998 ms)`.
  public var summary: String {
    (failure?.description ?? "healthy") + details
  }

  /// ` (connect 0.1 ms, upgrade 2.1 ms, close 0.2 ms; close not answered)`, or nothing.
  public var details: String {
    let parts = [timings.summary, notes.map(\.description).joined(between: "; ")].filter { !$0.isEmpty }
    return parts.isEmpty ? "" : " (\(parts.joined(between: "; ")))"
  }
}

/// What a WebSocket close code means (RFC 6455 7.4 and IANA's registry), for messages:
/// `1001 going away`, `1011 server error`, `999 (not a valid close code)`.
public enum CloseCode {
  public static func text(_ code: Int?) -> String {
    guard let code else { return "no close code" }
    return "\(code) \(meaning(code))"
  }

  static func meaning(_ code: Int) -> String {
    switch code {
    case 1000: "normal"
    case 1001: "going away"
    case 1002: "protocol error"
    case 1003: "unsupported data"
    case 1007: "invalid data"
    case 1008: "policy violation"
    case 1009: "message too big"
    case 1010: "extension required"
    case 1011: "server error"
    case 1012: "service restart"
    case 1013: "try again later"
    case 1014: "bad gateway"
    case 3000..<4000: "registered by an application"
    case 4000..<5000: "the application's own"
    default: "(not a valid close code)"
    }
  }
}

/// A secret (a header file's value, e.g. an apikey) that a server repeats back, in a reason
/// phrase or a close reason, is shown as `(secret)`: what a server says reaches the console,
/// the journal and the logs, and a secret must not.
extension ProbeFailure {
  func redacting(_ secrets: [String]) -> ProbeFailure {
    guard !secrets.isEmpty else { return self }
    let clean = { (text: String) in Redaction.clean(text, secrets) }
    return switch self {
    case .nameNotResolved(let host, let detail): .nameNotResolved(host: host, detail: clean(detail))
    case .network(let phase, let detail): .network(phase: phase, detail: clean(detail))
    case .noAnswer(let question, let within, let lastSkipped):
      .noAnswer(to: question, within: within, lastSkipped: lastSkipped.map(clean))
    case .tls(let detail): .tls(detail: clean(detail))
    case .httpStatus(let code, let reason): .httpStatus(code: code, reason: clean(reason))
    case .redirect(let detail): .redirect(detail: clean(detail))
    case .notWebSocketUpgrade(let missing): .notWebSocketUpgrade(missing: clean(missing))
    case .closedBeforeAnswer(let question, let code, let reason):
      .closedBeforeAnswer(to: question, code: code, reason: clean(reason))
    case .protocolViolation(let detail): .protocolViolation(detail: clean(detail))
    case .notProbed(let phase, let detail): .notProbed(phase: phase, detail: clean(detail))
    case .connectionRefused, .timedOut, .badAcceptKey, .connectionDropped: self
    }
  }
}

extension ProbeNote {
  func redacting(_ secrets: [String]) -> ProbeNote {
    guard !secrets.isEmpty else { return self }
    let clean = { (text: String) in Redaction.clean(text, secrets) }
    return switch self {
    case .redirected(let uri): .redirected(to: clean(uri))
    case .jsonRPCError(let code, let message): .jsonRPCError(code: code.map(clean), message: message.map(clean))
    case .closedWith(let code, let reason): .closedWith(code: code, reason: clean(reason))
    case .closeNotAnswered, .droppedAtClose, .certificateNotChecked, .openEMSKindAssumed: self
    }
  }
}

enum Redaction {
  static func clean(_ text: String, _ secrets: [String]) -> String {
    secrets.reduce(text) { text, secret in text.replacing(secret, with: "(secret)") }
  }
}
