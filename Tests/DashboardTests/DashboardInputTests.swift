import Engine
import Testing

@testable import Dashboard

/// Keys to actions, as a table, with no terminal.
@Suite struct DashboardInputTests {
  func press(_ keys: [DashboardKey], on model: inout DashboardModel) -> [DashboardAction] {
    keys.compactMap { DashboardInput.handle($0, model: &model, pageSize: 10) }
  }

  @Test(arguments: [
    (DashboardKey.character("q"), DashboardAction.quit), (.quit, .quit),
    (.character("p"), .runCheck), (.character("d"), .dryRunRestart),
  ])
  func keyActs(key: DashboardKey, action: DashboardAction) {
    var model = DashboardFixtures.healthy()
    #expect(press([key], on: &model) == [action])
  }

  @Test func restartAsksFirstAndShowsTheCommand() {
    var model = DashboardFixtures.healthy()
    #expect(press([.character("R")], on: &model).isEmpty)
    #expect(model.overlay == .confirmRestart(command: "systemctl restart -- openems.service"))
    #expect(press([.character("y")], on: &model) == [.restart])
    #expect(model.overlay == .none)
  }

  @Test(arguments: [DashboardKey.escape, .character("n"), .character("q"), .character("p")])
  func anythingButYesCancelsTheRestart(key: DashboardKey) {
    var model = DashboardFixtures.healthy()
    _ = press([.character("R")], on: &model)
    #expect(press([key], on: &model).isEmpty, "no restart, no quit, no check")
    #expect(model.overlay == .none)
    #expect(model.status?.text == "restart cancelled; nothing was done")
  }

  static let pending = PendingRestart(
    requestedAt: Moment(seconds: 10), wallTime: "2026-11-26 03:12:09.482113", pid: 8123, count: 6,
    reason: "no reply to the JSON-RPC request within 10 s")

  @Test(arguments: [
    (DashboardKey.character("y"), [DashboardAction.approve], "nothing"),
    (.character("n"), [.reject], "nothing"),
    (.escape, [], "the restart request stays pending; A decides"),
    (.character("q"), [], "the restart request stays pending; A decides"),
  ])
  func approvalAsksYesNoOrLeavesItPending(key: DashboardKey, actions: [DashboardAction], status: String) {
    var model = DashboardFixtures.healthy()
    model.pendingRestart = Self.pending
    #expect(press([.character("A")], on: &model).isEmpty)
    #expect(model.overlay == .confirmApproval(Self.pending, command: "systemctl restart -- openems.service"))
    #expect(press([key], on: &model) == actions)
    #expect(model.overlay == .none)
    if actions.isEmpty { #expect(model.status?.text == status) }
  }

  @Test func approveWithNothingPendingSaysSo() {
    var model = DashboardFixtures.healthy()
    #expect(press([.character("A"), .character("y")], on: &model).isEmpty)
    #expect(model.status?.text == "no restart is awaiting approval")
  }

  @Test func readonlyApprovalSaysWhyAndGivesTheCommand() {
    var model = DashboardFixtures.healthy(readonly: true)
    model.pendingRestart = Self.pending
    #expect(press([.character("A"), .character("y")], on: &model).isEmpty)
    #expect(model.overlay == .none)
    #expect(
      model.status?.text.hasPrefix("read-only dashboard (--readonly): approve with: websocket-health-check approve ")
        == true)
  }

  @Test func readonlyNeverOffersARestart() {
    var model = DashboardFixtures.healthy(readonly: true)
    #expect(press([.character("R"), .character("y")], on: &model).isEmpty)
    #expect(model.overlay == .none)
  }

  @Test func helpOpensWithQuestionMarkOrF1AndAnyKeyClosesIt() {
    var model = DashboardFixtures.healthy()
    _ = press([.help], on: &model)
    #expect(model.overlay == .help)
    #expect(press([.character("q")], on: &model).isEmpty, "q closes help first, it does not quit")
    #expect(model.overlay == .none)
    _ = press([.character("?")], on: &model)
    #expect(model.overlay == .help)
  }

  @Test func logScrollsWithinItsLinesAndEndFollowsAgain() {
    var model = DashboardFixtures.healthy()
    model.logLines = (1...30).map { "line \($0)" }
    _ = press([.up, .up], on: &model)
    #expect(model.logScroll == 2)
    _ = press([.pageUp, .pageUp, .pageUp, .pageUp], on: &model)
    #expect(model.logScroll == 29, "never past the oldest line")
    _ = press([.pageDown], on: &model)
    #expect(model.logScroll == 19)
    _ = press([.end], on: &model)
    #expect(model.logScroll == 0)
    _ = press([.home], on: &model)
    #expect(model.logScroll == 29)
  }

  @Test func aSecondCheckWaitsForTheFirst() {
    var model = DashboardFixtures.healthy()
    model.checkRunning = true
    #expect(press([.character("p")], on: &model).isEmpty)
  }

  @Test func demoKeysOnlyInTheDemo() {
    var model = DashboardFixtures.healthy()
    #expect(press([.character("h")], on: &model).isEmpty)
    model.target.isDemo = true
    #expect(
      press([.character("h"), .character("x"), .character("n")], on: &model) == [
        .demo("hung"), .demo("refusing"), .demo("healthy"),
      ])
  }
}

@Suite struct LatencyWindowTests {
  @Test func statisticsCoverHealthyProbesOnly() {
    var window = LatencyWindow(span: 60)
    for (index, ms) in [5, 1, 3, 2, 4].enumerated() {
      window.add(DashboardFixtures.healthyResult(Int64(ms * 1000)), at: Double(index))
    }
    window.add(DashboardFixtures.timedOut, at: 5)
    let statistics = window.statistics
    #expect(statistics?.minimum == 1)
    #expect(statistics?.median == 3)
    #expect(statistics?.maximum == 5)
    #expect(window.failures == 1)
  }

  @Test func oldSamplesAgeOut() {
    var window = LatencyWindow(span: 10)
    window.add(DashboardFixtures.healthyResult(9000), at: 0)
    window.add(DashboardFixtures.healthyResult(1000), at: 11)
    #expect(window.samples.count == 1)
    #expect(window.statistics?.maximum == 1)
  }
}
