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
