import Engine

/// When the timer will act if nothing changes: the check that reaches the threshold, from the
/// counter, the timer's next run and its interval. Pure, so tables test it.
enum WhatNext {
  /// Unix seconds of the check that reaches the threshold, or `nil` when nothing is counting
  /// (disarmed, not failing) or the timer's rhythm is unknown.
  ///
  /// From the counter and the timer's next run when systemd says it: exact even when a
  /// person's `p` added a count. Else `threshold × interval` from the episode's start (the
  /// last good check, one interval before the first failed one), which is the same when only
  /// the timer counts.
  /// - Parameters:
  ///   - nextCheck: Unix seconds of the timer's next run.
  ///   - episodeStart: Unix seconds of the episode's first failed check, from the history.
  static func thresholdCheck(
    count: Int?, threshold: Int, nextCheck: Int?, interval: Duration?, episodeStart: Int? = nil
  )
    -> Int?
  {
    guard let count, count > 0, count < threshold, let interval, interval > .zero else { return nil }
    let seconds = Int(interval.components.seconds)
    if let nextCheck { return nextCheck + (threshold - count - 1) * seconds }
    return episodeStart.map { $0 - seconds + threshold * seconds }
  }

  /// `restart at ~16:02:41 if it keeps failing`, in the mode's words.
  static func sentence(mode: RestartMode, at unixSeconds: Int) -> String {
    let time = LocalTimestamp(seconds: unixSeconds, microseconds: 0).timeOfDay
    return switch mode {
    case .auto: "restart at ~\(time) if it keeps failing"
    case .approve: "restart asked for at ~\(time) if it keeps failing"
    case .dryRun: "dry run logged at ~\(time) if it keeps failing"
    }
  }
}
