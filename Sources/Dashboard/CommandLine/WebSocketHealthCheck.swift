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
      A target of /etc/websocket-health-check goes by its name:
        websocket-health-check status edge

      Exit status:
      \(CheckExitStatus.table)
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
    // One malloc arena for every thread: the probe loop's own arena held half a megabyte of a
    // hundred targets' dashboard for nothing (three threads, little contention).
    _ = mallopt(mallocArenaMaximum, 1)
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

/// glibc's `mallopt` and `M_ARENA_MAX` (malloc.h), which Swift's Glibc module does not import.
@_silgen_name("mallopt")
private func mallopt(_ parameter: Int32, _ value: Int32) -> Int32
private let mallocArenaMaximum: Int32 = -8
