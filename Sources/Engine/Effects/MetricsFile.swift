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
  /// Incident reports written, since the state began.
  public var incidentReports = 0
  public var checkedAtUnixSeconds: Double
  /// The timer that runs the checks as systemd described it, where it could be asked.
  public var timer: TimerStatus?

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
