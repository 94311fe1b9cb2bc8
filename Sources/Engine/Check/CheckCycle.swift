/// Everything one check needs to know, from the command line or a config file.
public struct CheckSettings: Sendable {
  public var uri: WebSocketURI
  public var unit: UnitName
  public var watchdog: Watchdog
  public var stateStore: StateStore
  public var triggerLog: TriggerLog
  public var policy: RestartPolicy
  public var notifier: Notifier?
  /// `systemctl restart`'s deadline. Default: 90 s, systemd's own default stop+start budget.
  public var restartTimeout: Duration
  /// What a person pastes to approve or reject a pending restart of this target.
  public var approveCommand: String
  public var rejectCommand: String
  /// NAME of NAME.conf, else the unit: the `target` label of the metrics.
  public var name: String
  public var metricsFile: MetricsFile?

  public init(
    uri: WebSocketURI, unit: UnitName, watchdog: Watchdog, stateStore: StateStore, triggerLog: TriggerLog,
    policy: RestartPolicy? = nil, notifier: Notifier? = nil, restartTimeout: Duration = .seconds(90),
    approveCommand: String? = nil, rejectCommand: String? = nil, name: String? = nil, metricsFile: MetricsFile? = nil
  ) {
    self.uri = uri
    self.unit = unit
    self.watchdog = watchdog
    self.stateStore = stateStore
    self.triggerLog = triggerLog
    self.policy = policy ?? RestartPolicy(mode: watchdog.mode)
    self.notifier = notifier
    self.restartTimeout = restartTimeout
    let target = "\(uri) \(unit) --state-file \(stateStore.path)"
    self.approveCommand = approveCommand ?? "websocket-health-check approve \(target)"
    self.rejectCommand = rejectCommand ?? "websocket-health-check reject \(target)"
    self.name = name ?? unit.description
    self.metricsFile = metricsFile
  }

  /// The one owner of restarts for this target.
  public func restarter(_ serviceManager: any ServiceManager) -> Restarter {
    Restarter(
      unit: unit, watchdog: watchdog, policy: policy, stateStore: stateStore, triggerLog: triggerLog,
      serviceManager: serviceManager, notifier: notifier)
  }
}

/// What one check found and did.
public struct CheckReport: Sendable {
  public var status: ServiceStatus?
  public var probe: ProbeResult?
  /// The reference's decision (adjusted where a re-arm counted a failure).
  public var decision: WatchdogDecision?
  /// What the restart policy decided and how it was carried out.
  public var restart: Restarter.Report?
  /// Our own error that stopped the check (nothing was counted or restarted).
  public var error: String?
  public var lines: [ConsoleLine] = []
  public var exitStatus: CheckExitStatus = .completed
}

/// One timer tick: ask systemd for the PID, probe, then let the restart policy count and act.
///
/// The same code runs for the timer, the dashboard's `p` key and a manual run, so what an
/// operator tries by hand is what the timer does.
public struct CheckCycle: Sendable {
  public let settings: CheckSettings
  private let probe: @Sendable () -> ProbeResult
  private let serviceManager: any ServiceManager

  /// - Parameters:
  ///   - probe: runs one probe to the end (it has its own deadline).
  ///   - serviceManager: `Systemctl()` outside tests.
  public init(settings: CheckSettings, serviceManager: any ServiceManager, probe: @escaping @Sendable () -> ProbeResult)
  {
    self.settings = settings
    self.probe = probe
    self.serviceManager = serviceManager
  }

  /// Runs the check; `emit` receives each console line as it happens.
  public func run(emit: (ConsoleLine) -> Void = { _ in }) -> CheckReport {
    var report = CheckReport()
    func say(_ line: ConsoleLine) {
      report.lines.append(line)
      emit(line)
    }
    let unit = settings.unit

    // Our own errors first, before anything is probed or counted.
    do {
      try settings.stateStore.prepare()
      try settings.triggerLog.prepare()
      report.status = try serviceManager.status(of: unit)
    } catch {
      report.error = "\(error)"
      say(ConsoleLine(.error, "\(error)"))
      report.exitStatus = .ourError
      return report
    }
    let pid = report.status!.mainPID

    let result = probe()
    report.probe = result

    let carried: Restarter.Report
    do {
      carried = try settings.restarter(serviceManager).check(pid: pid, probe: result)
    } catch {
      report.error = "\(error); nothing was restarted"
      say(ConsoleLine(.error, "\(error); nothing was restarted"))
      report.exitStatus = .ourError
      return report
    }
    report.restart = carried
    report.decision = carried.decision.watchdog
    let rendering = RestartConsole(settings: settings, pid: pid, probe: result)
    for line in rendering.lines(for: carried) { say(line) }
    if carried.logFailure != nil { report.exitStatus = .triggerLogFailed }
    if case .failed = carried.restart { report.exitStatus = .restartFailed }
    if let metrics = settings.metricsFile {
      do {
        try metrics.write(snapshot(of: carried, probe: result))
      } catch {
        // Figures for Prometheus are not the service's health, nor a reason for our exit status.
        say(ConsoleLine(.warning, "\(error); the check itself went on"))
      }
    }
    return report
  }

  private func snapshot(of report: Restarter.Report, probe: ProbeResult) -> MetricsSnapshot {
    let decision = report.decision
    // What the state file holds now: written this run, or left as it was (disarmed).
    let count = decision.counter?.count ?? -1
    var exhausted = false
    if case .budgetExhausted = decision.outcome { exhausted = true }
    var (done, failed) = (decision.record.restartsDone, decision.record.restartsFailed)
    if case .failed = report.restart { (done, failed) = (max(0, done - 1), failed + 1) }
    return MetricsSnapshot(
      target: settings.name, unit: settings.unit.description, probe: probe, failcount: count,
      threshold: settings.watchdog.threshold, armed: count >= 0, restartPending: decision.record.pending != nil,
      budgetExhausted: exhausted, restartsDone: done, restartsFailed: failed,
      checkedAtUnixSeconds: Double(decision.lastCheck?.unixSeconds ?? LocalTimestamp.now().seconds))
  }
}

/// A check's or a person's decision as console lines (the journal, under systemd): the
/// reference's words where it has them, ours after them; lines a person must act on are
/// marked urgent, which the journal reads as warning priority.
public struct RestartConsole: Sendable {
  public let settings: CheckSettings
  public let pid: Int
  public let probe: ProbeResult?

  public init(settings: CheckSettings, pid: Int, probe: ProbeResult?) {
    self.settings = settings
    self.pid = pid
    self.probe = probe
  }

  public func lines(for report: Restarter.Report) -> [ConsoleLine] {
    var lines = report.warnings.map { ConsoleLine(.warning, $0) }
    let unit = settings.unit
    let decision = report.decision
    let summary = probe?.summary ?? ""
    switch decision.watchdog {
    case .healthy?:
      lines.append(ConsoleLine(.info, "WebSocket healthy\(probe?.details ?? "")"))
    case .notArmed?:
      if case .awaitingApproval = decision.outcome {
        lines.append(ConsoleLine(.watchdog, "WebSocket not working: \(summary)"))
      } else {
        lines.append(
          ConsoleLine(
            .watchdog,
            "WebSocket not working, but connection never succeeded for PID \(pid); not counting: \(summary)"))
      }
    case .counted(let count, let threshold)?, .trigger(_, let count, let threshold)?:
      lines.append(ConsoleLine(.watchdog, "WebSocket not working! (\(count)/\(threshold)): \(summary)"))
    case nil:
      break
    }
    // What the log got that is not the outcome's own line: withdrawals, expiry, re-arms.
    for entry in decision.entries {
      switch entry {
      case .withdrawn, .expired, .rearmed, .rejected, .approved:
        lines.append(ConsoleLine(.watchdog, entry.description, urgent: true))
      default:
        break
      }
    }
    switch decision.outcome {
    case .none:
      break
    case .dryRun(let count):
      lines.append(
        ConsoleLine(.watchdog, "Dry run: Triggered restart! (fail count: \(count)); \(unit) was not restarted"))
    case .awaitingApproval(let pending, let isNew):
      let what =
        isNew
        ? "Restart awaiting approval (fail count: \(pending.count)): \(unit) was not restarted."
        : "Restart of \(unit) still awaiting approval (asked \(pending.wallTime), fail count: \(pending.count))."
      lines.append(
        ConsoleLine(
          .watchdog, "\(what) To restart it: \(settings.approveCommand)   To refuse: \(settings.rejectCommand)",
          urgent: true))
    case .budgetExhausted(let budget, let freesIn):
      lines.append(
        ConsoleLine(
          .watchdog,
          "Restart budget exhausted (\(budget.maximum) within \(DurationSyntax.text(budget.window))): \(unit) was not "
            + "restarted; the next restart is possible in \(DurationSyntax.text(freesIn))", urgent: true))
    case .restart(let cause):
      let why =
        switch cause {
        case .threshold: "Triggered restart! Restarting \(unit)"
        case .approved(_, let by): "Restart approved by \(by): restarting \(unit)"
        case .manual(let by): "Restart asked by \(by): restarting \(unit)"
        case .fallback: "Approval timed out: restarting \(unit) as in auto mode"
        }
      lines.append(ConsoleLine(.watchdog, why))
    case .nothingToDecide(let last):
      let history = last.map { "; the last request was \($0)" } ?? ""
      lines.append(ConsoleLine(.error, "no restart of \(unit) is awaiting approval\(history); nothing was restarted"))
    case .rejected(let pending):
      lines.append(
        ConsoleLine(
          .info,
          "restart of \(unit) rejected (asked \(pending.wallTime), fail count: \(pending.count)); nothing restarted"))
    }
    if let failure = report.logFailure {
      lines.append(
        ConsoleLine(.error, "\(failure); the restart went ahead without its trigger-log line (disk full?)"))
    }
    switch report.restart {
    case .done?:
      lines.append(ConsoleLine(.info, "\(unit) restarted; the watchdog re-arms when its WebSocket answers"))
    case .failed(let error)?:
      lines.append(ConsoleLine(.error, error))
    case nil:
      break
    }
    lines += report.notifyFailures.map { ConsoleLine(.warning, "\($0); the decision stands") }
    return lines
  }
}
