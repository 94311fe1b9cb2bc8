import Engine
import Testing

@testable import Dashboard

/// At 80x24 and up, a failing or pending target's whole reason is on screen, on whole words:
/// in the target view, the list and the approval dialog. A reason as long as a hostile server
/// can make one (its text bounded and made visible by `UntrustedText`) included.
@Suite struct WholeReasonTests {
  /// A 503 whose reason phrase is 300 characters of words and control characters (a title,
  /// a screen clear, a fake log line), cut by `UntrustedText` at its bound.
  static let hostile: ProbeFailure = .httpStatus(
    code: 503,
    reason: (0..<15).map { "word\($0)" }.joined(separator: " ") + " \u{1B}]0;owned\u{07}\u{1B}[2J\nTriggered restart!"
      + String(repeating: " tail", count: 40))

  static func failing(_ failure: ProbeFailure) -> DashboardModel {
    var model = DashboardFixtures.failing()
    model.lastProbe?.result.failure = failure
    return model
  }

  /// Every word of `text` appears in `frame`'s text, in order, none of them cut.
  static func showsWhole(_ text: String, in frame: Grid) -> Bool { showsWhole(text, in: frame.text) }

  static func showsWhole(_ text: String, in screen: String) -> Bool {
    let shown = screen.split(separator: "\n").flatMap { $0.split(separator: " ") }.map(String.init)
    var position = shown.startIndex
    for word in text.split(separator: " ").map(String.init) {
      guard let found = shown[position...].firstIndex(of: word) else { return false }
      position = found + 1
    }
    return true
  }

  @Test(arguments: [(80, 24), (100, 30), (160, 50), (200, 60)])
  func theTargetViewShowsTheWholeReason(width: Int, height: Int) {
    let model = Self.failing(Self.hostile)
    let frame = DashboardView(model: model, glyphs: .unicode).render(width: width, height: height)
    #expect(Self.showsWhole("\(Self.hostile)", in: frame), "\(frame.text)")
    #expect(!frame.text.contains("\u{1B}"), "no escape reaches the screen")
    if width == 80 { assertSnapshot(frame, named: "hostile-reason-80x24-utf8") }
    // Its phases are there too, each number with its unit.
    #expect(frame.text.contains("upgrade 10 s"))
  }

  @Test(arguments: [(80, 24), (100, 30), (160, 50)])
  func theListShowsTheSelectedTargetsWholeReason(width: Int, height: Int) {
    var box = DashboardFixtures.box()
    box.targets[2] = DashboardFixtures.named("ui", unit: "openems-ui.service", from: Self.failing(Self.hostile))
    box.selected = 2
    let frame = TargetListView(box: box, glyphs: .unicode).render(width: width, height: height)
    #expect(Self.showsWhole("\(Self.hostile)", in: frame), "\(frame.text)")
    #expect(Self.showsWhole("no reply to the JSON-RPC request within 10 s", in: frame), "the pending one too")
    if width == 80 { assertSnapshot(frame, named: "list-hostile-reason-80x24-utf8") }
  }

  @Test func theApprovalDialogShowsTheWholeReason() {
    var model = DashboardFixtures.failing()
    let reason = "\(Self.hostile)"
    let pending = PendingRestart(
      requestedAt: Moment(seconds: 1), wallTime: "2026-11-25 16:01:40.000000", pid: 8123, count: 6, reason: reason)
    model.pendingRestart = pending
    model.overlay = .confirmApproval(pending, command: "systemctl restart -- openems.service")
    let frame = DashboardView(model: model, glyphs: .unicode).render(width: 80, height: 24)
    let dialog = frame.text.split(separator: "\n").filter { $0.contains("│") }.joined(separator: "\n")
    #expect(
      Self.showsWhole(reason, in: dialog.replacingOccurrences(of: "│", with: " ")), "\(frame.text)")
    #expect(frame.text.contains("y  approve (restart)"), "the decision keys stay in the box")
    assertSnapshot(frame, named: "confirm-approval-hostile-80x24-utf8")
  }
}

/// Text laid out to a width: whole words, whole fields, numbers with their units.
@Suite struct TextLayoutTests {
  @Test(arguments: [
    ("upgrade timed out after 10 s", 12, ["upgrade", "timed out", "after 10 s"]),
    ("a b c", 80, ["a b c"]),
    ("", 10, [""]),
    ("abcdefghij klm", 4, ["abcd", "efgh", "ij", "klm"]),
    ("two  spaces   here", 11, ["two spaces", "here"]),
  ])
  func wrapsOnWholeWords(text: String, width: Int, lines: [String]) {
    #expect(TextLayout.wrap(text, width: width) == lines)
  }

  @Test(arguments: [
    (30, "connect 0.1 ms  upgrade 2.1 ms"),
    (20, "upgrade 2.1 ms"),
    (10, ""),
  ])
  func dropsWholeFieldsLeastImportantFirst(width: Int, shown: String) {
    let fields = [
      (text: "connect 0.1 ms", rank: 2), (text: "upgrade 2.1 ms", rank: 1), (text: "close 0.2 ms", rank: 3),
    ]
    #expect(TextLayout.fields(fields, width: width) == shown)
  }

  @Test(arguments: [(2.36, "2.4 ms"), (12.4, "12 ms"), (999.4, "999 ms"), (1530, "1.53 s"), (10000, "10 s")])
  func aLatencyKeepsItsUnit(milliseconds: Double, text: String) {
    #expect(TextLayout.latency(milliseconds: milliseconds) == text)
  }
}

/// Every view at every size the issue names, with a long hostile reason, ten-second timings
/// and a spike: characters and styles, reviewed once and held.
@Suite struct SizesSnapshotTests {
  static let sizes = [(80, 24), (100, 30), (160, 50), (200, 60)]

  static func spiky(_ model: DashboardModel) -> DashboardModel {
    var model = model
    model.latency.add(DashboardFixtures.healthyResult(860_000), at: 14)
    return model
  }

  @Test(arguments: sizes)
  func theTargetViewFailingWithALongReason(width: Int, height: Int) {
    let model = Self.spiky(WholeReasonTests.failing(WholeReasonTests.hostile))
    let frame = DashboardView(model: model, glyphs: .unicode).render(width: width, height: height)
    assertSnapshot(frame, named: "sizes-target-failing-\(width)x\(height)")
  }

  @Test(arguments: sizes)
  func theList(width: Int, height: Int) {
    var box = DashboardFixtures.box()
    box.targets[2] = DashboardFixtures.named(
      "ui", unit: "openems-ui.service", from: WholeReasonTests.failing(WholeReasonTests.hostile))
    let frame = TargetListView(box: box, glyphs: .unicode).render(width: width, height: height)
    assertSnapshot(frame, named: "sizes-list-\(width)x\(height)")
  }

  @Test(arguments: sizes)
  func theApprovalDialog(width: Int, height: Int) {
    var model = WholeReasonTests.failing(WholeReasonTests.hostile)
    let pending = PendingRestart(
      requestedAt: Moment(seconds: 1), wallTime: "2026-11-25 16:01:40.000000", pid: 8123, count: 6,
      reason: "\(WholeReasonTests.hostile)")
    model.pendingRestart = pending
    model.overlay = .confirmApproval(pending, command: "systemctl restart -- openems.service")
    let frame = DashboardView(model: model, glyphs: .unicode).render(width: width, height: height)
    #expect(WholeReasonTests.showsWhole("y approves and runs: systemctl restart -- openems.service", in: frame))
    assertSnapshot(frame, named: "sizes-approval-\(width)x\(height)")
  }

  @Test(arguments: sizes)
  func theDemoWedged(width: Int, height: Int) {
    var model = Self.spiky(WholeReasonTests.failing(.noAnswer(to: .jsonRPC, within: .seconds(1), lastSkipped: nil)))
    model.target.isDemo = true
    model.demoMode = "wedged"
    model.target.depth = .openEMS(.edge, assumed: false)
    let frame = DashboardView(model: model, glyphs: .unicode).render(width: width, height: height)
    let keys = String(frame.text.split(separator: "\n").last!)
    #expect(keys.contains("w wedge") && keys.contains("n normal") && keys.contains("q quit"), "\(keys)")
    #expect(keys.contains("? more keys") == !keys.contains("x refuse"), "\(keys)")
    assertSnapshot(frame, named: "sizes-demo-\(width)x\(height)")
  }
}
