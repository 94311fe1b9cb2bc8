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
  /// The timer that runs this target's checks: `websocket-health-check@NAME.timer` for
  /// `NAME.conf`, else the plain `websocket-health-check.timer`.
  public var timer: UnitName
  /// Incident reports at the threshold; `nil` writes none.
  public var incidents: IncidentPlan?

  public init(
    uri: WebSocketURI, unit: UnitName, watchdog: Watchdog, stateStore: StateStore, triggerLog: TriggerLog,
    policy: RestartPolicy = RestartPolicy(mode: .auto), notifier: Notifier? = nil,
    restartTimeout: Duration = .seconds(90),
    approveCommand: String? = nil, rejectCommand: String? = nil, name: String? = nil, metricsFile: MetricsFile? = nil,
    timer: UnitName? = nil, incidents: IncidentPlan? = nil
  ) {
    self.uri = uri
    self.unit = unit
    self.watchdog = watchdog
    self.stateStore = stateStore
    self.triggerLog = triggerLog
    self.policy = policy
    self.notifier = notifier
    self.restartTimeout = restartTimeout
    let target = "\(uri) \(unit) --state-file \(stateStore.path)"
    self.approveCommand = approveCommand ?? "websocket-health-check approve \(target)"
    self.rejectCommand = rejectCommand ?? "websocket-health-check reject \(target)"
    self.name = name ?? unit.description
    self.metricsFile = metricsFile
    self.timer = timer ?? TargetDirectory.plainTimer
    self.incidents = incidents
  }

  /// The one owner of restarts for this target.
  public func restarter(_ serviceManager: any ServiceManager) -> Restarter {
    var restarter = Restarter(
      unit: unit, watchdog: watchdog, policy: policy, stateStore: stateStore, triggerLog: triggerLog,
      serviceManager: serviceManager, notifier: notifier)
    restarter.incidents = incidents
    return restarter
  }
}

/// A probe a check has started: wait for its result, or give it up. Kept apart from SwiftNIO,
/// like the rest of the check's decisions (the fuzzers build them without it).
public struct StartedProbe: Sendable {
  public let wait: @Sendable () -> ProbeResult
  public let abandon: @Sendable () -> Void

  public init(wait: @escaping @Sendable () -> ProbeResult, abandon: @escaping @Sendable () -> Void) {
    self.wait = wait
    self.abandon = abandon
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

/// One timer tick: ask systemd for the PID while the probe runs, then let the restart policy
/// count and act.
///
/// The same code runs for the timer, the dashboard's `p` key and a manual run, so what an
/// operator tries by hand is what the timer does.
public struct CheckCycle: Sendable {
  public let settings: CheckSettings
  private let startProbe: @Sendable () -> StartedProbe
  private let serviceManager: any ServiceManager

  /// - Parameters:
  ///   - serviceManager: `Systemctl()` outside tests.
  ///   - startProbe: starts the target's probe (it has its own deadline); `Probe` makes one
  ///     with `CheckCycle(settings:serviceManager:probe:)`.
  public init(
    settings: CheckSettings, serviceManager: any ServiceManager, startProbe: @escaping @Sendable () -> StartedProbe
  ) {
    self.settings = settings
    self.startProbe = startProbe
    self.serviceManager = serviceManager
  }

  /// Runs the check; `emit` receives each console line as it happens.
  public func run(emit: (ConsoleLine) -> Void = { _ in }) -> CheckReport {
    var report = CheckReport()
    func say(_ line: ConsoleLine) {
      report.lines.append(line)
      emit(line)
    }
    // Our own error ended the check before anything was counted.
    func stopped(_ message: String) -> CheckReport {
      report.error = message
      say(ConsoleLine(.error, message))
      report.exitStatus = .ourError
      return report
    }
    let unit = settings.unit

    // Our own errors first, before anything is probed or counted. A log that cannot take a
    // line is said on every run, but holds no restart back: the restart would go ahead
    // without its line anyway (exit 6).
    do {
      try settings.triggerLog.prepare()
    } catch {
      say(ConsoleLine(.warning, "\(error); a restart that is due still happens, without its log line"))
    }
    do {
      try settings.stateStore.prepare()
    } catch {
      return stopped("\(error)")
    }
    // systemd's answer and the probe's take about as long (a few ms on a healthy box), so they
    // overlap. When systemd cannot say the PID, the probe's connection is closed at once and
    // nothing is counted.
    let running = startProbe()
    do {
      report.status = try serviceManager.status(of: unit)
    } catch {
      running.abandon()
      return stopped("\(error)")
    }
    let pid = report.status!.mainPID

    let result = running.wait()
    report.probe = result
    if let failure = result.failure, failure.isOnThisBox {
      // What kept the probe from being made lies here, and a restart of the service cannot
      // cure it: our error, nothing counted.
      return stopped("\(failure); nothing was counted")
    }

    let carried: Restarter.Report
    do {
      carried = try settings.restarter(serviceManager).check(pid: pid, probe: result)
    } catch {
      return stopped("\(error); nothing was restarted")
    }
    report.restart = carried
    report.decision = carried.decision.watchdog
    let rendering = RestartConsole(settings: settings, pid: pid, probe: result)
    for line in rendering.lines(for: carried) { say(line) }
    if carried.logFailure != nil { report.exitStatus = .triggerLogFailed }
    if case .failed = carried.restart { report.exitStatus = .restartFailed }
    if let metrics = settings.metricsFile {
      // Whether the timer will run the next check: one more question to systemd, only for
      // the metrics (a failure to ask leaves those lines out).
      var figures = snapshot(of: carried, probe: result)
      let systemd = try? serviceManager.overview(units: [], timers: [settings.timer])
      figures.timer = systemd?.timers[settings.timer.description]
      do {
        try metrics.write(figures)
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
    var snapshot = MetricsSnapshot(
      target: settings.name, unit: settings.unit.description, probe: probe, failcount: count,
      threshold: settings.watchdog.threshold, armed: count >= 0, restartPending: decision.record.pending != nil,
      budgetExhausted: exhausted, restartsDone: done, restartsFailed: failed,
      checkedAtUnixSeconds: Double(decision.lastCheck?.unixSeconds ?? LocalTimestamp.now().seconds))
    snapshot.incidentReports = decision.record.incidentReports
    return snapshot
  }
}
