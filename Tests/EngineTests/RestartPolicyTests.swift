import Testing

@testable import Engine

/// The restart policy as tables of (policy, record, probe, clock) → (decision, new record),
/// driven by a test clock: no sleeps, no files.
@Suite struct RestartPolicyTests {
  static let unit = try! UnitName(validating: "openems.service")
  static let reason = "no reply to the JSON-RPC request within 2 s"

  func context(pid: Int = 8123, at seconds: Double) -> RestartPolicy.Context {
    RestartPolicy.Context(
      unit: Self.unit, pid: pid, now: Moment(seconds: seconds), wallTime: "2026-11-26 03:00:\(Int(seconds) % 60)")
  }

  /// One check: the reference's step for `stored` and the probe, then the policy.
  func check(
    _ policy: RestartPolicy, stored: FailureCounter?, record: RestartRecord = RestartRecord(), pid: Int = 8123,
    healthy: Bool = false, at seconds: Double, threshold: Int = 3
  ) throws -> RestartPolicy.Decision {
    let step = try Watchdog(threshold: threshold).decide(
      stored: stored, pid: pid, probeSucceeded: healthy)
    return policy.afterCheck(
      step, threshold: threshold, reason: Self.reason, record: record, in: context(pid: pid, at: seconds))
  }

  static let armedAt2 = FailureCounter(pid: 8123, count: 2)

  // MARK: Modes

  @Test func autoRestartsAtTheThresholdAndCountsTheRestart() throws {
    let decision = try check(RestartPolicy(mode: .auto), stored: Self.armedAt2, at: 100)
    #expect(decision.outcome == .restart(.threshold(count: 3)))
    #expect(decision.counter == .disarmed(pid: 8123))
    #expect(decision.entries == [.triggered(count: 3, unit: Self.unit, reason: Self.reason)])
    #expect(decision.entries[0].description.hasPrefix("Triggered restart! (fail count: 3) openems.service: "))
    #expect(decision.record.restarts == [Moment(seconds: 100)])
  }

  @Test func dryRunLogsTheReferencesLineAndRestartsNothing() throws {
    let decision = try check(RestartPolicy(mode: .dryRun), stored: Self.armedAt2, at: 100)
    #expect(decision.outcome == .dryRun(count: 3))
    #expect(
      decision.entries.map(\.description) == [
        "Dry run: Triggered restart! (fail count: 3) openems.service: \(Self.reason)"
      ])
    #expect(decision.record.restarts.isEmpty)
  }

  @Test func approveStoresARequestLogsItAndTellsSomebody() throws {
    let decision = try check(RestartPolicy(mode: .approve), stored: Self.armedAt2, at: 100)
    let pending = PendingRestart(
      requestedAt: Moment(seconds: 100), wallTime: "2026-11-26 03:00:40", pid: 8123, count: 3, reason: Self.reason)
    #expect(decision.outcome == .awaitingApproval(pending, isNew: true))
    #expect(decision.record.pending == pending)
    #expect(decision.counter == .disarmed(pid: 8123), "one request per failing episode")
    #expect(
      decision.entries.map(\.description) == [
        "Restart awaiting approval (fail count: 3) openems.service: \(Self.reason)"
      ])
    #expect(decision.events == [RestartEvent(kind: .requested, count: 3, reason: Self.reason)])
    #expect(decision.record.restarts.isEmpty)
  }

  func pendingRecord(pid: Int = 8123, at seconds: Double = 100) -> RestartRecord {
    var record = RestartRecord()
    record.pending = PendingRestart(
      requestedAt: Moment(seconds: seconds), wallTime: "w", pid: pid, count: 3, reason: Self.reason)
    return record
  }

  @Test func aPendingRequestWaitsWhileTheServiceFails() throws {
    let decision = try check(
      RestartPolicy(mode: .approve), stored: .disarmed(pid: 8123), record: pendingRecord(), at: 200)
    #expect(decision.outcome == .awaitingApproval(pendingRecord().pending!, isNew: false))
    #expect(decision.entries.isEmpty)
    #expect(decision.record.pending != nil)
  }

  @Test func theWebSocketAnsweringAgainWithdrawsTheRequest() throws {
    let decision = try check(
      RestartPolicy(mode: .approve), stored: .disarmed(pid: 8123), record: pendingRecord(), healthy: true, at: 200)
    #expect(decision.record.pending == nil)
    #expect(decision.record.lastResolution?.kind == .withdrawn)
    #expect(
      decision.entries.map(\.description) == ["Restart request withdrawn openems.service: the WebSocket answered again"]
    )
    #expect(decision.events.map(\.kind) == [.withdrawn])
    #expect(decision.counter == FailureCounter(pid: 8123, count: 0))
  }

  @Test func aNewMainPIDMakesTheRequestStale() throws {
    let decision = try check(
      RestartPolicy(mode: .approve), stored: .disarmed(pid: 8123), record: pendingRecord(), pid: 9000, at: 200)
    #expect(decision.record.pending == nil)
    #expect(
      decision.entries.map(\.description) == [
        "Restart request withdrawn openems.service: MainPID changed from 8123 to 9000 (restarted by hand?)"
      ])
    #expect(decision.outcome == .none)
  }

  // MARK: Approval timeout

  @Test(arguments: [(false, RestartOutcome.none), (true, .restart(.fallback(count: 3)))])
  func pastTheApprovalTimeoutTheRequestExpiresOrFallsBackToAuto(fallback: Bool, outcome: RestartOutcome) throws {
    let policy = RestartPolicy(mode: .approve, approvalTimeout: .seconds(1800), approvalFallbackRestarts: fallback)
    let early = try check(policy, stored: .disarmed(pid: 8123), record: pendingRecord(at: 100), at: 100 + 1799)
    #expect(early.record.pending != nil)
    let late = try check(policy, stored: .disarmed(pid: 8123), record: pendingRecord(at: 100), at: 100 + 1800)
    #expect(late.record.pending == nil)
    #expect(late.record.lastResolution?.kind == .expired)
    #expect(late.outcome == outcome)
    #expect(late.events.map(\.kind) == [.expired])
    #expect(late.entries.first?.description.hasPrefix("Restart request expired after 30 min openems.service") == true)
  }

  // MARK: A person's decisions

  @Test func approvingRestartsOnceAndSaysWho() throws {
    let alice = Requester(name: "alice", place: "cli")
    let decision = RestartPolicy(mode: .approve).approve(record: pendingRecord(), by: alice, in: context(at: 300))
    #expect(decision.outcome == .restart(.approved(count: 3, by: alice)))
    #expect(decision.record.pending == nil)
    #expect(decision.record.restarts == [Moment(seconds: 300)])
    #expect(decision.entries.map(\.description) == ["Restart approved by alice (cli) (fail count: 3) openems.service"])
    let again = RestartPolicy(mode: .approve).approve(record: decision.record, by: alice, in: context(at: 301))
    #expect(again.outcome == .nothingToDecide(last: decision.record.lastResolution))
    #expect(again.entries.isEmpty)
  }

  @Test func approvingAStaleRequestRestartsNothing() {
    let decision = RestartPolicy(mode: .approve).approve(
      record: pendingRecord(pid: 8123), by: Requester(name: "bob", place: "dashboard"), in: context(pid: 9000, at: 300))
    guard case .nothingToDecide(let last?) = decision.outcome else {
      Issue.record("expected nothing to decide, got \(decision.outcome)")
      return
    }
    #expect(last.kind == .withdrawn)
    #expect(decision.record.restarts.isEmpty)
  }

  @Test func rejectingDropsTheRequestAndRestartsNothing() {
    let bob = Requester(name: "bob", place: "dashboard")
    let decision = RestartPolicy(mode: .approve).reject(record: pendingRecord(), by: bob, in: context(at: 300))
    #expect(decision.outcome == .rejected(pendingRecord().pending!))
    #expect(
      decision.entries.map(\.description) == ["Restart rejected by bob (dashboard) (fail count: 3) openems.service"])
    #expect(decision.record.restarts.isEmpty)
    #expect(decision.events.map(\.kind) == [.rejected])
  }

  @Test func aManualRestartCountsInTheBudgetAndAnswersAPendingRequest() throws {
    let decision = RestartPolicy(mode: .approve, budget: try RestartBudget(maximum: 1, window: .seconds(3600)))
      .manualRestart(record: pendingRecord(), by: Requester(name: "carol", place: "dashboard"), in: context(at: 300))
    #expect(decision.outcome == .restart(.manual(by: Requester(name: "carol", place: "dashboard"))))
    #expect(decision.record.pending == nil)
    #expect(decision.record.restarts == [Moment(seconds: 300)])
  }

  @Test func aFailedRestartDoesNotCountAsOneDone() throws {
    var record = RestartRecord()
    record.restarts = [Moment(seconds: 10), Moment(seconds: 300)]
    let decision = RestartPolicy().restartFailed(
      record: record, at: Moment(seconds: 300), error: "timed out", unit: Self.unit)
    #expect(decision.record.restarts == [Moment(seconds: 10)])
    #expect(decision.entries.map(\.description) == ["Restart failed! openems.service: timed out"])
  }

  // MARK: Budget

  @Test func pastTheBudgetNothingRestartsItIsLoggedOnceAndItResumesWhenTheWindowFrees() throws {
    let policy = RestartPolicy(mode: .auto, budget: try RestartBudget(maximum: 2, window: .seconds(3600)))
    var record = RestartRecord()
    record.restarts = [Moment(seconds: 1000), Moment(seconds: 2000)]
    let first = try check(policy, stored: Self.armedAt2, record: record, at: 3000)
    #expect(
      first.outcome == .budgetExhausted(try RestartBudget(maximum: 2, window: .seconds(3600)), freesIn: .seconds(1600)))
    #expect(
      first.entries.map(\.description) == [
        "Restart budget exhausted (2 within 1 h) openems.service: no restart until the oldest leaves the window"
      ])
    #expect(first.counter == FailureCounter(pid: 8123, count: 2), "counting waits just below the threshold")
    let second = try check(policy, stored: first.counter, record: first.record, at: 3015)
    #expect(second.entries.isEmpty, "logged once, not every tick")
    guard case .budgetExhausted = second.outcome else {
      Issue.record("expected the budget to hold, got \(second.outcome)")
      return
    }
    let freed = try check(policy, stored: second.counter, record: second.record, at: 4600)
    #expect(freed.outcome == .restart(.threshold(count: 3)))
    #expect(freed.record.budgetNoticeGiven == false)
  }

  @Test func approveModeDoesNotAskPastTheBudget() throws {
    let policy = RestartPolicy(mode: .approve, budget: try RestartBudget(maximum: 1, window: .seconds(600)))
    var record = RestartRecord()
    record.restarts = [Moment(seconds: 100)]
    let decision = try check(policy, stored: Self.armedAt2, record: record, at: 200)
    #expect(decision.record.pending == nil)
    guard case .budgetExhausted = decision.outcome else {
      Issue.record("expected the budget to hold, got \(decision.outcome)")
      return
    }
  }

  // MARK: Re-arming

  @Test func theReferencesRuleByDefaultNeverReArms() throws {
    var record = RestartRecord()
    record.restarts = [Moment(seconds: 100)]
    let decision = try check(
      RestartPolicy(mode: .auto), stored: .disarmed(pid: 9000), record: record, pid: 9000, at: 100_000)
    #expect(decision.watchdog == .notArmed(.disarmedAtThreshold))
    #expect(decision.entries.isEmpty)
  }

  @Test func reArmingWaitsLongerEachTimeUpToTheMaximumAndStartsOverAfterTenHealthyMinutes() throws {
    let policy = RestartPolicy(mode: .auto, rearmAfter: .seconds(60), rearmMaximum: .seconds(300))
    // A restart at 0: the first re-arm is due at 60.
    var record = try check(policy, stored: Self.armedAt2, at: 0).record
    #expect(record.rearmAt == Moment(seconds: 60))
    let early = try check(policy, stored: .disarmed(pid: 9000), record: record, pid: 9000, at: 59)
    #expect(early.watchdog == .notArmed(.disarmedAtThreshold))
    let due = try check(policy, stored: .disarmed(pid: 9000), record: record, pid: 9000, at: 60)
    #expect(due.watchdog == .counted(count: 1, threshold: 3))
    #expect(due.counter == FailureCounter(pid: 9000, count: 1))
    #expect(
      due.entries.map(\.description) == [
        "Re-armed openems.service: still failing 1 min after its restart; the next re-arm waits 2 min"
      ])
    // Two more failures restart it again; the next re-arm waits twice as long, then 4×, capped at 5 min.
    record = due.record
    var delays: [Double] = []
    var counter = FailureCounter(pid: 9000, count: 2)
    var now = 100.0
    for _ in 0..<4 {
      let restart = try check(policy, stored: counter, record: record, pid: 9000, at: now)
      #expect(restart.outcome == .restart(.threshold(count: 3)))
      record = restart.record
      delays.append(record.rearmDelay!.inSeconds)
      now += 1000
      counter = FailureCounter(pid: 9000, count: 2)
    }
    #expect(delays == [120, 240, 300, 300])
    // Healthy for 10 minutes: the backoff starts over.
    let healthy = try check(policy, stored: .disarmed(pid: 9000), record: record, pid: 9000, healthy: true, at: now)
    let stillHealthy = try check(
      policy, stored: healthy.counter, record: healthy.record, pid: 9000, healthy: true, at: now + 600)
    #expect(stillHealthy.record.rearmDelay == nil)
    let anotherRestart = try check(
      policy, stored: FailureCounter(pid: 9000, count: 2), record: stillHealthy.record, pid: 9000, at: now + 700)
    #expect(anotherRestart.record.rearmDelay == .seconds(60))
  }

  @Test func reArmAfterZeroReArmsAtOnceAndTheBudgetBoundsTheLoop() throws {
    let policy = RestartPolicy(
      mode: .auto, budget: try RestartBudget(maximum: 2, window: .seconds(3600)), rearmAfter: .zero, rearmMaximum: .zero
    )
    var record = RestartRecord()
    var counter: FailureCounter? = FailureCounter(pid: 1, count: 0)
    var restarts = 0
    for tick in 0..<30 {
      let decision = try check(policy, stored: counter, record: record, pid: 1, at: Double(tick * 15), threshold: 1)
      if case .restart = decision.outcome { restarts += 1 }
      record = decision.record
      counter = decision.counter ?? counter
    }
    #expect(restarts == 2)
  }

  // MARK: The clock

  /// Moments are on the boot clock: a wall clock set back or forward changes nothing, and a
  /// new boot forgets the old one's moments.
  @Test func momentsOfAnotherBootAreForgotten() {
    var record = RestartRecord()
    record.boot = "boot-a"
    record.restarts = [Moment(seconds: 50)]
    record.rearmAt = Moment(seconds: 60)
    record.pending = PendingRestart(requestedAt: Moment(seconds: 40), wallTime: "w", pid: 7, count: 3, reason: "r")
    let now = Moment(seconds: 70)
    #expect(record.onBoot("boot-a", now: now) == record)
    #expect(record.onBoot("BOOTA", now: now) == record, "the same id with other dashes and case")
    let fresh = record.onBoot("boot-b", now: now)
    #expect(fresh.restarts.isEmpty && fresh.rearmAt == nil)
    #expect(fresh.pending?.pid == 7, "kept, so the next check withdraws it as stale and says so")
  }

  /// The timer's runs and a person's runs may not both see the kernel's boot id (the units'
  /// ProcSubset=pid hides it; the units hand systemd's %b over instead): a run that cannot
  /// tell its boot keeps the budget the others keep, and the other way round.
  @Test(arguments: [
    // (stored boot, this run's boot, now, restarts kept)
    ("", "0f3c", 100.0, true),  // written where the id was hidden, read where it is seen
    ("0f3c", "", 100.0, true),  // written where it was seen, read where it is hidden
    ("", "", 100.0, true),
    ("", "0f3c", 30.0, false),  // a restart later than now: another boot's
    ("0f3c", "", 30.0, false),
    ("0f3c", "9a9a", 100.0, false),
  ])
  func aRunThatCannotTellItsBootKeepsTheBudget(stored: String, here: String, now: Double, kept: Bool) {
    var record = RestartRecord()
    record.boot = stored
    record.restarts = [Moment(seconds: 50)]
    let seen = record.onBoot(here, now: Moment(seconds: now))
    #expect(seen.restarts.isEmpty == !kept)
    #expect(seen.boot == (here.isEmpty ? stored : here))
  }

  @Test(arguments: [
    ("3f1c29aa-0d7e-4c4e-9a51-5b1d2c3e4f60\n", "3f1c29aa0d7e4c4e9a515b1d2c3e4f60"),
    ("3F1C29AA0D7E4C4E9A515B1D2C3E4F60", "3f1c29aa0d7e4c4e9a515b1d2c3e4f60"),
    ("not-a-boot-id", ""), ("", ""),
  ])
  func theKernelsAndSystemdsBootIDsReadTheSame(text: String, id: String) {
    #expect(Moment.bootIDText(text) == id)
  }

  @Test func theRecordReadsBackWhatItWrote() throws {
    var record = RestartRecord()
    record.boot = "3f1c"
    record.pending = PendingRestart(
      requestedAt: Moment(seconds: 12.5), wallTime: "2026-11-26 03:00:00.1", pid: 8123, count: 6, reason: "tab\there")
    record.lastResolution = RequestResolution(kind: .rejected, detail: "alice (cli)", wallTime: "2026-11-25 01:00:00")
    record.restarts = [Moment(seconds: 1), Moment(seconds: 2.25)]
    record.budgetNoticeGiven = true
    record.rearmAt = Moment(seconds: 99)
    record.rearmDelay = .seconds(120)
    record.healthySince = Moment(seconds: 7)
    let read = try #require(RestartRecord(fileText: record.fileText))
    var expected = record
    expected.pending?.reason = "tab here"
    #expect(read == expected)
    #expect(RestartRecord(fileText: "garbage\u{0}") == nil)
    #expect(RestartRecord(fileText: "boot\tx\npending\tnot-a-number\t1\t2\tw\tr\n") == nil)
    #expect(RestartRecord(fileText: "boot\tx\nfuture-key\twhatever\n") != nil, "a newer version's keys are skipped")
  }

  @Test(arguments: [("90", 90.0), ("90s", 90), ("5m", 300), ("1h30m", 5400), ("2d", 172_800), ("0", 0), ("1.5m", 90)])
  func durationsReadAsOperatorsWriteThem(text: String, seconds: Double) {
    #expect(DurationSyntax.parse(text)?.inSeconds == seconds)
  }

  @Test(arguments: ["", "soon", "5 mins", "-1", "m", "1x", "inf", "1e99"])
  func nonsenseIsNotADuration(text: String) {
    #expect(DurationSyntax.parse(text) == nil)
  }
}

/// Every trigger-log entry reads back as its own kind, so the dashboard never guesses.
@Suite struct TriggerLogEntryTests {
  static let unit = try! UnitName(validating: "openems.service")
  static let alice = Requester(name: "alice", place: "cli")

  @Test(arguments: [
    TriggerLogEntry.triggered(count: 6, unit: unit, reason: "r"), .dryRun(count: 6, unit: unit, reason: "r"),
    .manualRestart(unit: unit, by: alice), .manualDryRun(count: nil, unit: unit, by: alice, command: "c"),
    .restartFailed(unit: unit, error: "e"), .awaitingApproval(count: 6, unit: unit, reason: "r"),
    .approved(unit: unit, count: 6, by: alice), .rejected(unit: unit, count: 6, by: alice),
    .withdrawn(unit: unit, why: "w"), .expired(unit: unit, after: .seconds(60), restartingInstead: false),
    .budgetExhausted(unit: unit, budget: try! RestartBudget(maximum: 3, window: .seconds(3600))),
    .rearmed(unit: unit, after: .seconds(60), nextDelay: .seconds(120)),
  ])
  func eachLineReadsBackAsItsKind(entry: TriggerLogEntry) {
    #expect(TriggerLogEntry.kind(ofLine: "2026-11-26 03:12:09.482113: \(entry)") == entry.kind)
  }

  @Test func theReferencesOwnLinesAreKnownToo() {
    #expect(TriggerLogEntry.kind(ofLine: "2025-10-02 15:07:24.123456: Triggered restart!") == .restart)
    #expect(
      TriggerLogEntry.kind(ofLine: "2025-10-02 15:07:24.123456: Dry run: Triggered restart! (fail count: 3)") == .dryRun
    )
    #expect(TriggerLogEntry.kind(ofLine: "garbage") == .unknown)
  }
}
