import Engine

/// When the timer will act if nothing changes: the check that reaches the threshold, from the
/// counter, the timer's next run and its interval. Pure, so tables test it.
enum WhatNext {
  /// Unix seconds of the check that reaches the threshold, or `nil` when nothing is counting
  /// (disarmed, not failing) or the timer's rhythm is unknown.
  /// - Parameters:
  ///   - nextCheck: Unix seconds of the timer's next run.
  static func thresholdCheck(count: Int?, threshold: Int, nextCheck: Int?, interval: Duration?) -> Int? {
    guard let count, count > 0, count < threshold, let nextCheck, let interval, interval > .zero else { return nil }
    return nextCheck + (threshold - count - 1) * Int(interval.components.seconds)
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
