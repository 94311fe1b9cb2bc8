#if canImport(Glibc)
  import Glibc
#endif

/// What systemd says about the timer that runs a target's checks: whether it is there,
/// running and enabled, when it fires next and how often it repeats.
public struct TimerStatus: Sendable, Equatable {
  /// `loaded`, `not-found`, `masked`…
  public var loadState: String
  /// `active` (waiting for its next run), `inactive` (stopped), `failed`…
  public var activeState: String
  /// `enabled`, `disabled`, `static`, `masked`…; empty where systemd has no unit file.
  public var unitFileState: String
  /// Seconds until its next run; nil when nothing is scheduled.
  public var nextRun: Double?
  /// How often it repeats (`OnUnitActiveSec=`, else `OnUnitInactiveSec=`), where it does.
  public var interval: Duration?

  public init(
    loadState: String, activeState: String, unitFileState: String, nextRun: Double? = nil, interval: Duration? = nil
  ) {
    self.loadState = loadState
    self.activeState = activeState
    self.unitFileState = unitFileState
    self.nextRun = nextRun
    self.interval = interval
  }

  /// Reads one unit's block of `systemctl show --timestamp=unix`. systemd gives a monotonic
  /// timer's next run as a time span since boot (`NextElapseUSecMonotonic=6min 53.8s`, the
  /// shipped timers' kind) and a calendar timer's as a Unix time (`@1795725785`), so both
  /// clocks' "now" are needed.
  public init(properties: UnitProperties, monotonicNow: Double, unixNow: Double) {
    loadState = properties[.loadState] ?? ""
    activeState = properties[.activeState] ?? ""
    unitFileState = properties[.unitFileState] ?? ""
    var runs: [Double] = []
    if let monotonic = properties[.nextElapseMonotonic].flatMap(SystemdTimespan.seconds),
      monotonic > 0
    {
      runs.append(monotonic - monotonicNow)
    }
    if let realtime = properties[.nextElapseRealtime]?.utf8, realtime.first == UInt8(ascii: "@"),
      let at = Double(String(decoding: realtime.dropFirst().prefix { !SystemdTimespan.isSpace($0) }, as: UTF8.self)),
      at > 0
    {
      runs.append(at - unixNow)
    }
    nextRun = runs.min().map { max(0, $0) }
    if let timers = properties[.timersMonotonic] {
      interval = Self.repeatInterval(timers)
    }
  }

  /// `{ OnUnitActiveUSec=15s ; next_elapse=… }` (one entry a line when several): the span of
  /// the trigger that repeats.
  static func repeatInterval(_ text: String) -> Duration? {
    // `{ KEY=span ; next_elapse=… }`: the first field of each entry.
    let entries = text.split(separator: "{").map { entry in
      entry.prefix { $0 != ";" && $0 != "}" }.trimmingSpaces.split(separator: "=", maxSplits: 1)
    }
    for key in ["OnUnitActiveUSec", "OnUnitInactiveUSec"] {
      for fields in entries where fields.count == 2 && fields[0] == key {
        if let seconds = SystemdTimespan.seconds(String(fields[1])), seconds > 0 {
          return .milliseconds(Int64((seconds * 1000).rounded()))
        }
      }
    }
    return nil
  }

  /// Whether systemd starts it at boot (or something else pulls it in).
  public var isEnabled: Bool {
    ["enabled", "enabled-runtime", "static", "indirect", "generated", "alias", "transient"].contains(unitFileState)
  }

  public static func monotonicNow() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_MONOTONIC, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
  }
}

/// systemd's time spans as `systemctl show` prints them: `15s`, `6min 53.867758s`,
/// `1d 2h 3min`, `500ms`, `infinity`.
public enum SystemdTimespan {
  /// Seconds; nil for `infinity`, empty text or anything else.
  ///
  /// Read as bytes, as systemd writes them (ASCII but for `μs`): a dashboard reads every
  /// timer's spans every two seconds, and Character by Character that was most of its work.
  public static func seconds(_ text: String) -> Double? {
    let words = text.utf8.split(whereSeparator: isSpace)
    guard !words.isEmpty else { return nil }
    var total = 0.0
    for word in words {
      let number = word.prefix { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) || $0 == UInt8(ascii: ".") }
      guard let value = Double(String(decoding: number, as: UTF8.self)) else { return nil }
      guard let scale = scales[String(decoding: word.dropFirst(number.count), as: UTF8.self)] else { return nil }
      total += value * scale
    }
    return total.isFinite ? total : nil
  }

  /// The spaces systemd puts between a span's words and after a value.
  static func isSpace(_ byte: UInt8) -> Bool {
    byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") || byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r")
  }

  private static let scales: [String: Double] = [
    "": 1, "s": 1, "sec": 1, "ms": 1e-3, "us": 1e-6, "μs": 1e-6, "min": 60, "m": 60, "h": 3600, "hr": 3600,
    "d": 86400, "w": 604800, "month": 2_629_800, "y": 31_557_600,
  ]
}
