import ArgumentParser
import Engine

/// What to watch and how: the reference tool's arguments, shared by `check` and `dashboard`.
struct TargetOptions: ParsableArguments {
  @Argument(help: ArgumentHelp("WebSocket URI to probe (ws:// or wss://).", valueName: "uri"))
  var uri: String?

  @Argument(help: ArgumentHelp("systemd unit to restart, e.g. openems.service.", valueName: "service"))
  var service: String?

  @Option(
    help: ArgumentHelp(
      "Failure-count state file, shared with the timer. (default: \(TargetArguments.defaultStateFile))",
      valueName: "path"))
  var stateFile: String?

  @Option(
    help: ArgumentHelp(
      "Failed checks in a row that trigger a restart, at least 1. (default: \(TargetArguments.defaultThreshold))",
      valueName: "n"))
  var threshold: Int?

  @Option(
    help: ArgumentHelp(
      "Trigger log: one line per restart or dry run. (default: \(TargetArguments.defaultLogFile))",
      valueName: "path"))
  var logFile: String?

  @Flag(help: "Log what would happen, never restart.")
  var dryRun: Bool = false

  @Option(
    help: ArgumentHelp(
      "Give up on a probe after this many seconds, all phases together. (default: \(Int(TargetArguments.defaultTimeout)))",
      valueName: "seconds"))
  var timeout: Double?

  @Option(
    help: ArgumentHelp(
      "PEM certificates to trust for wss:// besides the system's (e.g. a self-signed one).", valueName: "path"))
  var caFile: String?

  @Option(
    help: ArgumentHelp(
      "Read the target from this file (keys: uri, unit, threshold, mode, timeout, state-file, log-file, ca-file); options given here win.",
      valueName: "file"))
  var config: String?

  func validate() throws {
    guard config == nil else { return }
    if uri == nil { throw ValidationError("Missing expected argument '<uri>' (or give --config FILE)") }
    if service == nil { throw ValidationError("Missing expected argument '<service>' (or give --config FILE)") }
  }

  var arguments: TargetArguments {
    TargetArguments(
      uri: uri, service: service, stateFile: stateFile, threshold: threshold, logFile: logFile, dryRun: dryRun,
      timeout: timeout, caFile: caFile, configFile: config)
  }
}
