import ArgumentParser
import Engine

/// `websocket-health-check demo`: the whole loop against an in-process service.
struct DemoCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "demo",
    abstract: "Show the watchdog at work on an in-process WebSocket service (touches nothing real).",
    discussion: """
      Starts a WebSocket server on 127.0.0.1, checks it, makes it hang, and lets the
      watchdog count the failures and "restart" it. No systemd, no real service, no
      files outside a temporary directory.
      """
  )

  @Option(help: ArgumentHelp("Seconds between checks.", valueName: "seconds"))
  var interval: Double = 1

  func run() throws {
    guard interval.isFinite, interval >= 0, interval <= 60 else {
      throw ValidationError("--interval must be between 0 and 60 seconds")
    }
    try ScriptedDemo(interval: .milliseconds(Int64(interval * 1000))).run()
  }
}
