#if canImport(Glibc)
  import Glibc
#endif

/// A point in time on the boot clock (`CLOCK_BOOTTIME`): seconds since this machine booted,
/// counting suspend, untouched when someone or NTP sets the wall clock.
///
/// Durations that span separate timer runs (the restart budget's window, re-arm delays, an
/// approval's timeout) are measured on it, so a clock set back a day blocks nothing for a day
/// and one set forward expires nothing. It restarts at boot; the record keeps the boot's id and
/// forgets its moments after a reboot (the service's MainPID is new then anyway).
public struct Moment: Sendable, Comparable, Hashable, CustomStringConvertible {
  public var seconds: Double

  public init(seconds: Double) { self.seconds = seconds }

  public static func now() -> Moment {
    var time = timespec()
    clock_gettime(CLOCK_BOOTTIME, &time)
    return Moment(seconds: Double(time.tv_sec) + Double(time.tv_nsec) / 1e9)
  }

  /// This boot's id: the kernel's, else the one systemd gave the unit (its `%b`, in
  /// `WEBSOCKET_HEALTH_CHECK_BOOT_ID`: the shipped units' `ProcSubset=pid` hides the kernel's
  /// file from the timer's runs); empty where there is neither.
  public static func bootID() -> String {
    let fd = open("/proc/sys/kernel/random/boot_id", O_RDONLY | O_CLOEXEC)
    if fd >= 0 {
      defer { close(fd) }
      var buffer = [UInt8](repeating: 0, count: 64)
      let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
      if count > 0 { return bootIDText(String(decoding: buffer[..<count], as: UTF8.self)) }
    }
    return getenv(bootIDVariable).map { bootIDText(String(cString: $0)) } ?? ""
  }

  /// Set by the shipped units to systemd's `%b`.
  public static let bootIDVariable = "WEBSOCKET_HEALTH_CHECK_BOOT_ID"

  /// 32 lowercase hex digits, as systemd writes a boot id; anything else is no id.
  static func bootIDText(_ text: String) -> String {
    let digits = text.lowercased().filter { $0 != "-" && !$0.isWhitespace }
    return digits.count == 32 && digits.allSatisfy(\.isHexDigit) ? digits : ""
  }

  public static func + (moment: Moment, duration: Duration) -> Moment {
    Moment(seconds: moment.seconds + duration.inSeconds)
  }

  public static func - (later: Moment, earlier: Moment) -> Duration {
    .milliseconds(Int64(((later.seconds - earlier.seconds) * 1000).rounded()))
  }

  public static func < (lhs: Moment, rhs: Moment) -> Bool { lhs.seconds < rhs.seconds }

  public var description: String { DurationText.fixed(seconds, decimals: 3) }
}

extension Duration {
  public var inSeconds: Double { inMilliseconds / 1000 }
}

/// Durations as an operator writes them: `90`, `90s`, `5m`, `1h30m`, `2d`.
public enum DurationSyntax {
  public static func parse(_ text: String) -> Duration? {
    let trimmed = text.filter { $0 != " " }
    guard !trimmed.isEmpty else { return nil }
    if let seconds = Double(trimmed) {
      return seconds.isFinite && seconds >= 0 && seconds < 1e9 ? .milliseconds(Int64(seconds * 1000)) : nil
    }
    var total = 0.0
    var number = ""
    for character in trimmed {
      if character.isNumber || character == "." {
        number.append(character)
        continue
      }
      let unit: Double
      switch character {
      case "s": unit = 1
      case "m": unit = 60
      case "h": unit = 3600
      case "d": unit = 86400
      default: return nil
      }
      guard let value = Double(number) else { return nil }
      total += value * unit
      number = ""
    }
    guard number.isEmpty, total.isFinite, total < 1e9 else { return nil }
    return .milliseconds(Int64(total * 1000))
  }

  /// `90 s`, `5 min`, `1 h 30 min`: for messages.
  public static func text(_ duration: Duration) -> String {
    var seconds = Int(duration.inSeconds.rounded())
    guard seconds >= 60 else { return "\(seconds) s" }
    var parts: [String] = []
    if seconds >= 86400 {
      parts.append("\(seconds / 86400) d")
      seconds %= 86400
    }
    if seconds >= 3600 {
      parts.append("\(seconds / 3600) h")
      seconds %= 3600
    }
    if seconds >= 60 {
      parts.append("\(seconds / 60) min")
      seconds %= 60
    }
    if seconds > 0 { parts.append("\(seconds) s") }
    return parts.joined(separator: " ")
  }
}
