import ArgumentParser
import Engine
import NIOPosix

/// `websocket-health-check demo`: the whole loop against an in-process service.
struct DemoCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "demo",
    abstract: "Show the watchdog at work on an in-process WebSocket service (touches nothing real).",
    discussion: """
      Starts an OpenEMS-like WebSocket server on 127.0.0.1 and the dashboard on
      it, probing with --openems (one JSON-RPC request that needs a reply), with
      a timer-like check every few seconds (threshold 3). Key w wedges the
      service as OpenEMS wedges (it still upgrades and answers pings, but never
      replies); h freezes it, s slows it, x refuses connections; watch the
      counter climb, the restart fire and the service come back; n makes it
      healthy again. With --restart-mode approve the restart waits for you:
      A, then y or n. No systemd, no real service, no files outside a temporary
      directory. --script plays the same story as text, without a screen.
      """
  )

  @Flag(help: "Play a scripted run as text instead of opening the dashboard.")
  var script = false

  @Option(help: ArgumentHelp("Seconds between the demo timer's checks.", valueName: "seconds"))
  var interval: Double = 3

  @Option(
    help: ArgumentHelp(
      "At the threshold: auto restarts, dry-run only logs, approve waits for your A (y/n) in the dashboard.",
      valueName: "mode"),
    completion: .list(RestartMode.names))
  var restartMode = RestartMode.auto.rawValue

  func run() throws {
    guard interval.isFinite, interval >= 0, interval <= 60 else {
      throw ValidationError("--interval must be between 0 and 60 seconds")
    }
    guard let mode = RestartMode(rawValue: restartMode) else {
      throw ValidationError(
        "--restart-mode '\(restartMode)' is not one of: \(RestartMode.names.joined(separator: ", "))")
    }
    let every = Duration.milliseconds(Int64(interval * 1000))
    if script {
      try ScriptedDemo(interval: every).run()
      return
    }
    let service = try DemoService()
    defer { service.stop() }
    let directory = try TemporaryDirectory(prefix: "websocket-health-check-demo")
    defer { directory.remove() }
    let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    defer { try? group.syncShutdownGracefully() }
    let uri = try WebSocketURI(parsing: "ws://127.0.0.1:\(service.port)/websocket")
    let unit = try UnitName(validating: "demo.service")
    let settings = CheckSettings(
      uri: uri, unit: unit, watchdog: try Watchdog(threshold: 3),
      stateStore: try StateStore(path: "\(directory.path)/failcount"),
      triggerLog: try TriggerLog(path: "\(directory.path)/trigger.log"), policy: RestartPolicy(mode: mode))
    let manager = DemoServiceManager(service: service)
    let target = DashboardModel.Target(
      settings: settings, interval: 0.5, restartCommand: manager.restartCommand(for: unit), isDemo: true,
      depth: DemoService.probeOptions.depth)
    do {
      let probe = try Probe(uri: uri, options: DemoService.probeOptions, group: group)
      try DashboardSession(
        targets: [WatchedTarget(view: target, probe: probe)], probeLoop: group.next(), serviceManager: manager,
        demo: service, timerInterval: every
      ).run()
    } catch let error as ScreenError {
      Console.print(ConsoleLine(.error, "\(error); or run: websocket-health-check demo --script"))
      throw ExitCode(CheckExitStatus.ourError.rawValue)
    }
  }
}
