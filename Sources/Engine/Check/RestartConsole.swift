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

  /// Why a failure is not counted, in the words after "WebSocket not working, ".
  static func notCounting(_ why: NotArmed, pid: Int) -> String {
    switch why {
    case .neverAnswered: "but connection never succeeded for PID \(pid); not counting"
    case .disarmedAtThreshold:
      "not counting: disarmed for PID \(pid) since the threshold was reached; counting resumes when it answers again"
    case .replacedAfterThreshold:
      "not counting: PID \(pid) replaced the one restarted at the threshold; counting starts when it answers"
    }
  }

  public func lines(for report: Restarter.Report) -> [ConsoleLine] {
    var lines = report.warnings.map { ConsoleLine(.warning, $0) }
    let unit = settings.unit
    let decision = report.decision
    let summary = probe?.summary ?? ""
    switch decision.watchdog {
    case .healthy?:
      lines.append(ConsoleLine(.info, "WebSocket healthy\(probe?.details ?? "")"))
    case .notArmed(let why)?:
      if case .awaitingApproval = decision.outcome {
        lines.append(ConsoleLine(.watchdog, "WebSocket not working: \(summary)"))
      } else {
        lines.append(ConsoleLine(.watchdog, "WebSocket not working, \(Self.notCounting(why, pid: pid)): \(summary)"))
      }
    case .counted(let count, let threshold)?, .trigger(let count, let threshold)?:
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
    switch report.incident {
    case .written(let path, let summary)?:
      // One journal line; the summary's first line repeats the trigger the lines above say.
      lines.append(
        ConsoleLine(
          .watchdog, "Incident report \(path): " + summary.dropFirst().joined(separator: "; "), urgent: true))
    case .notWritten(let why)?:
      lines.append(ConsoleLine(.warning, why))
    case nil:
      break
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
