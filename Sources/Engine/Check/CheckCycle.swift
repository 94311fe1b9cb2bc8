/// Everything one check needs to know, from the command line or a config file.
public struct CheckSettings: Sendable {
  public var uri: WebSocketURI
  public var unit: UnitName
  public var watchdog: Watchdog
  public var stateStore: StateStore
  public var triggerLog: TriggerLog

  public init(uri: WebSocketURI, unit: UnitName, watchdog: Watchdog, stateStore: StateStore, triggerLog: TriggerLog) {
    self.uri = uri
    self.unit = unit
    self.watchdog = watchdog
    self.stateStore = stateStore
    self.triggerLog = triggerLog
  }
}

/// What one check found and did.
public struct CheckReport: Sendable {
  public var status: ServiceStatus?
  public var probe: ProbeResult?
  public var decision: WatchdogDecision?
  public var lines: [ConsoleLine] = []
  public var exitStatus: CheckExitStatus = .completed
}

/// One timer tick: ask systemd for the PID, probe, count under the lock, act.
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
    func say(_ kind: ConsoleLine.Kind, _ text: String) {
      let line = ConsoleLine(kind, text)
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
      say(.error, "\(error)")
      report.exitStatus = .ourError
      return report
    }
    let pid = report.status!.mainPID

    let result = probe()
    report.probe = result

    let step: Watchdog.Step
    do {
      step = try settings.stateStore.withLock { content, write in
        if content.isGarbage, case .other(let text) = content {
          say(
            .warning,
            "state file \(settings.stateStore.path) held \"\(Self.printable(text))\", not <pid>:<count>; starting disarmed"
          )
        }
        let step = settings.watchdog.decide(stored: content.counter, pid: pid, probeSucceeded: result.isHealthy)
        if case .trigger(let mode, let count, _) = step.decision {
          // Logged before the state moves on: if the log cannot be written, the counter
          // stays and the next tick tries again, rather than a restart nobody can trace.
          let prefix = mode == .dryRun ? "Dry run: Triggered restart!" : "Triggered restart!"
          try settings.triggerLog.append("\(prefix) (fail count: \(count)) \(unit): \(result.summary)")
        }
        if let counter = step.write { try write(counter) }
        return step
      }
    } catch {
      say(.error, "\(error); nothing was restarted")
      report.exitStatus = .ourError
      return report
    }
    report.decision = step.decision

    switch step.decision {
    case .healthy:
      say(.info, "WebSocket healthy\(result.details)")
    case .notArmed:
      say(
        .watchdog,
        "WebSocket not working, but connection never succeeded for PID \(pid); not counting: \(result.summary)")
    case .counted(let count, let threshold):
      say(.watchdog, "WebSocket not working! (\(count)/\(threshold)): \(result.summary)")
    case .trigger(let mode, let count, let threshold):
      say(.watchdog, "WebSocket not working! (\(count)/\(threshold)): \(result.summary)")
      switch mode {
      case .dryRun:
        say(.watchdog, "Dry run: Triggered restart! (fail count: \(count)); \(unit) was not restarted")
      case .auto:
        say(.watchdog, "Triggered restart! Restarting \(unit)")
        do {
          try serviceManager.restart(unit)
          say(.info, "\(unit) restarted; the watchdog re-arms when its WebSocket answers")
        } catch {
          say(.error, "\(error)")
          report.exitStatus = .restartFailed
          try? settings.triggerLog.append("Restart failed! \(unit): \(error)")
        }
      }
    }
    return report
  }

  /// Garbage from a state file, safe to print on one line.
  private static func printable(_ text: String) -> String {
    String(text.prefix(40).map { $0.isASCII && !$0.isNewline && ($0.asciiValue! >= 32) ? $0 : "?" })
  }
}
