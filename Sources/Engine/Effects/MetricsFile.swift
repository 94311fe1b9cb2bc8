import Prometheus

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

  /// The text exposition format, version 0.0.4, written by swift-prometheus's registry.
  public var text: String {
    let registry = PrometheusCollectorRegistry()
    let labels = [("target", target), ("unit", unit)]
    /// `websocket_probe_success` as the library spells it: a name and its last part, the unit.
    func descriptor(_ name: String, _ help: String) -> MetricNameDescriptor {
      let split = name.lastIndex(of: "_")!
      return MetricNameDescriptor(
        metricName: String(name[..<split]), unitName: String(name[name.index(after: split)...]), helpText: help)
    }
    func gauge(_ name: String, _ help: String, _ value: Double, _ extra: [(String, String)] = []) {
      registry.makeGauge(descriptor: descriptor(name, help), labels: labels + extra).set(value)
    }
    gauge("websocket_probe_success", "Whether the last probe succeeded (1) or failed (0).", probe.isHealthy ? 1 : 0)
    for entry in probe.timings.entries {
      gauge(
        "websocket_probe_duration_seconds", "How long each phase of the last probe took.", entry.duration.inSeconds,
        [("phase", entry.phase.rawValue)])
    }
    gauge(
      "websocket_failcount", "Failed checks in a row for the current MainPID; -1 while disarmed.", Double(failcount))
    gauge("websocket_threshold", "Failed checks in a row that trigger a restart.", Double(threshold))
    gauge("websocket_armed", "Whether failures are counted (1) or not yet (0).", armed ? 1 : 0)
    for (result, count) in [("done", restartsDone), ("failed", restartsFailed)] {
      registry.makeCounter(
        descriptor: descriptor("websocket_restarts_total", "Restarts carried out, by result, since the state began."),
        labels: labels + [("result", result)]
      ).increment(by: Int64(count))
    }
    gauge("websocket_restart_pending", "Whether a restart awaits a person's approval.", restartPending ? 1 : 0)
    gauge(
      "websocket_restart_budget_exhausted", "Whether the restart budget holds restarts back.", budgetExhausted ? 1 : 0)
    gauge("websocket_last_check_timestamp_seconds", "When the last check ran, in Unix seconds.", checkedAtUnixSeconds)
    var buffer: [UInt8] = []
    registry.emit(into: &buffer)
    return String(decoding: buffer, as: UTF8.self)
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
