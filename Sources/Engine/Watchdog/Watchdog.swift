/// What happens when the count reaches the threshold.
public enum RestartMode: String, Sendable, CaseIterable {
  /// Restart the service (the reference's behaviour).
  case auto
  /// Log what would happen; restart nothing.
  case dryRun = "dry-run"
  /// Restart only when a person approves (`approve`, the dashboard's `A`).
  case approve

  /// Every mode's name, for completion and messages. Held in a global of its own: an array
  /// made inside another global's enum payload is one LeakSanitizer cannot follow.
  public static let names = allCases.map(\.rawValue)
}

/// What one check decided, for the console, the log and the dashboard.
public enum WatchdogDecision: Sendable, Equatable {
  /// The probe succeeded: the counter is (re)armed at 0.
  case healthy
  /// The probe failed, but nothing is counted: the WebSocket has not worked for this PID
  /// since it was started or disarmed; `why` says which, for the words.
  case notArmed(NotArmed)
  /// The probe failed and was counted: `count` of `threshold`.
  case counted(count: Int, threshold: Int)
  /// The count reached the threshold: disarm; what follows (restart, dry run, a request for
  /// approval) is the restart policy's to say.
  case trigger(count: Int, threshold: Int)
}

/// Why a failure is not counted.
public enum NotArmed: Sendable, Equatable {
  /// No counter for this PID: it has not answered once since it started (the reference's
  /// "connection never succeeded").
  case neverAnswered
  /// `<pid>:-1` for this PID: disarmed when the threshold was reached (a dry run, a restart
  /// request, a restart that kept the PID); counting resumes when it answers again.
  case disarmedAtThreshold
  /// `<other pid>:-1`: the process that was disarmed at the threshold has been replaced (the
  /// restart); counting starts when this one answers.
  case replacedAfterThreshold
}

/// The failure policy of the reference tool, as a value with no I/O.
///
/// Given what the state file held, the service's current MainPID and whether the probe
/// succeeded, it says what to write back and what to do. Everything around it (files,
/// sockets, systemctl) only carries out its answer, so the rules are tested by tables.
///
/// Rules, from the reference:
/// - a counter for another PID, or none, is disarmed (-1): the service restarted since;
/// - success arms it at 0;
/// - failure while disarmed counts nothing ("connection never succeeded");
/// - failure while armed counts one; at the threshold it triggers and disarms, so one
///   failing episode causes at most one restart.
public struct Watchdog: Sendable, Equatable {
  /// Consecutive failures that trigger; at least 1.
  public let threshold: Int

  public init(threshold: Int) throws(ConfigurationError) {
    guard threshold >= 1 else {
      throw ConfigurationError(
        "threshold \(threshold) is below 1; give the number of failed checks in a row that should restart the service (default 3)"
      )
    }
    self.threshold = threshold
  }

  /// The outcome of one check.
  public struct Step: Sendable, Equatable {
    /// What to write to the state file; `nil` leaves the file as it is.
    public var write: FailureCounter?
    public var decision: WatchdogDecision
  }

  /// Decides one check.
  /// - Parameters:
  ///   - stored: the state file's counter, `nil` when missing or unreadable.
  ///   - pid: the service's MainPID now.
  ///   - probeSucceeded: whether the WebSocket answered.
  public func decide(stored: FailureCounter?, pid: Int, probeSucceeded: Bool) -> Step {
    let count = (stored?.pid == pid ? stored?.count : nil) ?? -1
    if probeSucceeded {
      return Step(write: FailureCounter(pid: pid, count: 0), decision: .healthy)
    }
    guard count >= 0 else {
      let why: NotArmed =
        switch stored {
        case let stored? where stored.count < 0: stored.pid == pid ? .disarmedAtThreshold : .replacedAfterThreshold
        default: .neverAnswered
        }
      return Step(write: nil, decision: .notArmed(why))
    }
    let failures = count + 1
    if failures >= threshold {
      return Step(
        write: .disarmed(pid: pid),
        decision: .trigger(count: failures, threshold: threshold))
    }
    return Step(
      write: FailureCounter(pid: pid, count: failures),
      decision: .counted(count: failures, threshold: threshold))
  }
}
