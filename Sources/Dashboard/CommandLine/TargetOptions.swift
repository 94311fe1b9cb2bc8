import ArgumentParser
import Engine

/// What to watch and how: the reference tool's arguments, shared by `check` and `dashboard`.
struct TargetOptions: ParsableArguments {
  @Argument(help: ArgumentHelp("WebSocket URI to probe (ws:// or wss://).", valueName: "uri"))
  var uri: String

  @Argument(help: ArgumentHelp("systemd unit to restart, e.g. openems.service.", valueName: "service"))
  var service: String

  @Option(help: ArgumentHelp("Failure-count state file, shared with the timer.", valueName: "path"))
  var stateFile: String = "/tmp/websocket-health-check/failcount"

  @Option(help: ArgumentHelp("Failed checks in a row that trigger a restart (at least 1).", valueName: "n"))
  var threshold: Int = 3

  @Option(help: ArgumentHelp("Trigger log: one line per restart or dry run.", valueName: "path"))
  var logFile: String = "./trigger.log"

  @Flag(help: "Log what would happen, never restart.")
  var dryRun: Bool = false

  @Option(help: ArgumentHelp("Give up on a probe after this many seconds, all phases together.", valueName: "seconds"))
  var timeout: Double = 10

  @Option(
    help: ArgumentHelp(
      "PEM certificates to trust for wss:// besides the system's (e.g. a self-signed one).", valueName: "path"))
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
