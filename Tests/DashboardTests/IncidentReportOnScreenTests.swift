import Engine
import Foundation
import Testing

@testable import Dashboard

/// The latest incident report where the operator looks: its summary in the target's view and
/// in the approval dialog, the whole of it one key away, paged as `less` pages.
@Suite struct IncidentReportOnScreenTests {
  static let summary = [
    "threshold reached (fail count 6): restart awaiting a person's approval",
    "failing since 16:01:26 (6 checks): no reply to the JSON-RPC request within 2 s",
    "12 Java threads: 10 WAITING, 2 TIMED_WAITING",
    "10 of 10 threads of pool-2 WAITING at io.openems.common.websocket.OnMessageHandler.run",
  ]
  static let path = "/var/lib/websocket-health-check/reports/edge/2026-11-25T16-01-40.report"

  static func withReport() -> DashboardModel {
    var model = DashboardFixtures.failing()
    model.latestReport = .init(path: path, summary: summary)
    return model
  }

  @Test func theTargetViewShowsTheSummaryAndTheKeyThatOpensIt() {
    let frame = DashboardView(model: Self.withReport(), glyphs: .unicode).render(width: 120, height: 40).text
    #expect(
      frame.contains(
        "─ incident report  2026-11-25 16:01:40, i shows it  /var/lib/websocket-health-check/reports/edge/"),
      "\(frame)")
    #expect(frame.contains("  10 of 10 threads of pool-2 WAITING at io.openems.common.websocket.OnMessageHandler.run"))
    #expect(frame.contains("i report"))
    let without = DashboardView(model: DashboardFixtures.failing(), glyphs: .unicode).render(width: 120, height: 40)
    #expect(!without.text.contains("incident report"), "no panel before any report")
  }

  @Test func theApprovalDialogShowsTheEvidenceBeforeYesOrNo() {
    var model = Self.withReport()
    let pending = PendingRestart(
      requestedAt: Moment(seconds: 1), wallTime: "2026-11-25 16:01:40.000000", pid: 8123, count: 6,
      reason: "no reply to the JSON-RPC request within 2 s")
    model.pendingRestart = pending
    model.overlay = .confirmApproval(pending, command: "systemctl restart -- openems.service")
    let frame = DashboardView(model: model, glyphs: .unicode).render(width: 100, height: 30)
    assertSnapshot(frame, named: "approval-with-report-100x30")
    let lines = frame.text.split(separator: "\n").map(String.init)
    let evidence = lines.firstIndex { $0.contains("10 of 10 threads of pool-2 WAITING at") }
    let yes = lines.firstIndex { $0.contains("y  approve (restart)") }
    #expect(evidence != nil && yes != nil && evidence! < yes!, "\(frame.text)")
    // A report older than the request (another episode's) is not this request's evidence.
    var older = model
    older.latestReport = .init(path: "/r/edge/2026-11-25T15-00-00.report", summary: Self.summary)
    let old = DashboardView(model: older, glyphs: .unicode).render(width: 100, height: 30).text
    #expect(!old.contains("Incident report (i after Esc"), "\(old)")
  }

  @Test(arguments: [
    // key, scroll before → scroll after (nil: closed)
    (DashboardKey.down, 0, 1 as Int?), (.up, 0, 0), (.pageDown, 0, 20), (.pageDown, 85, 90), (.end, 0, 90),
    (.home, 50, 0), (.character("j"), 3, 4), (.character(" "), 0, 20), (.escape, 5, nil), (.character("q"), 5, nil),
    (.character("i"), 5, nil),
  ])
  func theReportPagesLikeLess(key: DashboardKey, before: Int, after: Int?) {
    var model = Self.withReport()
    let lines = (1...110).map { "line \($0)" }
    model.overlay = .report(lines: lines, scroll: before)
    let action = DashboardInput.handle(key, model: &model, pageSize: 20)
    #expect(action == nil, "paging never acts")
    switch model.overlay {
    case .report(_, let scroll): #expect(scroll == after)
    default: #expect(after == nil, "closed")
    }
  }

  @Test func iOpensTheReportOrSaysThereIsNone() {
    var none = DashboardFixtures.failing()
    #expect(DashboardInput.handle(.character("i"), model: &none, pageSize: 10) == nil)
    #expect(none.status?.text.hasPrefix("no incident report yet") == true)
    var model = Self.withReport()
    #expect(DashboardInput.handle(.character("i"), model: &model, pageSize: 10) == .openReport)
    // From the list too: the key acts on the selected target.
    var box = DashboardFixtures.box()
    box.targets[box.selected].latestReport = .init(path: Self.path, summary: Self.summary)
    let fromList = BoxInput.handle(.character("i"), box: &box, pageSize: 10)
    #expect(fromList?.action == .openReport)
  }

  @Test func theViewerShowsWhereItIsAndSectionTitles() {
    var model = Self.withReport()
    let lines =
      ["websocket-health-check incident report", "", "== summary =="] + Self.summary + (1...60).map { "l\($0)" }
    model.overlay = .report(lines: lines, scroll: 2)
    let frame = DashboardView(model: model, glyphs: .unicode).render(width: 120, height: 24)
    let rows = frame.text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    #expect(rows[0].contains(" incident report  \(Self.path)") && rows[0].contains("lines 3-24 of 67"), "\(rows[0])")
    #expect(rows[1].hasPrefix("== summary =="))
    #expect(frame[0, 1].style == .title, "section titles stand out")
    #expect(rows[23].contains("Esc back"))
  }

  /// The dashboard reads the shelf the check writes: a report stored there shows at the next
  /// refresh, and the newest wins.
  @Test func theFilesRefreshReadsTheNewestReport() throws {
    let directory = NSTemporaryDirectory() + "whc-screen-reports-\(UUID())"
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let settings = CheckSettings(
      uri: try WebSocketURI(parsing: "ws://127.0.0.1:1/"), unit: try UnitName(validating: "openems.service"),
      watchdog: try Watchdog(threshold: 2), stateStore: try StateStore(path: "\(directory)/state/failcount"),
      triggerLog: try TriggerLog(path: "\(directory)/trigger.log"),
      incidents: IncidentPlan(
        shelf: ReportShelf(directory: "\(directory)/reports"), collector: EvidenceCollector(), target: "edge",
        uri: "ws://127.0.0.1:1/"))
    var model = DashboardModel(target: .init(settings: settings, interval: 1, restartCommand: "x"))
    var files = TargetFiles(settings: settings)
    _ = files.refresh(&model)
    #expect(model.latestReport == nil)
    let shelf = settings.incidents!.shelf
    for (seconds, trigger) in [(1_800_000_000, "first"), (1_800_000_060, "second")] {
      let report = IncidentReport(
        trigger: trigger, target: "edge", unit: "openems.service", uri: "ws://127.0.0.1:1/",
        time: LocalTimestamp(seconds: seconds, microseconds: 0))
      try shelf.store(report, at: shelf.path(for: report.time))
    }
    let changed = files.refresh(&model)
    #expect(changed, "a new report is a change to show")
    #expect(model.latestReport?.summary.first == "second")
    #expect(model.latestReport?.path == shelf.latest)
  }
}
