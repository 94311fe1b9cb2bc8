/// At most `maximum` restarts within `window`, as Monit's "N restarts within M cycles" and
/// systemd's `StartLimitBurst=`/`StartLimitIntervalSec=`.
public struct RestartBudget: Sendable, Equatable {
  public var maximum: Int
  public var window: Duration

  public init(maximum: Int, window: Duration) throws(ConfigurationError) {
    guard maximum >= 1 else {
      throw ConfigurationError("--max-restarts \(maximum) is below 1; give how many restarts the window allows")
    }
    guard window > .zero else {
      throw ConfigurationError("--within must be longer than 0, e.g. --within 1h")
    }
    self.maximum = maximum
    self.window = window
  }
}

/// Something a person may want to hear about at once (`--notify-command`).
public struct RestartEvent: Sendable, Equatable {
  public enum Kind: String, Sendable {
    case requested, approved, rejected, withdrawn, expired
  }

  public var kind: Kind
  public var count: Int
  public var reason: String
}

/// Why a restart is to be carried out now.
public enum RestartCause: Sendable, Equatable {
  /// The threshold, in auto mode.
  case threshold(count: Int)
  /// A person approved the pending request.
  case approved(count: Int, by: Requester)
  /// A person asked for it directly (the dashboard's `R`).
  case manual(by: Requester)
  /// The request expired and `--approval-fallback auto` restarts as auto mode would.
  case fallback(count: Int)
}

/// What the policy decided, for every face to render in its own way.
public enum RestartOutcome: Sendable, Equatable {
  /// Nothing about restarts this time.
  case none
  /// Carry out a restart.
  case restart(RestartCause)
  /// The threshold in dry-run mode: logged, nothing restarted.
  case dryRun(count: Int)
  /// A request waits for a person (new this run, or still waiting).
  case awaitingApproval(PendingRestart, isNew: Bool)
  /// The budget is spent; a restart is possible again in `freesIn`.
  case budgetExhausted(RestartBudget, freesIn: Duration)
  /// Approve or reject found no request; the last one ended so.
  case nothingToDecide(last: RequestResolution?)
  case rejected(PendingRestart)
}

/// What happens at the threshold and after: modes, approval, budget, re-arming. A value with no
/// I/O: given the reference's counter step, the record of past restarts and the time, it says
/// what to write, what to log, whom to tell and whether to restart. `Restarter` carries it out.
public struct RestartPolicy: Sendable, Equatable {
  public var mode: RestartMode
  public var budget: RestartBudget?
  /// `nil`: the reference's rule (disarmed after a restart until a probe succeeds).
  public var rearmAfter: Duration?
  public var rearmMaximum: Duration
  /// Healthy this long, the re-arm backoff starts over (as Kubernetes does for crash loops).
  public var healthyReset: Duration
  public var approvalTimeout: Duration?
  /// Past the approval timeout, restart as in auto mode instead of letting the request expire.
  public var approvalFallbackRestarts: Bool

  public init(
    mode: RestartMode = .auto, budget: RestartBudget? = nil, rearmAfter: Duration? = nil,
    rearmMaximum: Duration = .seconds(300), healthyReset: Duration = .seconds(600), approvalTimeout: Duration? = nil,
    approvalFallbackRestarts: Bool = false
  ) {
    self.mode = mode
    self.budget = budget
    self.rearmAfter = rearmAfter
    self.rearmMaximum = rearmMaximum
    self.healthyReset = healthyReset
    self.approvalTimeout = approvalTimeout
    self.approvalFallbackRestarts = approvalFallbackRestarts
  }

  /// Everything one decision changes.
  public struct Decision: Sendable, Equatable {
    /// The reference's decision, adjusted where a re-arm counted a failure.
    public var watchdog: WatchdogDecision?
    /// What to write to the `<pid>:<count>` file; `nil` leaves it.
    public var counter: FailureCounter?
    public var record: RestartRecord
    public var outcome: RestartOutcome = .none
    public var entries: [TriggerLogEntry] = []
    public var events: [RestartEvent] = []
    /// After a check: when it ran and what it found, for `status`.
    public var lastCheck: RestartRecord.LastCheck?
    /// After a check: the line the check history gets.
    public var checked: CheckHistory.Entry?
  }

  /// Where and when a decision is made: the service's MainPID, the unit, the time.
  public struct Context: Sendable, Equatable {
    public var unit: UnitName
    public var pid: Int
    public var now: Moment
    public var wallTime: String

    public init(unit: UnitName, pid: Int, now: Moment, wallTime: String) {
      self.unit = unit
      self.pid = pid
      self.now = now
      self.wallTime = wallTime
    }
  }

  // MARK: After a check

  /// After a check: the reference's `step` for this probe, then this policy on top.
  public func afterCheck(
    _ step: Watchdog.Step, threshold: Int, reason: String, record: RestartRecord, in context: Context
  ) -> Decision {
    var decision = Decision(watchdog: step.decision, counter: step.write, record: record)
    withdrawIfStale(&decision, context)
    let now = context.now
    switch step.decision {
    case .healthy:
      if let pending = decision.record.pending {
        resolve(&decision, pending, .withdrawn, "the WebSocket answered again", context)
        decision.entries.append(.withdrawn(unit: context.unit, why: "the WebSocket answered again"))
      }
      decision.record.rearmAt = nil
      let since = decision.record.healthySince ?? now
      decision.record.healthySince = since
      if now - since >= healthyReset { decision.record.rearmDelay = nil }
    case .notArmed:
      decision.record.healthySince = nil
      if let pending = decision.record.pending {
        waitOrExpire(&decision, pending, context)
      } else if rearmAfter != nil, let at = decision.record.rearmAt, now >= at {
        rearm(&decision, threshold: threshold, reason: reason, context)
      }
    case .counted:
      decision.record.healthySince = nil
    case .trigger(let count, _):
      decision.record.healthySince = nil
      atThreshold(&decision, count: count, threshold: threshold, reason: reason, context)
    }
    return decision
  }

  private func withdrawIfStale(_ decision: inout Decision, _ context: Context) {
    guard let pending = decision.record.pending, pending.pid != context.pid else { return }
    let why = "MainPID changed from \(pending.pid) to \(context.pid) (restarted by hand?)"
    resolve(&decision, pending, .withdrawn, why, context)
    decision.entries.append(.withdrawn(unit: context.unit, why: why))
  }

  private func resolve(
    _ decision: inout Decision, _ pending: PendingRestart, _ kind: RequestResolution.Kind, _ detail: String,
    _ context: Context
  ) {
    decision.record.pending = nil
    decision.record.lastResolution = RequestResolution(kind: kind, detail: detail, wallTime: context.wallTime)
    let eventKind: RestartEvent.Kind =
      switch kind {
      case .approved: .approved
      case .rejected: .rejected
      case .withdrawn: .withdrawn
      case .expired: .expired
      }
    decision.events.append(RestartEvent(kind: eventKind, count: pending.count, reason: pending.reason))
  }

  private func waitOrExpire(_ decision: inout Decision, _ pending: PendingRestart, _ context: Context) {
    guard let timeout = approvalTimeout, context.now - pending.requestedAt >= timeout else {
      decision.outcome = .awaitingApproval(pending, isNew: false)
      return
    }
    resolve(&decision, pending, .expired, "no answer within \(DurationSyntax.text(timeout))", context)
    decision.entries.append(.expired(unit: context.unit, after: timeout, restartingInstead: approvalFallbackRestarts))
    if approvalFallbackRestarts {
      decision.entries.append(.triggered(count: pending.count, unit: context.unit, reason: pending.reason))
      restart(&decision, .fallback(count: pending.count), context)
    }
  }

  private func rearm(_ decision: inout Decision, threshold: Int, reason: String, _ context: Context) {
    let delay = decision.record.rearmDelay ?? rearmAfter ?? .zero
    let next = min(delay * 2, rearmMaximum)
    decision.entries.append(.rearmed(unit: context.unit, after: delay, nextDelay: next))
    decision.record.rearmAt = nil
    // Armed again at 0, and this probe's failure counts.
    if threshold <= 1 {
      decision.watchdog = .trigger(count: 1, threshold: threshold)
      decision.counter = .disarmed(pid: context.pid)
      atThreshold(&decision, count: 1, threshold: threshold, reason: reason, context)
    } else {
      decision.watchdog = .counted(count: 1, threshold: threshold)
      decision.counter = FailureCounter(pid: context.pid, count: 1)
    }
  }

  private func atThreshold(
    _ decision: inout Decision, count: Int, threshold: Int, reason: String, _ context: Context
  ) {
    if mode == .dryRun {
      decision.entries.append(.dryRun(count: count, unit: context.unit, reason: reason))
      decision.outcome = .dryRun(count: count)
      return
    }
    if let budget {
      let recent = decision.record.restarts.filter { context.now - $0 < budget.window }
      if recent.count >= budget.maximum {
        // Counting goes on just below the threshold, so the first failure after the window
        // frees up restarts.
        decision.counter = FailureCounter(pid: context.pid, count: max(0, threshold - 1))
        if !decision.record.budgetNoticeGiven {
          decision.entries.append(.budgetExhausted(unit: context.unit, budget: budget))
          decision.record.budgetNoticeGiven = true
        }
        decision.outcome = .budgetExhausted(
          budget, freesIn: (recent.first ?? context.now) + budget.window - context.now)
        return
      }
    }
    if mode == .approve {
      let pending = PendingRestart(
        requestedAt: context.now, wallTime: context.wallTime, pid: context.pid, count: count, reason: reason)
      decision.record.pending = pending
      decision.entries.append(.awaitingApproval(count: count, unit: context.unit, reason: reason))
      decision.events.append(RestartEvent(kind: .requested, count: count, reason: reason))
      decision.outcome = .awaitingApproval(pending, isNew: true)
      return
    }
    decision.entries.append(.triggered(count: count, unit: context.unit, reason: reason))
    restart(&decision, .threshold(count: count), context)
  }

  /// A restart to carry out: counted in the budget now (taken back if it fails) and, with
  /// `--rearm-after`, a re-arm scheduled.
  private func restart(_ decision: inout Decision, _ cause: RestartCause, _ context: Context) {
    decision.outcome = .restart(cause)
    decision.record.restartsDone += 1
    decision.record.restarts = Array((decision.record.restarts + [context.now]).suffix(RestartRecord.historyLimit))
    decision.record.budgetNoticeGiven = false
    decision.record.healthySince = nil
    if let rearmAfter {
      let delay = decision.record.rearmDelay.map { min($0 * 2, rearmMaximum) } ?? rearmAfter
      decision.record.rearmDelay = delay
      decision.record.rearmAt = context.now + delay
    }
  }

  // MARK: A person's decisions

  /// `approve`: restarts once when a request is pending for the current MainPID.
  public func approve(record: RestartRecord, by requester: Requester, in context: Context) -> Decision {
    var decision = Decision(watchdog: nil, counter: nil, record: record)
    withdrawIfStale(&decision, context)
    guard let pending = decision.record.pending else {
      decision.outcome = .nothingToDecide(last: decision.record.lastResolution)
      return decision
    }
    resolve(&decision, pending, .approved, "\(requester)", context)
    decision.entries.append(.approved(unit: context.unit, count: pending.count, by: requester))
    decision.counter = .disarmed(pid: context.pid)
    restart(&decision, .approved(count: pending.count, by: requester), context)
    return decision
  }

  /// `reject`: drops the pending request; nothing is restarted.
  public func reject(record: RestartRecord, by requester: Requester, in context: Context) -> Decision {
    var decision = Decision(watchdog: nil, counter: nil, record: record)
    withdrawIfStale(&decision, context)
    guard let pending = decision.record.pending else {
      decision.outcome = .nothingToDecide(last: decision.record.lastResolution)
      return decision
    }
    resolve(&decision, pending, .rejected, "\(requester)", context)
    decision.entries.append(.rejected(unit: context.unit, count: pending.count, by: requester))
    decision.outcome = .rejected(pending)
    return decision
  }

  /// The dashboard's `R`: a person's restart. Not held back by the budget, but counted in it;
  /// it answers a pending request too.
  public func manualRestart(record: RestartRecord, by requester: Requester, in context: Context) -> Decision {
    var decision = Decision(watchdog: nil, counter: .disarmed(pid: context.pid), record: record)
    if let pending = decision.record.pending {
      resolve(&decision, pending, .approved, "\(requester), by restarting", context)
    }
    decision.entries.append(.manualRestart(unit: context.unit, by: requester))
    restart(&decision, .manual(by: requester), context)
    return decision
  }

  /// After `systemctl restart` failed: it does not count as a restart done.
  public func restartFailed(record: RestartRecord, at moment: Moment, error: String, unit: UnitName) -> Decision {
    var decision = Decision(watchdog: nil, counter: nil, record: record)
    if let index = decision.record.restarts.lastIndex(of: moment) {
      decision.record.restarts.remove(at: index)
      decision.record.restartsDone = max(0, decision.record.restartsDone - 1)
    }
    decision.record.restartsFailed += 1
    decision.entries.append(.restartFailed(unit: unit, error: error))
    return decision
  }
}
