#if canImport(Glibc)
  import Glibc
#endif

/// What one check knew, as Prometheus metrics for node_exporter's textfile collector
/// (`--metrics-file`). Fleets already run Prometheus and Alertmanager; this is how a check's
/// figures reach them.
public struct MetricsSnapshot: Sendable, Equatable {
  /// The target's name: NAME of NAME.conf, else the unit.
  public var target: String
  public var unit: String
  public var probe: ProbeResult
  public var failcount: Int
  public var threshold: Int
  public var armed: Bool
  public var restartPending: Bool
  public var budgetExhausted: Bool
  public var restartsDone: Int
  public var restartsFailed: Int
  public var checkedAtUnixSeconds: Double

  public init(
    target: String, unit: String, probe: ProbeResult, failcount: Int, threshold: Int, armed: Bool,
    restartPending: Bool, budgetExhausted: Bool, restartsDone: Int, restartsFailed: Int, checkedAtUnixSeconds: Double
  ) {
    self.target = target
    self.unit = unit
    self.probe = probe
    self.failcount = failcount
    self.threshold = threshold
    self.armed = armed
    self.restartPending = restartPending
    self.budgetExhausted = budgetExhausted
    self.restartsDone = restartsDone
    self.restartsFailed = restartsFailed
    self.checkedAtUnixSeconds = checkedAtUnixSeconds
  }

  /// The text exposition format, version 0.0.4.
  public var text: String {
    let labels = "target=\"\(Self.escape(target))\",unit=\"\(Self.escape(unit))\""
    var out = ""
    func metric(_ name: String, _ type: String, _ help: String, _ samples: [(String, Double)]) {
      out += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n"
      for (extra, value) in samples { out += "\(name){\(labels)\(extra)} \(Self.number(value))\n" }
    }
    metric(
      "websocket_probe_success", "gauge", "Whether the last probe succeeded (1) or failed (0).",
      [("", probe.isHealthy ? 1 : 0)])
    metric(
      "websocket_probe_duration_seconds", "gauge", "How long each phase of the last probe took.",
      probe.timings.entries.map { (",phase=\"\($0.phase.rawValue)\"", $0.duration.inSeconds) })
    metric(
      "websocket_failcount", "gauge", "Failed checks in a row for the current MainPID; -1 while disarmed.",
      [("", Double(failcount))])
    metric("websocket_threshold", "gauge", "Failed checks in a row that trigger a restart.", [("", Double(threshold))])
    metric("websocket_armed", "gauge", "Whether failures are counted (1) or not yet (0).", [("", armed ? 1 : 0)])
    metric(
      "websocket_restarts_total", "counter", "Restarts carried out, by result, since the state began.",
      [(",result=\"done\"", Double(restartsDone)), (",result=\"failed\"", Double(restartsFailed))])
    metric(
      "websocket_restart_pending", "gauge", "Whether a restart awaits a person's approval.",
      [("", restartPending ? 1 : 0)])
    metric(
      "websocket_restart_budget_exhausted", "gauge", "Whether the restart budget holds restarts back.",
      [("", budgetExhausted ? 1 : 0)])
    metric(
      "websocket_last_check_timestamp_seconds", "gauge", "When the last check ran, in Unix seconds.",
      [("", checkedAtUnixSeconds)])
    return out
  }

  static func escape(_ value: String) -> String {
    var escaped = ""
    for character in value {
      switch character {
      case "\\": escaped += "\\\\"
      case "\"": escaped += "\\\""
      case "\n": escaped += "\\n"
      default: escaped.append(character)
      }
    }
    return escaped
  }

  /// `3`, `-1`, `0.002334468`: whole numbers plainly, fractions to the nanosecond.
  static func number(_ value: Double) -> String {
    if value == value.rounded(), abs(value) < 1e15 { return String(Int(value)) }
    var text = DurationText.fixed(value, decimals: 9)
    while text.hasSuffix("0") { text.removeLast() }
    return text
  }
}

/// A problem writing the metrics file: reported, never a failure of the service, and never
/// a reason to skip a restart.
public struct MetricsFileError: Error, Sendable, CustomStringConvertible {
  public let description: String
}

/// Where the metrics go; written whole each check (temp file, rename) so node_exporter never
/// reads half a file.
public struct MetricsFile: Sendable, Equatable {
  public let path: String

  public init(path: String) throws(ConfigurationError) {
    guard path.hasPrefix("/") else {
      throw ConfigurationError(
        "metrics file '\(path)' is not an absolute path; give one in node_exporter's textfile directory, e.g. /var/lib/prometheus/node-exporter/websocket-health-check.prom"
      )
    }
    guard path.hasSuffix(".prom") else {
      throw ConfigurationError(
        "metrics file '\(path)' does not end in .prom; node_exporter's textfile collector reads only *.prom files")
    }
    self.path = path
  }

  public func write(_ snapshot: MetricsSnapshot) throws(MetricsFileError) {
    let (directory, name) = splitPath(path)
    let temporary = "\(directory)/.\(name).\(getpid()).tmp"
    let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0o644)
    guard fd >= 0 else {
      throw MetricsFileError(
        description: "cannot write metrics file \(path): \(errnoText()); is its directory there and writable?")
    }
    let ok = writeAll(fd, Array(snapshot.text.utf8))
    let writeError = errno
    close(fd)
    guard ok else {
      unlink(temporary)
      throw MetricsFileError(description: "cannot write metrics file \(path): \(errnoText(writeError))")
    }
    guard rename(temporary, path) == 0 else {
      let renameError = errno
      unlink(temporary)
      throw MetricsFileError(description: "cannot replace metrics file \(path): \(errnoText(renameError))")
    }
  }
}
