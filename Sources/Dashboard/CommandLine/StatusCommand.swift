import ArgumentParser
import Engine

/// `websocket-health-check status`: the state of one target, or of every target of the box,
/// for a quick look and for scripts (`--json`).
struct StatusCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "status",
    abstract: "Show the watchdog's state of one target or of every target in a config directory.",
    discussion: """
      With no target: every NAME.conf of --config-dir (default
      /etc/websocket-health-check), with the state and log files the template
      unit gives it; `status edge` shows edge.conf alone. Reads the files the
      timers write and asks systemd about each target's timer; probes nothing,
      changes nothing. --json prints {"targets": [...]}, one object a target
      (the README documents its fields).

      Exit status:
        0  every target's last check was healthy, nothing awaits approval,
           and every target's timer is running, enabled and checking
        5  a target is failing, never checked, awaits approval, or is not
           watched: its timer is stopped, failed, missing or not enabled, or
           its last check is older than three timer intervals
        1  a target cannot be read (bad config, unreadable files)
      """
  )

  @OptionGroup var target: TargetOptions

  @Option(
    help: ArgumentHelp(
      "Show every NAME.conf of this directory. (default: \(TargetDirectory.defaultPath))", valueName: "dir"),
    completion: .directory)
  var configDir: String?

  @Flag(help: "Print JSON for scripts instead of a table.")
  var json = false

  @OptionGroup var timer: TimerOption

  func validate() throws {
    try target.requireTargetOrDirectory(configDir)
    try timer.validate(namesATarget: target.namesATarget)
  }

  func run() throws {
    var states: [TargetState]
    do {
      let drafts =
        target.namesATarget
        ? [try target.draft(configDirectory: configDir)]
        : try TargetDirectory.drafts(in: configDir ?? TargetDirectory.defaultPath)
      states = drafts.map(TargetState.read)
      if let name = timer.timer { states[0].timer = try UnitName(validating: name) }
    } catch {
      Console.print(ConsoleLine(.error, "\(error)"))
      throw ExitCode(CheckExitStatus.ourError.rawValue)
    }
    TargetState.watch(&states, serviceManager: Systemctl(), now: LocalTimestamp.now().seconds)
    if json {
      Console.write(TargetState.json(states), to: 1)
    } else if states.isEmpty {
      Console.write("no targets in \(configDir ?? TargetDirectory.defaultPath) (NAME.conf, example.conf aside)", to: 1)
    } else {
      for line in TargetState.table(states) { Console.write(line, to: 1) }
    }
    if states.contains(where: { $0.error != nil }) { throw ExitCode(CheckExitStatus.ourError.rawValue) }
    if states.contains(where: \.needsAttention) { throw ExitCode(CheckExitStatus.needsAttention.rawValue) }
  }
}
