import ArgumentParser
import Engine
import NIOPosix

/// `websocket-health-check dashboard URI SERVICE …`: the live screen over SSH.
struct DashboardCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "dashboard",
    abstract: "Watch a target live: probe latency, the failure counter, the trigger log.",
    discussion: """
      Probes every --interval without counting (only the timer and the p key count),
      follows the state file and trigger log the timer writes, and offers keys:
        p check now   d dry-run restart   R restart (asks first)   ? help   q quit
      Use the same --state-file and --log-file as the timer's unit to see what it sees.
      """
  )

  @OptionGroup var target: TargetOptions

  func validate() throws { try target.requireTarget() }

  @Option(help: ArgumentHelp("Seconds between the dashboard's own probes.", valueName: "seconds"))
  var interval: Double = 1

  @Flag(help: "Offer no restart key; for watching only.")
  var readonly = false

  @Option(
    help: ArgumentHelp(
      "The timer unit that runs the checks, to show its next run. (default: websocket-health-check@NAME.timer with --config NAME.conf, else websocket-health-check.timer)",
      valueName: "unit"))
  var timer: String?

  /// The template instance that reads `--config …/NAME.conf` is `websocket-health-check@NAME`.
  var timerUnit: String {
    if let timer { return timer }
    guard let config = target.config else { return "websocket-health-check.timer" }
    var name = Substring(config.split(separator: "/").last ?? "")
    if name.hasSuffix(".conf") { name = name.dropLast(5) }
    return name.isEmpty ? "websocket-health-check.timer" : "websocket-health-check@\(name).timer"
  }

  func run() throws {
    guard interval.isFinite, interval >= 0.2, interval <= 3600 else {
      Console.print(ConsoleLine(.error, "--interval \(interval) must be between 0.2 and 3600 seconds"))
      throw ExitCode(CheckExitStatus.ourError.rawValue)
    }
    let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    defer { try? group.syncShutdownGracefully() }
    do {
      let resolved = try target.draft().resolved()
      let settings = resolved.settings
      let probe = try Probe(uri: settings.uri, options: resolved.probeOptions, group: group)
      let timerUnit = try UnitName(validating: self.timerUnit)
      let serviceManager = Systemctl()
      let view = DashboardModel.Target(
        settings: settings, interval: interval, restartCommand: serviceManager.restartCommand(for: settings.unit),
        readonly: readonly, certificateUnchecked: resolved.probeOptions.insecure)
      try DashboardSession(
        probe: probe, serviceManager: serviceManager, target: view, timer: timerUnit,
        demo: nil, timerInterval: nil
      ).run()
    } catch {
      Console.print(ConsoleLine(.error, "\(error)"))
      throw ExitCode(CheckExitStatus.ourError.rawValue)
    }
  }
}
