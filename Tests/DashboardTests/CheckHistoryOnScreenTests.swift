import Engine
import Foundation
import TestPeers
import Testing

@testable import Dashboard

/// The past is there the moment a screen opens: twenty timer runs of the real binary, then
/// `status` and a freshly opened dashboard say since when the service fails, and how often.
@Suite struct CheckHistoryOnScreenTests {
  @Test func twentyTimerRunsShowAsFailingSinceInStatusAndTheDashboard() throws {
    let server = try WebSocketTestServer(.healthy)
    let sandbox = try CommandSandbox()
    let uri = "ws://127.0.0.1:\(server.port)/"
    #expect(try sandbox.check(uri).status == 0)
    server.stop()
    let down = "ws://127.0.0.1:\(try closedPort())/"
    let threshold = ["--threshold", "50"]
    var first: Int64?
    for run in 0..<20 {
      let outcome = try sandbox.check(down, threshold)
      #expect(outcome.status == 0, "\(outcome.lines)")
      if run == 0 { first = try StateStore(path: sandbox.statePath).peekHistory().last?.unixMilliseconds }
    }
    let firstFailure = try #require(first)
    let since = LocalTimestamp(seconds: Int(firstFailure / 1000), microseconds: 0).timeOfDay
    let history = try StateStore(path: sandbox.statePath).peekHistory()
    #expect(history.count == 21)
    #expect(history.first?.healthy == true && history.dropFirst().allSatisfy { !$0.healthy })
    #expect(history.last?.reason.hasPrefix("connection refused") == true, "\(history.last?.reason ?? "")")

    let status = try sandbox.run(
      ["status", down, "openems.service", "--state-file", sandbox.statePath, "--log-file", sandbox.logPath] + threshold)
    #expect(status.standardOutput.contains("failing since \(since) (20 checks)"), "\(status.lines)")

    // A dashboard opened now reads the same history before its first probe.
    let settings = CheckSettings(
      uri: try WebSocketURI(parsing: down), unit: try UnitName(validating: "openems.service"),
      watchdog: try Watchdog(threshold: 50), stateStore: try StateStore(path: sandbox.statePath),
      triggerLog: try TriggerLog(path: sandbox.logPath))
    var model = DashboardModel(
      target: DashboardModel.Target(settings: settings, interval: 1, restartCommand: "systemctl restart -- x"))
    var files = TargetFiles(settings: settings)
    let opened = files.refresh(&model)
    #expect(opened)
    let frame = DashboardView(model: model, glyphs: .unicode).render(width: 80, height: 24)
    #expect(frame.text.contains("timer: failing since \(since) (20 checks)"), "\(frame.text)")
    // Read again only when a check wrote it.
    let unchanged = files.refresh(&model)
    #expect(!unchanged)
    _ = try sandbox.check(down, threshold)
    let written = files.refresh(&model)
    #expect(written)
    #expect(model.failingSince == "failing since \(since) (21 checks)")
  }
}
