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
      unit gives it. Reads the files the timers write; probes nothing,
      changes nothing. --json prints {"targets": [...]}, one object a target
      (the README documents its fields).

      Exit status:
        0  every target's last check was healthy, nothing awaits approval
        5  a target is failing, never checked, or awaits approval
        1  a target cannot be read (bad config, unreadable files)
      """
  )

  @OptionGroup var target: TargetOptions

  @Option(
    help: ArgumentHelp(
      "Show every NAME.conf of this directory. (default: \(TargetDirectory.defaultPath))", valueName: "dir"))
  var configDir: String?

  @Flag(help: "Print JSON for scripts instead of a table.")
  var json = false

  func validate() throws { try target.requireTargetOrDirectory(configDir) }

  func run() throws {
    let drafts: [TargetDraft]
    do {
      drafts =
        target.namesATarget
        ? [try target.draft()] : try TargetDirectory.drafts(in: configDir ?? TargetDirectory.defaultPath)
    } catch {
      Console.print(ConsoleLine(.error, "\(error)"))
      throw ExitCode(CheckExitStatus.ourError.rawValue)
    }
    let states = drafts.map(TargetState.read)
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
