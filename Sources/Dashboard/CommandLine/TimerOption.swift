import ArgumentParser
import Engine

/// `--timer UNIT`: the timer that runs one target's checks, for `status` and `dashboard`.
struct TimerOption: ParsableArguments {
  @Option(
    help: ArgumentHelp(
      "The timer that runs the checks of the one target shown. (default: websocket-health-check@NAME.timer for NAME.conf, else websocket-health-check.timer)",
      valueName: "unit"))
  var timer: String?

  /// For a command that shows one target or a directory: `--timer` goes with one target only.
  func validate(namesATarget: Bool) throws {
    if timer != nil && !namesATarget {
      throw ValidationError("--timer names the timer of one target; with a config directory each NAME has its own")
    }
  }

  /// `--timer`, else the one the target's settings name (`websocket-health-check@NAME.timer`
  /// for `NAME.conf`).
  func unit(for settings: CheckSettings) throws(ConfigurationError) -> UnitName {
    try timer.map { text throws(ConfigurationError) in try UnitName(validating: text) } ?? settings.timer
  }
}
