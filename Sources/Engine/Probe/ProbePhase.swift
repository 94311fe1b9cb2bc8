/// One step of a probe, in the order they happen.
///
/// A failure names the phase it happened in, so that "timed out" becomes "timed out waiting
/// for the upgrade", which tells an operator whether the network, TLS or the service is stuck.
public enum ProbePhase: String, Sendable, CaseIterable, Comparable {
  /// Name lookup (skipped for IP literals).
  case resolve
  /// TCP connect.
  case connect
  /// TLS handshake, for `wss://` only.
  case tls
  /// HTTP upgrade request until `101 Switching Protocols`.
  case upgrade
  /// `--ping`: our ping until its pong.
  case ping
  /// `--send`, `--openems`: our message until its reply.
  case reply
  /// Our close frame until the server's answering close frame.
  case close

  public static func < (lhs: ProbePhase, rhs: ProbePhase) -> Bool {
    allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
  }
}

/// How long each phase of one probe took, in the order they ran.
public struct PhaseTimings: Sendable, Equatable {
  public private(set) var entries: [(phase: ProbePhase, duration: Duration)] = []

  public init() {}

  public subscript(phase: ProbePhase) -> Duration? {
    entries.first(where: { $0.phase == phase })?.duration
  }

  /// Adds the time to the phase's entry; a redirect runs connect and upgrade again, and the
  /// phase shows the time of every hop together.
  public mutating func record(_ phase: ProbePhase, _ duration: Duration) {
    if let index = entries.firstIndex(where: { $0.phase == phase }) {
      entries[index].duration += duration
    } else {
      entries.append((phase, duration))
    }
  }

  /// The sum of all phases: the probe's latency as the dashboard graphs it.
  public var total: Duration {
    entries.reduce(.zero) { $0 + $1.duration }
  }

  /// `connect 0.1 ms, upgrade 2.1 ms, close 0.2 ms`
  public var summary: String {
    entries.map { "\($0.phase.rawValue) \(DurationText.milliseconds($0.duration))" }
      .joined(between: ", ")
  }

  public static func == (lhs: PhaseTimings, rhs: PhaseTimings) -> Bool {
    lhs.entries.elementsEqual(rhs.entries) { $0.phase == $1.phase && $0.duration == $1.duration }
  }
}
