/// The timer's checks as they happened, for what a screen or `status` shows of the past:
/// "failing since 03:12:09 (14 checks)", the last hour, the last day. Kept beside the state
/// in `NAME.failcount.history`, one line a check, appended without fsync and cut back to its
/// newest lines past `byteLimit`, so it never grows without bound; a line a crash cut short
/// is skipped when read. Pure: `StateStore` owns the file.
public enum CheckHistory {
  /// One check: when (Unix milliseconds), healthy or not, its phases, and why it failed.
  public struct Entry: Sendable, Equatable {
    public var unixMilliseconds: Int64
    public var healthy: Bool
    /// Each phase's milliseconds, in the order the probe ran them.
    public var phases: [(phase: ProbePhase, milliseconds: Double)]
    /// The failure, one line; empty when healthy.
    public var reason: String

    public init(unixMilliseconds: Int64, healthy: Bool, phases: [(ProbePhase, Double)], reason: String) {
      self.unixMilliseconds = unixMilliseconds
      self.healthy = healthy
      self.phases = phases.map { (phase: $0.0, milliseconds: $0.1) }
      self.reason = reason
    }

    /// From a probe's result, at `unixMilliseconds`.
    public init(_ result: ProbeResult, unixMilliseconds: Int64) {
      self.init(
        unixMilliseconds: unixMilliseconds, healthy: result.isHealthy,
        phases: result.timings.entries.map { ($0.phase, $0.duration.inMilliseconds) },
        reason: result.failure.map { RestartRecord.clean("\($0)") } ?? "")
    }

    /// All phases together: the latency a graph shows.
    public var milliseconds: Double { phases.reduce(0) { $0 + $1.milliseconds } }

    /// `1795725785123<TAB>ok<TAB>connect=0.12,upgrade=2.1,close=0.2<TAB>` and the reason.
    public var line: String {
      let phaseText = phases.map { "\($0.phase.rawValue)=\(DurationText.fixed($0.milliseconds, decimals: 2))" }
        .joined(between: ",")
      return "\(unixMilliseconds)\t\(healthy ? "ok" : "failed")\t\(phaseText)\t\(RestartRecord.clean(reason))\n"
    }

    /// A line as `line` writes it, or `nil` for anything else (a line cut short, garbage).
    public init?(line: Substring) {
      let fields = line.split(separator: "\t", maxSplits: 3, omittingEmptySubsequences: false)
      guard fields.count == 4, let time = Int64(fields[0]), time > 0, fields[1] == "ok" || fields[1] == "failed"
      else { return nil }
      var phases: [(ProbePhase, Double)] = []
      for pair in fields[2].split(separator: ",") {
        let parts = pair.split(separator: "=")
        guard parts.count == 2, let phase = ProbePhase(rawValue: String(parts[0])), let value = Double(parts[1]),
          value.isFinite, value >= 0
        else { return nil }
        phases.append((phase, value))
      }
      self.init(unixMilliseconds: time, healthy: fields[1] == "ok", phases: phases, reason: String(fields[3]))
    }

    public static func == (a: Entry, b: Entry) -> Bool {
      a.unixMilliseconds == b.unixMilliseconds && a.healthy == b.healthy && a.reason == b.reason
        && a.phases.map(\.phase) == b.phases.map(\.phase)
        && a.phases.map(\.milliseconds) == b.phases.map(\.milliseconds)
    }
  }

  /// The file's size past which it is cut back to its newest `keptBytes`: at one check every
  /// 15 s and about 60 bytes a healthy check, more than a day.
  public static let byteLimit = 512 * 1024
  public static let keptBytes = 384 * 1024

  /// Every whole line of `text` that reads as an entry, oldest first.
  public static func entries(in text: Substring) -> [Entry] {
    // The last line without its newline may be one a crash cut short: it is not read.
    let complete = text.last == "\n" ? text : text[..<(text.lastIndex(of: "\n") ?? text.startIndex)]
    return complete.split(separator: "\n").compactMap(Entry.init(line:))
  }

  /// The failing episode the newest entries are in: since when, and how many checks, or `nil`
  /// when the newest check was healthy (or there is none).
  public static func failingSince(_ entries: [Entry]) -> (unixMilliseconds: Int64, checks: Int)? {
    let failing = entries.reversed().prefix { !$0.healthy }
    guard let first = failing.last else { return nil }
    return (first.unixMilliseconds, failing.count)
  }

  /// Checks, failures and the median latency of the healthy ones within `window` before `now`.
  public struct Summary: Sendable, Equatable {
    public var checks: Int
    public var failed: Int
    /// Of the healthy checks; `nil` without any.
    public var medianMilliseconds: Double?

    public init(checks: Int, failed: Int, medianMilliseconds: Double?) {
      self.checks = checks
      self.failed = failed
      self.medianMilliseconds = medianMilliseconds
    }
  }

  public static func summary(_ entries: [Entry], now unixMilliseconds: Int64, window: Duration) -> Summary {
    let start = unixMilliseconds - Int64(window.inMilliseconds)
    let recent = entries.filter { $0.unixMilliseconds > start && $0.unixMilliseconds <= unixMilliseconds }
    let latencies = recent.filter(\.healthy).map(\.milliseconds).sorted()
    return Summary(
      checks: recent.count, failed: recent.count { !$0.healthy },
      medianMilliseconds: latencies.isEmpty ? nil : latencies[latencies.count / 2])
  }

  /// One column of a sparkline: no check in its span, a failed one, or the slowest healthy
  /// latency as a fraction (0...1) of the window's slowest.
  public enum Column: Sendable, Equatable {
    case empty
    case failed
    case latency(Double)
  }

  /// The checks within `window` before `now` in `columns` equal spans, oldest on the left: a
  /// span with any failure is failed, else its slowest check against the window's slowest.
  public static func sparkline(_ entries: [Entry], now unixMilliseconds: Int64, window: Duration, columns: Int)
    -> [Column]
  {
    guard columns > 0 else { return [] }
    let span = Int64(window.inMilliseconds)
    let start = unixMilliseconds - span
    var failed = [Bool](repeating: false, count: columns)
    var slowest = [Double?](repeating: nil, count: columns)
    // From the newest back to the window's start, not through the whole file: the box's list
    // draws one for every target on screen, four times a second.
    for entry in entries.reversed() {
      guard entry.unixMilliseconds > start else { break }
      guard entry.unixMilliseconds <= unixMilliseconds else { continue }
      let column = min(columns - 1, Int((entry.unixMilliseconds - start - 1) * Int64(columns) / span))
      if entry.healthy {
        slowest[column] = max(slowest[column] ?? 0, entry.milliseconds)
      } else {
        failed[column] = true
      }
    }
    let top = slowest.compactMap { $0 }.max() ?? 1
    return (0..<columns).map { index in
      if failed[index] { return .failed }
      return slowest[index].map { .latency(top > 0 ? $0 / top : 0) } ?? .empty
    }
  }

  /// `failing since 03:12:09 (14 checks)` (local time) while the newest checks fail, else `nil`.
  public static func failingSinceText(_ entries: [Entry]) -> String? {
    failingSince(entries).map { since in
      let time = LocalTimestamp(seconds: Int(since.unixMilliseconds / 1000), microseconds: 0).timeOfDay
      return "failing since \(time) (\(since.checks) check\(since.checks == 1 ? "" : "s"))"
    }
  }

  /// `last 24 h: 5760 checks, 3 failed, p50 2.3 ms`.
  public static func describe(_ summary: Summary, window: String) -> String {
    guard summary.checks > 0 else { return "last \(window): no checks" }
    let median = summary.medianMilliseconds.map {
      ", p50 \(DurationText.milliseconds(.microseconds(Int64($0 * 1000))))"
    }
    return "last \(window): \(summary.checks) check\(summary.checks == 1 ? "" : "s"), \(summary.failed) failed"
      + (median ?? "")
  }
}
