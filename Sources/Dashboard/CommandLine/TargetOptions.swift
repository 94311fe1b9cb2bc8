import ArgumentParser
import Engine

/// What to watch and how: the reference tool's arguments, shared by `check` and `dashboard`.
struct TargetOptions: ParsableArguments {
  @Argument(help: ArgumentHelp("WebSocket URI to probe (ws:// or wss://).", valueName: "uri"))
  var uri: String

  @Argument(help: ArgumentHelp("systemd unit to restart, e.g. openems.service.", valueName: "service"))
  var service: String

  @Option(help: ArgumentHelp("Failure-count state file, shared with the timer.", valueName: "path"))
  var stateFile: String = TargetArguments.defaultStateFile

  @Option(help: ArgumentHelp("Failed checks in a row that trigger a restart (at least 1).", valueName: "n"))
  var threshold: Int = TargetArguments.defaultThreshold

  @Option(help: ArgumentHelp("Trigger log: one line per restart or dry run.", valueName: "path"))
  var logFile: String = TargetArguments.defaultLogFile

  @Flag(help: "Log what would happen, never restart.")
  var dryRun: Bool = false

  @Option(
    help: ArgumentHelp("Give up on a probe after this many seconds, all phases together.", valueName: "seconds"))
  var timeout: Double = TargetArguments.defaultTimeout

  @Option(
    help: ArgumentHelp(
      "PEM certificates to trust for wss:// besides the system's (e.g. a self-signed one).", valueName: "path"))
  var caFile: String?

  var arguments: TargetArguments {
    TargetArguments(
      uri: uri, service: service, stateFile: stateFile, threshold: threshold, logFile: logFile, dryRun: dryRun,
      timeout: timeout, caFile: caFile)
  }
}
