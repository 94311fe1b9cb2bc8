/// The state file's content: how many probes in a row failed for one MainPID.
///
/// Written as `<pid>:<count>` with no newline, byte for byte what the reference tool writes,
/// so the two can take turns on one file. A count of -1 means disarmed: the watchdog counts
/// nothing until a probe succeeds for this PID.
public struct FailureCounter: Sendable, Equatable, CustomStringConvertible {
  /// The service's MainPID when the count was written.
  public var pid: Int
  /// Consecutive failures, or -1 when disarmed.
  public var count: Int

  public init(pid: Int, count: Int) {
    self.pid = pid
    self.count = count
  }

  public static func disarmed(pid: Int) -> FailureCounter { FailureCounter(pid: pid, count: -1) }

  public var isArmed: Bool { count >= 0 }

  /// `8123:2`
  public var fileText: String { "\(pid):\(count)" }
  public var description: String { fileText }

  /// Reads the file's text as the reference does; `nil` when it is not `<pid>:<count>`.
  ///
  /// The reference reads `-1` alone as disarmed too; that is `nil` here, and disarmed all the
  /// same, because it names no PID.
  public init?(fileText text: String) {
    let parts = text.split(separator: ":", omittingEmptySubsequences: false)
    guard parts.count == 2, let pid = Self.integer(parts[0]), let count = Self.integer(parts[1]),
      pid >= 0, count >= -1
    else { return nil }
    self.init(pid: pid, count: count)
  }

  /// Python's `int()` accepts surrounding white space and a sign; so does this.
  private static func integer(_ text: Substring) -> Int? {
    let trimmed = text.trimmingSpaces
    guard !trimmed.isEmpty, trimmed.utf8.count <= 18 else { return nil }
    return Int(trimmed)
  }
}
