import Engine

/// The status line after a check or a person's decision, from the typed outcome.
enum DashboardStatus {
  static func after(_ report: CheckReport, settings: CheckSettings, prefix: String) -> DashboardModel.StatusMessage {
    if let restart = report.restart { return after(restart, settings: settings, prefix: prefix, probe: report.probe) }
    return .init(text: "\(prefix): \(report.error ?? "done")", tone: .failing)
  }

  static func after(
    _ report: Restarter.Report, settings: CheckSettings, prefix: String? = nil, probe: ProbeResult? = nil
  ) -> DashboardModel.StatusMessage {
    let unit = settings.unit
    let lead = prefix.map { "\($0): " } ?? ""
    if case .failed(let error)? = report.restart { return .init(text: lead + error, tone: .failing) }
    let text: String
    var tone: CellStyle.Tone = .plain
    switch report.decision.outcome {
    case .restart(let cause):
      tone = .ok
      switch cause {
      case .threshold(let count): text = "threshold reached (fail count \(count)): \(unit) restarted"
      case .approved(_, let by): text = "approved by \(by): \(unit) restarted"
      case .manual(let by): text = "\(unit) restarted (asked by \(by))"
      case .fallback: text = "approval timed out: \(unit) restarted as in auto mode"
      }
    case .dryRun(let count):
      text = "dry run at the threshold (fail count \(count)): logged, nothing restarted"
      tone = .warning
    case .awaitingApproval(let pending, _):
      text = "restart awaiting approval (fail count \(pending.count)): press A"
      tone = .warning
    case .budgetExhausted(let budget, let freesIn):
      text =
        "restart budget spent (\(budget.maximum) within \(DurationSyntax.text(budget.window))); next possible in \(DurationSyntax.text(freesIn))"
      tone = .failing
    case .nothingToDecide(let last):
      text = "no restart is awaiting approval" + (last.map { "; the last request was \($0)" } ?? "")
    case .rejected:
      text = "restart rejected; nothing restarted"
    case .none:
      switch report.decision.watchdog {
      case .healthy?:
        text = "healthy" + (probe?.details ?? "")
        tone = .ok
      case .notArmed(let why)?:
        let reason =
          switch why {
          case .neverAnswered: "never worked for this PID"
          case .disarmedAtThreshold: "disarmed since the threshold; counts again once it answers"
          case .replacedAfterThreshold: "a new PID since the restart; counts once it answers"
          }
        text = "not working, not counted (\(reason)): \(probe?.summary ?? "")"
      case .counted(let count, let threshold)?:
        text = "not working (\(count)/\(threshold)): \(probe?.summary ?? "")"
        tone = .warning
      default: text = "done"
      }
    }
    return .init(text: lead + text, tone: tone)
  }
}
