import ArgumentParser
import Engine

#if canImport(Glibc)
  import Glibc
#endif

/// The `websocket-health-check` command: `check` when no subcommand is named, so the
/// reference tool's `websocket-health-check URI SERVICE …` works unchanged.
@main
struct WebSocketHealthCheck: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "websocket-health-check",
    abstract: "Watchdog for WebSocket services: probe, count failures, restart the systemd unit.",
    discussion: """
      With no subcommand it runs `check`, as the Python reference tool did:
        websocket-health-check ws://localhost:8085/websocket openems.service

      Exit status of check:
        0  the check ran: healthy, counted, not armed yet, restarted, dry run
        1  our own error (argument, state or log file, systemctl): no restart
        2  the command line itself is wrong (unknown option, missing value)
        3  the threshold was reached but `systemctl restart` failed
        4  approve or reject found no pending restart request
        5  status: a target needs attention (failing, pending, unreadable)
        6  the unit was restarted, but the trigger log could not be written
      """,
    version: packageVersion,
    subcommands: [
      CheckCommand.self, ApproveCommand.self, RejectCommand.self, StatusCommand.self, DashboardCommand.self,
      DemoCommand.self, MigrateCommand.self,
    ],
    defaultSubcommand: CheckCommand.self
  )

  /// Runs the command line, mapping usage errors to exit 2 as Python's argparse does.
  static func main() {
    // The timer's own form skips swift-argument-parser; see ReferenceCommandLine.
    if let draft = ReferenceCommandLine.parse(Array(CommandLine.arguments.dropFirst())) {
      Glibc.exit(CheckCommand.check(draft).rawValue)
    }
    do {
      var command = try parseAsRoot()
      try command.run()
    } catch {
      let code = exitCode(for: error)
      if code == .validationFailure {
        // One line that says what is wrong, not a page of usage: the timer's journal and a
        // tired operator both read the first line only.
        let first = fullMessage(for: error).split(separator: "\n").first.map(String.init) ?? "Error"
        Console.write("\(first); --help lists every option", to: 2)
        Glibc.exit(CheckExitStatus.usage.rawValue)
      }
      exit(withError: error)
    }
  }
}
