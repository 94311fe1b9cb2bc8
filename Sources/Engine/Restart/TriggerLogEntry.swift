/// Who asked for something, and from where: `alice (dashboard)`.
public struct Requester: Sendable, Equatable, CustomStringConvertible {
  public var name: String
  /// `cli` or `dashboard`.
  public var place: String

  public init(name: String, place: String) {
    self.name = name
    self.place = place
  }

  public var description: String { "\(name) (\(place))" }
}

/// One line of the trigger log, as a value. Renders the reference's exact words where the
/// reference has a line (`Triggered restart!`, `Dry run: Triggered restart! (fail count: N)`),
/// so `grep 'Triggered restart!'` keeps working; ours add the unit and the reason after them.
public enum TriggerLogEntry: Sendable, Equatable, CustomStringConvertible {
  case triggered(count: Int, unit: UnitName, reason: String)
  case dryRun(count: Int, unit: UnitName, reason: String)
  case manualRestart(unit: UnitName, by: Requester)
  case manualDryRun(count: Int?, unit: UnitName, by: Requester, command: String)
  case restartFailed(unit: UnitName, error: String)
  case awaitingApproval(count: Int, unit: UnitName, reason: String)
  case approved(unit: UnitName, count: Int, by: Requester)
  case rejected(unit: UnitName, count: Int, by: Requester)
  case withdrawn(unit: UnitName, why: String)
  case expired(unit: UnitName, after: Duration, restartingInstead: Bool)
  case budgetExhausted(unit: UnitName, budget: RestartBudget)
  case rearmed(unit: UnitName, after: Duration, nextDelay: Duration)
  case incidentReportMissing(unit: UnitName, error: String)

  public var description: String {
    switch self {
    case .triggered(let count, let unit, let reason):
      "Triggered restart! (fail count: \(count)) \(unit): \(reason)"
    case .dryRun(let count, let unit, let reason):
      "Dry run: Triggered restart! (fail count: \(count)) \(unit): \(reason)"
    case .manualRestart(let unit, let by):
      "Triggered restart! (manual, asked by \(by)) \(unit)"
    case .manualDryRun(let count, let unit, let by, let command):
      "Dry run: Triggered restart! (fail count: \(count.map(String.init) ?? "-")) \(unit): manual dry run by \(by); would run: \(command)"
    case .restartFailed(let unit, let error):
      "Restart failed! \(unit): \(error)"
    case .awaitingApproval(let count, let unit, let reason):
      "Restart awaiting approval (fail count: \(count)) \(unit): \(reason)"
    case .approved(let unit, let count, let by):
      "Restart approved by \(by) (fail count: \(count)) \(unit)"
    case .rejected(let unit, let count, let by):
      "Restart rejected by \(by) (fail count: \(count)) \(unit)"
    case .withdrawn(let unit, let why):
      "Restart request withdrawn \(unit): \(why)"
    case .expired(let unit, let after, let restarting):
      "Restart request expired after \(DurationSyntax.text(after)) \(unit)"
        + (restarting ? "; restarting as in auto mode (--approval-fallback auto)" : "; nothing restarted")
    case .budgetExhausted(let unit, let budget):
      "Restart budget exhausted (\(budget.maximum) within \(DurationSyntax.text(budget.window))) \(unit): "
        + "no restart until the oldest leaves the window"
    case .incidentReportMissing(let unit, let error):
      "Incident report not written \(unit): \(error)"
    case .rearmed(let unit, let after, let next):
      "Re-armed \(unit): still failing \(DurationSyntax.text(after)) after its restart; the next re-arm waits "
        + DurationSyntax.text(next)
    }
  }
}

extension TriggerLogEntry {
  /// The threshold's line, naming the incident report written for it: `…: <reason> (incident
  /// report: /var/lib/…/2026-12-02T03-12-09.report)`. The reference's words stay first.
  func naming(report path: String) -> TriggerLogEntry {
    let note = " (incident report: \(path))"
    return switch self {
    case .triggered(let count, let unit, let reason): .triggered(count: count, unit: unit, reason: reason + note)
    case .dryRun(let count, let unit, let reason): .dryRun(count: count, unit: unit, reason: reason + note)
    case .awaitingApproval(let count, let unit, let reason):
      .awaitingApproval(count: count, unit: unit, reason: reason + note)
    default: self
    }
  }

  /// What kind of line a trigger log holds, for faces that show the file other processes
  /// wrote (the dashboard colours by it). Read here, beside the rendering, so no face parses
  /// the log's prose on its own.
  public enum Kind: Sendable, Equatable {
    case restart, dryRun, failed, awaitingApproval, decision, notice, unknown
  }

  public var kind: Kind {
    switch self {
    case .triggered, .manualRestart: .restart
    case .dryRun, .manualDryRun: .dryRun
    case .restartFailed: .failed
    case .awaitingApproval: .awaitingApproval
    case .approved, .rejected, .withdrawn, .expired: .decision
    case .budgetExhausted, .rearmed, .incidentReportMissing: .notice
    }
  }

  /// The kind of a trigger-log line (`2026-11-26 03:12:09.482113: Triggered restart! …`),
  /// ours or the reference's.
  public static func kind(ofLine line: String) -> Kind {
    let message = line.firstRange(of: ": ").map { line[$0.upperBound...] } ?? line[...]
    let prefixes: [(String, Kind)] = [
      ("Triggered restart!", .restart), ("Dry run: Triggered restart!", .dryRun), ("Restart failed!", .failed),
      ("Restart awaiting approval", .awaitingApproval), ("Restart approved", .decision),
      ("Restart rejected", .decision), ("Restart request withdrawn", .decision), ("Restart request expired", .decision),
      ("Restart budget exhausted", .notice), ("Re-armed", .notice), ("Incident report not written", .notice),
    ]
    return prefixes.first { message.hasPrefix($0.0) }?.1 ?? .unknown
  }
}
