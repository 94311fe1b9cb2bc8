/// The one place that carries out what `RestartPolicy` decides, for the timer's check, the
/// dashboard's keys and the `approve`/`reject` commands alike: under the state directory's lock
/// it reads the counter and the restart record, decides, logs, writes; then, outside the lock
/// (a restart may take 90 s and other checks must not wait that long), it runs
/// `systemctl restart` with its deadline and records how that went; last it tells people
/// (`--notify-command`).
public struct Restarter: Sendable {
  public var unit: UnitName
  public var watchdog: Watchdog
  public var policy: RestartPolicy
  public var stateStore: StateStore
  public var triggerLog: TriggerLog
  public var serviceManager: any ServiceManager
  public var notifier: Notifier?
  /// Evidence kept before a restart at the threshold; `nil` writes none (`incident-report = no`).
  public var incidents: IncidentPlan?
  /// The boot clock and this boot's id; tests give their own.
  public var clock: @Sendable () -> Moment = Moment.now
  public var bootID: @Sendable () -> String = Moment.bootID

  public init(
    unit: UnitName, watchdog: Watchdog, policy: RestartPolicy, stateStore: StateStore, triggerLog: TriggerLog,
    serviceManager: any ServiceManager, notifier: Notifier? = nil
  ) {
    self.unit = unit
    self.watchdog = watchdog
    self.policy = policy
    self.stateStore = stateStore
    self.triggerLog = triggerLog
    self.serviceManager = serviceManager
    self.notifier = notifier
  }

  /// How a decision was carried out.
  public struct Report: Sendable {
    /// The MainPID the decision was made on.
    public var pid: Int
    public var decision: RestartPolicy.Decision
    /// The restart, when the decision asked for one.
    public var restart: RestartResult?
    /// What the state directory held that was not ours to read (a warning each).
    public var warnings: [String] = []
    /// Notify commands that failed; they change no decision.
    public var notifyFailures: [String] = []
    /// Why the trigger log could not take a restart's lines; the restart went ahead.
    public var logFailure: String?
    /// The incident report written at the threshold, or why none could be.
    public var incident: IncidentOutcome?
  }

  public enum IncidentOutcome: Sendable, Equatable {
    case written(path: String, summary: [String])
    /// One warning; the restart went ahead.
    case notWritten(String)

    public var path: String? {
      if case .written(let path, _) = self { return path }
      return nil
    }
  }

  public enum RestartResult: Sendable, Equatable {
    case done
    case failed(String)
  }

  /// After a probe: count, and act at the threshold.
  public func check(pid: Int, probe: ProbeResult) throws -> Report {
    try carryOut(pid: pid, lastProbe: probe, mayReachThreshold: !probe.isHealthy) { counter, record, context in
      let step = watchdog.decide(stored: counter, pid: pid, probeSucceeded: probe.isHealthy)
      var decision = policy.afterCheck(
        step, threshold: watchdog.threshold, reason: probe.summary, record: record, in: context)
      let now = LocalTimestamp.now()
      decision.lastCheck = RestartRecord.LastCheck(
        unixSeconds: now.seconds, healthy: probe.isHealthy, summary: probe.summary)
      decision.checked = CheckHistory.Entry(
        probe, unixMilliseconds: Int64(now.seconds) * 1000 + Int64(now.microseconds / 1000))
      return decision
    }
  }

  /// A person's yes. Like `reject` and `restartNow`, it asks systemd for the MainPID itself,
  /// right before deciding: a request is approved only for the process that failed, never on
  /// a PID a screen read seconds ago (the unit may have been restarted since).
  public func approve(by requester: Requester) throws -> Report {
    try carryOut(pid: currentPID()) { _, record, context in policy.approve(record: record, by: requester, in: context) }
  }

  public func reject(by requester: Requester) throws -> Report {
    try carryOut(pid: currentPID()) { _, record, context in policy.reject(record: record, by: requester, in: context) }
  }

  public func restartNow(by requester: Requester) throws -> Report {
    try carryOut(pid: currentPID()) { _, record, context in
      policy.manualRestart(record: record, by: requester, in: context)
    }
  }

  private func currentPID() throws(ServiceManagerError) -> Int { try serviceManager.status(of: unit).mainPID }

  /// The dashboard's `d`: a dry-run line in the log, nothing else.
  public func dryRun(count: Int?, by requester: Requester) throws(TriggerLogError) {
    let command = serviceManager.restartCommand(for: unit)
    try triggerLog.append(
      TriggerLogEntry.manualDryRun(count: count, unit: unit, by: requester, command: command).description)
  }

  private func carryOut(
    pid: Int, lastProbe: ProbeResult? = nil, mayReachThreshold: Bool = false,
    _ decide: (FailureCounter?, RestartRecord, RestartPolicy.Context) -> RestartPolicy.Decision
  ) throws -> Report {
    let now = clock()
    let context = RestartPolicy.Context(unit: unit, pid: pid, now: now, wallTime: LocalTimestamp.now().description)
    var warnings: [String] = []
    var logFailure: String?
    var incidentPath: String?
    // The evidence is gathered before the lock (it may take seconds, and other checks wait on
    // the lock), when the files say this check reaches the threshold: so the report exists
    // before the request a person may answer, and before the log line that names it.
    var gathered: IncidentReport?
    // Only a failed check can reach it: a healthy one (most of them) reads nothing more.
    if mayReachThreshold, let incidents, let (content, recordContent) = try? stateStore.peekBoth() {
      let record = (recordContent.record ?? RestartRecord()).onBoot(bootID(), now: now)
      let expected = decide(content.counter, record, context)
      if let trigger = Self.incidentTrigger(expected.outcome) {
        gathered = gather(incidents, trigger: trigger, pid: pid, lastProbe: lastProbe, checked: expected.checked)
      }
    }
    var stored: IncidentOutcome?
    let decision = try stateStore.withLock { content, recordContent, write in
      if content.isGarbage, case .other(let text) = content {
        warnings.append(
          "state file \(stateStore.path) held \"\(Self.printable(text))\", not <pid>:<count>; starting disarmed")
      }
      if case .garbage(let text) = recordContent {
        warnings.append(
          "restart record \(stateStore.recordPath) held \"\(Self.printable(text))\"; starting with no pending request or history"
        )
      }
      let record = (recordContent.record ?? RestartRecord()).onBoot(bootID(), now: now)
      var decision = decide(content.counter, record, context)
      // The threshold's own line in the trigger log says where the report is: stored now when
      // it was gathered before the lock; else (another check moved the files meanwhile) it is
      // gathered after the lock, at the path named here.
      if let incidents, let trigger = Self.incidentTrigger(decision.outcome) {
        let path = incidents.shelf.path(for: LocalTimestamp.now())
        incidentPath = path
        if var report = gathered {
          report.trigger = trigger
          stored = store(report, in: incidents, at: path)
          if stored?.path != nil { decision.record.incidentReports += 1 }
        }
        // A report that could not be stored is named by no line; its own line says why.
        if gathered == nil || stored?.path != nil {
          decision.entries = decision.entries.map { $0.naming(report: path) }
        }
      }
      // Logged before the state moves on: if the log cannot be written, the state stays and
      // the next tick tries again, rather than a decision nobody can trace. A restart is the
      // exception: a full disk is a common reason a service wedges, and a log line that
      // cannot be written must not keep it from being restarted; the console says so instead.
      for entry in decision.entries {
        do {
          try triggerLog.append(entry.description)
        } catch {
          guard case .restart = decision.outcome else { throw error }
          logFailure = "\(error)"
          break
        }
      }
      if let counter = decision.counter { try write.counter(counter) }
      // Written whenever it is not what the file holds: changed, new, garbage, another boot's.
      if decision.record != recordContent.record { try write.record(decision.record) }
      // The last check only informs `status`; failing to note it must not hold back a decision.
      if let check = decision.lastCheck { try? write.lastCheck(check) }
      if let entry = decision.checked { try? write.history(entry) }
      return decision
    }
    var report = Report(pid: pid, decision: decision, warnings: warnings, logFailure: logFailure)
    // Before the restart destroys it, bounded by the collector's budget; a report that cannot
    // be written is one warning, and the restart goes ahead.
    report.incident = stored
    if stored == nil, let incidents, let incidentPath,
      let trigger = Self.incidentTrigger(decision.outcome)
    {
      let evidence = gather(incidents, trigger: trigger, pid: pid, lastProbe: lastProbe, checked: nil)
      report.incident = store(evidence, in: incidents, at: incidentPath)
      if report.incident?.path != nil {
        _ = try? stateStore.withLock { _, recordContent, write in
          var record = recordContent.record ?? decision.record
          record.incidentReports += 1
          try write.record(record)
        }
      }
    }
    if case .restart = decision.outcome {
      do {
        try serviceManager.restart(unit)
        report.restart = .done
      } catch {
        report.restart = .failed("\(error)")
        // Not a restart done: taken back from the budget, and logged.
        _ = try? stateStore.withLock { _, recordContent, write in
          let failed = policy.restartFailed(
            record: recordContent.record ?? decision.record, at: now, error: "\(error)", unit: unit)
          try write.record(failed.record)
          for entry in failed.entries { try triggerLog.append(entry.description) }
        }
      }
    }
    if let notifier {
      for event in decision.events {
        var reportPath: String?
        if case .written(let path, _)? = report.incident { reportPath = path }
        if let failure = notifier.tell(event, unit: unit, pid: pid, report: reportPath) {
          report.notifyFailures.append(failure)
        }
      }
    }
    return report
  }

  /// The outcomes that reach the threshold: a report is written for these, once an episode
  /// (an approved or expired request's report was written when it was asked).
  static func incidentTrigger(_ outcome: RestartOutcome) -> String? {
    switch outcome {
    case .restart(.threshold(let count)): "threshold reached (fail count \(count)): restarting"
    case .dryRun(let count): "threshold reached (fail count \(count)), dry run: nothing restarted"
    case .awaitingApproval(let pending, isNew: true):
      "threshold reached (fail count \(pending.count)): restart awaiting a person's approval"
    default: nil
    }
  }

  /// Everything the report holds; `checked` is this check's own entry when the history does
  /// not hold it yet.
  private func gather(
    _ plan: IncidentPlan, trigger: String, pid: Int, lastProbe: ProbeResult?, checked: CheckHistory.Entry?
  ) -> IncidentReport {
    var incident = IncidentReport(
      trigger: trigger, target: plan.target, unit: unit.description, uri: plan.uri, time: LocalTimestamp.now())
    incident.lastProbe = lastProbe?.summary ?? ""
    incident.exchange = lastProbe?.exchange?.lines() ?? []
    if var history = try? stateStore.peekHistory() {
      if let checked { history.append(checked) }
      // The failing run the history ends with, and the good check before it.
      let failing = history.reversed().prefix { !$0.healthy }.count
      incident.episode = Array(history.suffix(min(history.count, failing + 1)).suffix(200))
    }
    plan.collector.collect(into: &incident, unit: unit, pid: pid)
    return incident
  }

  private func store(_ incident: IncidentReport, in plan: IncidentPlan, at path: String) -> IncidentOutcome {
    do {
      try plan.shelf.store(incident, at: path)
      return .written(path: path, summary: incident.summary)
    } catch {
      try? triggerLog.append(TriggerLogEntry.incidentReportMissing(unit: unit, error: "\(error)").description)
      return .notWritten("incident report not written: \(error); the restart goes ahead without it")
    }
  }

  /// Garbage from a file, safe to print on one line.
  static func printable(_ text: String) -> String {
    String(text.prefix(40).map { $0.isASCII && !$0.isNewline && ($0.asciiValue! >= 32) ? $0 : "?" })
  }
}

/// Runs `--notify-command` for each event: argv, never a shell; the event in environment
/// variables; a deadline. Its failure is reported and changes no decision.
public struct Notifier: Sendable {
  public var command: String
  public var timeout: Duration = .seconds(10)
  public var uri: String

  public init(command: String, uri: String) {
    self.command = command
    self.uri = uri
  }

  /// `nil` when the command ran and exited 0; else what went wrong, one line.
  func tell(_ event: RestartEvent, unit: UnitName, pid: Int, report: String? = nil) -> String? {
    // WHC_REPORT: the incident report written at this threshold, empty when none was.
    let environment = [
      "WHC_EVENT=\(event.kind.rawValue)", "WHC_UNIT=\(unit)", "WHC_COUNT=\(event.count)",
      "WHC_REASON=\(event.reason)", "WHC_PID=\(pid)", "WHC_URI=\(uri)", "WHC_REPORT=\(report ?? "")",
    ]
    do {
      let output = try ExternalCommand(arguments: [command], timeout: timeout, environment: environment).run()
      if output.timedOut { return "--notify-command \(command) did not finish within \(DurationText.seconds(timeout))" }
      guard output.status == 0 else {
        let detail = Systemctl.oneLine(output.standardError)
        return "--notify-command \(command) failed (exit \(output.status.map(String.init) ?? "by signal"))"
          + (detail.isEmpty ? "" : ": \(detail)")
      }
      return nil
    } catch {
      switch error {
      case .notFound: return "--notify-command \(command) was not found"
      case .failed(let why): return "--notify-command \(command) could not start: \(why)"
      }
    }
  }
}

/// Where and how a target's incident reports are written.
public struct IncidentPlan: Sendable {
  public var shelf: ReportShelf
  public var collector: EvidenceCollector
  /// NAME, and the URI, named at the report's top.
  public var target: String
  public var uri: String

  public init(shelf: ReportShelf, collector: EvidenceCollector, target: String, uri: String) {
    self.shelf = shelf
    self.collector = collector
    self.target = target
    self.uri = uri
  }
}
