#if canImport(Glibc)
  import Glibc
#endif

/// The local time as Python's `str(datetime.now())` writes it: `2025-10-02 15:07:24.123456`.
///
/// Like Python, it leaves out the fraction when the microseconds are exactly zero, so lines
/// from the reference and from us sort and parse alike.
public struct LocalTimestamp: Sendable, Equatable, CustomStringConvertible {
  public let seconds: Int
  public let microseconds: Int

  public init(seconds: Int, microseconds: Int) {
    self.seconds = seconds
    self.microseconds = microseconds
  }

  public static func now() -> LocalTimestamp {
    var spec = timespec()
    clock_gettime(CLOCK_REALTIME, &spec)
    return LocalTimestamp(seconds: spec.tv_sec, microseconds: spec.tv_nsec / 1000)
  }

  public var description: String {
    var time = time_t(seconds)
    var parts = tm()
    localtime_r(&time, &parts)
    var text =
      "\(pad(Int(parts.tm_year) + 1900, 4))-\(pad(Int(parts.tm_mon) + 1, 2))-\(pad(Int(parts.tm_mday), 2)) "
      + "\(pad(Int(parts.tm_hour), 2)):\(pad(Int(parts.tm_min), 2)):\(pad(Int(parts.tm_sec), 2))"
    if microseconds != 0 {
      text += ".\(pad(microseconds, 6))"
    }
    return text
  }

  /// Seconds since the epoch with their fraction.
  public var preciseSeconds: Double { Double(seconds) + Double(microseconds) / 1e6 }

  /// `HH:MM:SS`, for the dashboard.
  public var timeOfDay: String {
    String(description.dropFirst(11).prefix(8))
  }

  private func pad(_ value: Int, _ width: Int) -> String {
    let digits = String(value)
    return String(repeating: "0", count: max(0, width - digits.count)) + digits
  }
}
