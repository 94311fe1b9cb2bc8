/// Why nothing may be watching a target although its files look fine: the timer that runs
/// its checks is missing, stopped, failed or not enabled, or its checks stopped coming.
/// Decided by `TimerProblem.of` with no I/O; each face says it its own way.
public enum TimerProblem: Sendable, Equatable {
  /// systemd has no such timer.
  case missing
  /// Stopped (`systemctl stop`, or never started): nothing runs the checks.
  case stopped
  case failed
  /// Running now, but not started at boot: the next reboot ends the watching.
  case notEnabled
  /// The last check is older than three of the timer's intervals.
  case stale(age: Int, interval: Int)
  /// systemd could not be asked.
  case unknown(String)

  /// How many of a timer's intervals may pass without a check before it counts as stale.
  public static let staleAfterIntervals = 3
  /// The shipped timers' interval, where systemd does not say one.
  public static let defaultInterval: Duration = .seconds(15)

  /// The problem, if any, of a target whose timer systemd describes as `timer` (nil with
  /// `queryError` when it could not be asked) and whose last check ran at `lastCheck`.
  public static func of(timer: TimerStatus?, queryError: String?, lastCheck: Int?, now: Int) -> TimerProblem? {
    if let queryError { return .unknown(queryError) }
    guard let timer else { return nil }
    if timer.loadState == "not-found" || timer.loadState.isEmpty { return .missing }
    if timer.activeState == "failed" { return .failed }
    if timer.activeState != "active" && timer.activeState != "activating" { return .stopped }
    let interval = Int((timer.interval ?? defaultInterval).inSeconds.rounded())
    if let lastCheck, now - lastCheck > staleAfterIntervals * interval {
      return .stale(age: now - lastCheck, interval: interval)
    }
    if !timer.isEnabled { return .notEnabled }
    return nil
  }

  /// One word for a table column.
  public var word: String {
    switch self {
    case .missing: "MISSING"
    case .stopped: "STOPPED"
    case .failed: "FAILED"
    case .notEnabled: "DISABLED"
    case .stale: "STALE"
    case .unknown: "UNKNOWN"
    }
  }

  /// For `status --json`: a stable token.
  public var token: String {
    switch self {
    case .missing: "missing"
    case .stopped: "stopped"
    case .failed: "failed"
    case .notEnabled: "not-enabled"
    case .stale: "stale"
    case .unknown: "unknown"
    }
  }

  /// What is wrong and what to type, for a person.
  public func sentence(timer: String) -> String {
    switch self {
    case .missing:
      "\(timer) does not exist: nothing runs the checks; install the package's units, then: systemctl enable --now \(timer)"
    case .stopped: "\(timer) is stopped: nothing runs the checks; to start it: systemctl enable --now \(timer)"
    case .failed: "\(timer) has failed: nothing runs the checks; see: systemctl status \(timer)"
    case .notEnabled:
      "\(timer) runs but is not enabled: the checks stop at the next reboot; to keep them: systemctl enable \(timer)"
    case .stale(let age, let interval):
      "no check for \(DurationSyntax.text(.seconds(age))) although \(timer) runs every \(DurationSyntax.text(.seconds(interval))); see: journalctl -u \(timer.replacingTimerSuffix)"
    case .unknown(let why): "cannot ask systemd about \(timer): \(why)"
    }
  }
}

extension String {
  /// `websocket-health-check@edge.timer` → `websocket-health-check@edge.service`: the unit the
  /// timer runs, whose journal holds the checks' lines.
  fileprivate var replacingTimerSuffix: String { hasSuffix(".timer") ? dropLast(6) + ".service" : self }
}
