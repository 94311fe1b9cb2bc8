import Engine

/// The target as the command line gave it, whichever parser read it. Unset values come from
/// `--config`, then from the reference tool's defaults.
struct TargetArguments: Equatable, Sendable {
  static let defaultStateFile = "/tmp/websocket-health-check/failcount"
  static let defaultLogFile = "./trigger.log"
  static let defaultThreshold = 3
  static let defaultTimeout = 10.0

  var uri: String?
  var service: String?
  var stateFile: String?
  var threshold: Int?
  var logFile: String?
  var dryRun = false
  var timeout: Double?
  var caFile: String?
  var configFile: String?

  /// Every value decided: command line over config file over defaults.
  struct Resolved: Sendable, Equatable {
    var uri: String
    var service: String
    var stateFile: String
    var threshold: Int
    var logFile: String
    var mode: RestartMode
    var timeout: Double
    var caFile: String?
  }

  func resolved() throws(ConfigurationError) -> Resolved {
    let file =
      try configFile.map { path throws(ConfigurationError) in try TargetConfigFile(contentsOf: path) }
      ?? TargetConfigFile()
    let from = configFile.map { " (nor in \($0))" } ?? ""
    guard let uri = uri ?? file.uri else {
      throw ConfigurationError("no URI given\(from): name the WebSocket to probe, e.g. ws://localhost:8085/websocket")
    }
    guard let service = service ?? file.unit else {
      throw ConfigurationError("no service given\(from): name the unit to restart, e.g. openems.service")
    }
    return Resolved(
      uri: uri, service: service,
      stateFile: stateFile ?? file.stateFile ?? Self.defaultStateFile,
      threshold: threshold ?? file.threshold ?? Self.defaultThreshold,
      logFile: logFile ?? file.logFile ?? Self.defaultLogFile,
      mode: dryRun ? .dryRun : (file.mode ?? .auto),
      timeout: timeout ?? file.timeout ?? Self.defaultTimeout,
      caFile: caFile ?? file.caFile)
  }
}

extension TargetArguments.Resolved {
  /// The check's settings, or the first thing wrong with them.
  func settings() throws(ConfigurationError) -> CheckSettings {
    let uri = try WebSocketURI(parsing: uri)
    let unit = try UnitName(validating: service)
    let watchdog = try Watchdog(threshold: threshold, mode: mode)
    return CheckSettings(
      uri: uri, unit: unit, watchdog: watchdog,
      stateStore: try StateStore(path: stateFile),
      triggerLog: try TriggerLog(path: logFile))
  }

  func probeOptions() throws(ConfigurationError) -> ProbeOptions {
    guard timeout.isFinite, timeout > 0, timeout <= 3600 else {
      throw ConfigurationError(
        "timeout \(timeout) is not a number of seconds between 0 and 3600; the reference's is 10")
    }
    return ProbeOptions(timeout: .milliseconds(Int64(timeout * 1000)), trustedCertificatesFile: caFile)
  }
}
