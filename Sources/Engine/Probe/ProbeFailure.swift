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
  /// The TLS handshake failed: untrusted certificate, wrong host name, protocol mismatch.
  case tls(detail: String)
  /// The server answered the upgrade with another HTTP status than 101.
  case httpStatus(code: Int, reason: String)
  /// The server said 101 but its `Sec-WebSocket-Accept` does not match our key: not a
  /// WebSocket server, or a proxy that rewrote the handshake.
  case badAcceptKey
  /// The server said 101 but the response is not a WebSocket upgrade (`Upgrade:` missing).
  case notWebSocketUpgrade
  /// The server closed the WebSocket with a close code other than a normal one (1000).
  case closedByPeer(code: Int?, reason: String)
  /// The server dropped the connection without a close frame.
  case connectionDropped(phase: ProbePhase)
  /// The server broke the WebSocket protocol (bad frame).
  case protocolViolation(detail: String)

  /// The phase the probe was in when it failed.
  public var phase: ProbePhase {
    switch self {
    case .nameNotResolved: .resolve
    case .connectionRefused: .connect
    case .network(let phase, _): phase
    case .timedOut(let phase, _): phase
    case .tls: .tls
    case .httpStatus, .badAcceptKey, .notWebSocketUpgrade: .upgrade
    case .closedByPeer: .close
    case .connectionDropped(let phase): phase
    case .protocolViolation: .close
    }
  }

  /// One line, for the console, the trigger log and the dashboard.
  public var description: String {
    switch self {
    case .nameNotResolved(let host, let detail):
      "cannot resolve host '\(host)': \(detail)"
    case .connectionRefused:
      "connection refused: nothing listens on that port (service down or wrong port?)"
    case .network(let phase, let detail):
      "network error during \(phase.rawValue): \(detail)"
    case .timedOut(let phase, let after):
      "\(Self.waitingFor(phase)) timed out after \(DurationText.seconds(after))"
    case .tls(let detail):
      "TLS handshake failed: \(detail)"
    case .httpStatus(let code, let reason):
      "upgrade refused: HTTP \(code)\(reason.isEmpty ? "" : " \(reason)") instead of 101 Switching Protocols"
    case .badAcceptKey:
      "upgrade answered 101 with a wrong Sec-WebSocket-Accept: not a WebSocket server, or a proxy broke the handshake"
    case .notWebSocketUpgrade:
      "upgrade answered 101 without 'Upgrade: websocket'"
    case .closedByPeer(let code, let reason):
      "server closed the WebSocket with code \(code.map(String.init) ?? "none")\(reason.isEmpty ? "" : " (\(reason))")"
    case .connectionDropped(let phase):
      "server dropped the connection during \(phase.rawValue) without a WebSocket close"
    case .protocolViolation(let detail):
      "server broke the WebSocket protocol: \(detail)"
    }
  }

  private static func waitingFor(_ phase: ProbePhase) -> String {
    switch phase {
    case .resolve: "name lookup"
    case .connect: "TCP connect"
    case .tls: "TLS handshake"
    case .upgrade: "upgrade"
    case .close: "close handshake"
    }
  }
}

/// What one probe found: healthy or a classified failure, with the time each phase took.
public struct ProbeResult: Sendable, Equatable {
  public var failure: ProbeFailure?
  public var timings: PhaseTimings

  public init(failure: ProbeFailure?, timings: PhaseTimings) {
    self.failure = failure
    self.timings = timings
  }

  public var isHealthy: Bool { failure == nil }

  /// For the console and the log: `upgrade timed out after 10 s (connect 0.1 ms, upgrade 10000.2 ms)`.
  public var summary: String {
    let phases = timings.entries.isEmpty ? "" : " (\(timings.summary))"
    if let failure {
      return failure.description + phases
    }
    return "healthy" + phases
  }
}
