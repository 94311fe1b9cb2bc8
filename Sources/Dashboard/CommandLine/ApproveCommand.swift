import ArgumentParser
import Engine

/// `websocket-health-check approve …`: a person's yes to a restart the engine holds back.
struct ApproveCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "approve",
    abstract: "Restart the unit once, as the pending restart request (--restart-mode approve) asks.",
    discussion: """
      Finds the target as check does (its NAME, as in `approve edge` for
      /etc/websocket-health-check/edge.conf; --config FILE; or URI SERVICE
      --state-file PATH), and restarts the unit only when a request is pending for its
      current MainPID. A request the WebSocket withdrew by answering again, one
      for an older MainPID, or one already decided restarts nothing and says so.
      The trigger log names who approved (SUDO_USER, else the login name) and
      from where (cli).

      Exit status:
        0  restarted
        4  nothing to approve (it says what became of the last request)
        3  the restart failed
        1  our own error
      """
  )

  @OptionGroup var target: TargetOptions

  @Option(
    help: ArgumentHelp("Where a target's NAME.conf is. (default: \(TargetDirectory.defaultPath))", valueName: "dir"),
    completion: .directory)
  var configDir: String?

  func validate() throws { try target.requireTarget() }

  func run() throws {
    try PersonsDecision.run(target, configDir: configDir, approving: true)
  }
}

/// `websocket-health-check reject …`: a person's no; nothing is restarted.
struct RejectCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "reject",
    abstract: "Refuse the pending restart request; nothing is restarted.",
    discussion: """
      Finds the target as check does (`reject edge`). The trigger log names who rejected and
      from where (cli). The watchdog stays disarmed for this MainPID until the
      WebSocket answers again.

      Exit status:
        0  rejected
        4  nothing to reject
        1  our own error
      """
  )

  @OptionGroup var target: TargetOptions

  @Option(
    help: ArgumentHelp("Where a target's NAME.conf is. (default: \(TargetDirectory.defaultPath))", valueName: "dir"),
    completion: .directory)
  var configDir: String?

  func validate() throws { try target.requireTarget() }

  func run() throws {
    try PersonsDecision.run(target, configDir: configDir, approving: false)
  }
}

/// What `approve` and `reject` share: find the target and the MainPID, decide through the
/// engine's one owner of restarts, say what happened.
enum PersonsDecision {
  static func run(_ options: TargetOptions, configDir: String?, approving: Bool) throws {
    let settings: CheckSettings
    do {
      settings = try options.draft(configDirectory: configDir).resolved().settings
      try settings.stateStore.prepare()
    } catch {
      Console.print(ConsoleLine(.error, "\(error)"))
      throw ExitCode(CheckExitStatus.ourError.rawValue)
    }
    // What was kept at the request, read before saying yes: printed before the restart.
    if approving, let pending = try? settings.stateStore.peekBoth().1.record?.pending,
      let path = settings.incidents?.shelf.report(since: pending.wallTime)
    {
      Console.print(ConsoleLine(.info, "Incident report \(path):"))
      for line in ReportShelf.summary(ofReportAt: path) ?? [] { Console.print(ConsoleLine(.info, "  \(line)")) }
    }
    let requester = Requester(name: WhoAsked.name(), place: "cli")
    let report: Restarter.Report
    do {
      let restarter = settings.restarter(Systemctl(restartTimeout: settings.restartTimeout))
      report = approving ? try restarter.approve(by: requester) : try restarter.reject(by: requester)
    } catch {
      Console.print(ConsoleLine(.error, "\(error); nothing was restarted"))
      throw ExitCode(CheckExitStatus.ourError.rawValue)
    }
    for line in RestartConsole(settings: settings, pid: report.pid, probe: nil).lines(for: report) {
      Console.print(line)
    }
    if case .nothingToDecide = report.decision.outcome { throw ExitCode(CheckExitStatus.nothingToDecide.rawValue) }
    if case .failed = report.restart { throw ExitCode(CheckExitStatus.restartFailed.rawValue) }
    if report.logFailure != nil { throw ExitCode(CheckExitStatus.triggerLogFailed.rawValue) }
  }
}
