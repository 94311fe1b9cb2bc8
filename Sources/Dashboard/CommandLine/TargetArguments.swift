import Engine

/// The reference tool's arguments as plain values, whichever parser read them.
struct TargetArguments: Equatable, Sendable {
  static let defaultStateFile = "/tmp/websocket-health-check/failcount"
  static let defaultLogFile = "./trigger.log"
  static let defaultThreshold = 3
  static let defaultTimeout = 10.0

  var uri: String
  var service: String
  var stateFile = defaultStateFile
  var threshold = defaultThreshold
  var logFile = defaultLogFile
  var dryRun = false
  var timeout = defaultTimeout
  var caFile: String?

  /// The settings, or the first thing wrong with them.
  func settings() throws(ConfigurationError) -> CheckSettings {
    let uri = try WebSocketURI(parsing: uri)
    let unit = try UnitName(validating: service)
    let watchdog = try Watchdog(threshold: threshold, mode: dryRun ? .dryRun : .auto)
    return CheckSettings(
      uri: uri, unit: unit, watchdog: watchdog,
      stateStore: try StateStore(path: stateFile),
      triggerLog: try TriggerLog(path: logFile))
  }

  func probeOptions() throws(ConfigurationError) -> ProbeOptions {
    guard timeout.isFinite, timeout > 0, timeout <= 3600 else {
      throw ConfigurationError(
        "--timeout \(timeout) is not a number of seconds between 0 and 3600; the reference's is 10")
    }
    return ProbeOptions(timeout: .milliseconds(Int64(timeout * 1000)), trustedCertificatesFile: caFile)
  }
}
