import Testing

@testable import Engine

/// `systemctl show` of several units at once, as the dashboard of a box asks it.
@Suite struct ServiceOverviewTests {
  @Test func blocksAreReadInTheOrderTheUnitsWereNamed() throws {
    let units = try ["openems.service", "openems-backend.service", "gone.service"].map(UnitName.init(validating:))
    let timers = try ["websocket-health-check@edge.timer", "websocket-health-check@backend.timer"].map(
      UnitName.init(validating:))
    let text = """
      MainPID=8123
      LoadState=loaded
      ActiveState=active

      MainPID=0
      LoadState=loaded
      ActiveState=failed

      MainPID=0
      LoadState=not-found
      ActiveState=inactive

      LoadState=loaded
      NextElapseUSecRealtime=@1000009

      LoadState=loaded
      NextElapseUSecRealtime=

      """
    let overview = ServiceOverview(showOutput: text, units: units, timers: timers, now: 1_000_000)
    #expect(overview.statuses["openems.service"] == ServiceStatus(mainPID: 8123, activeState: "active"))
    #expect(overview.statuses["openems-backend.service"] == ServiceStatus(mainPID: 0, activeState: "failed"))
    #expect(overview.statuses["gone.service"] == nil, "a unit systemd does not know has no status")
    #expect(overview.nextRuns == ["websocket-health-check@edge.timer": 9])
  }
}
