import ArgumentParser
import Engine
import NIOPosix

/// `websocket-health-check dashboard`: the live screen over SSH, for one target or the box.
struct DashboardCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "dashboard",
    abstract: "Watch every target of the box live, or one: probe latency, failure counters, trigger logs.",
    discussion: """
      With no target: every NAME.conf of --config-dir (default
      /etc/websocket-health-check) in a list. Up/Down select, Enter opens a
      target, Esc goes back, / filters by name. With a target (its NAME,
      URI SERVICE, or --config FILE): that target's view.

      Probes every --interval without counting (only the timer and the p key
      count), follows the state files and trigger logs the timers write, and
      offers keys:
        p check now   d dry-run restart   R restart (asks first)
        A approve a pending restart       ? help   q quit
      """
  )

  @OptionGroup var target: TargetOptions

  @Option(
    help: ArgumentHelp(
      "With no target: show every NAME.conf of this directory. (default: \(TargetDirectory.defaultPath))",
      valueName: "dir"),
    completion: .directory)
  var configDir: String?

  @Option(help: ArgumentHelp("Seconds between the dashboard's own probes of each target.", valueName: "seconds"))
  var interval: Double = 1

  @Flag(help: "Offer no restart key; for watching only.")
  var readonly = false

  @OptionGroup var timer: TimerOption

  func validate() throws {
    try target.requireTargetOrDirectory(configDir)
    try timer.validate(namesATarget: target.namesATarget)
  }

  func run() throws {
    guard interval.isFinite, interval >= 0.2, interval <= 3600 else {
      Console.print(ConsoleLine(.error, "--interval \(interval) must be between 0.2 and 3600 seconds"))
      throw ExitCode(CheckExitStatus.ourError.rawValue)
    }
    // One thread for every target's probes: they are scheduled on its event loop.
    let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    defer { try? group.syncShutdownGracefully() }
    let serviceManager = Systemctl()
    do {
      let directory = configDir ?? TargetDirectory.defaultPath
      let drafts =
        target.namesATarget
        ? [try target.draft(configDirectory: configDir)] : try TargetDirectory.drafts(in: directory)
      guard !drafts.isEmpty else {
        throw ConfigurationError(
          "no targets in \(directory) (NAME.conf, example.conf aside); give one: dashboard --config FILE, or URI SERVICE"
        )
      }
      let watched = { (draft: TargetDraft) throws(ConfigurationError) -> WatchedTarget in
        let resolved = try draft.resolved()
        let settings = resolved.settings
        var view = DashboardModel.Target(
          settings: settings, interval: interval, restartCommand: serviceManager.restartCommand(for: settings.unit),
          readonly: readonly, certificateUnchecked: resolved.probeOptions.insecure, depth: resolved.probeOptions.depth)
        view.timer = try timer.unit(for: settings)
        return WatchedTarget(
          view: view, probe: try Probe(uri: settings.uri, options: resolved.probeOptions, group: group))
      }
      let targets = try drafts.map { draft throws(ConfigurationError) in try watched(draft) }
      // The box follows its directory: NAME.conf files added, removed or changed while it runs.
      let following: (path: String, targets: () -> Result<[WatchedTarget], ConfigurationError>)? =
        target.namesATarget
        ? nil
        : (
          directory,
          {
            Result { () throws(ConfigurationError) in
              try TargetDirectory.drafts(in: directory).map { draft throws(ConfigurationError) in try watched(draft) }
            }
          }
        )
      try DashboardSession(
        targets: targets, probeLoop: group.next(), serviceManager: serviceManager, demo: nil, timerInterval: nil,
        following: following
      ).run()
    } catch {
      Console.print(ConsoleLine(.error, "\(error)"))
      throw ExitCode(CheckExitStatus.ourError.rawValue)
    }
  }
}
