import Engine
import Testing

@testable import Dashboard

/// The box's list as frames and keys as tables: no terminal.
@Suite struct TargetListTests {
  func frame(_ box: BoxModel, _ width: Int, _ height: Int, _ glyphs: Glyphs = .unicode) -> Grid {
    TargetListView(box: box, glyphs: glyphs).render(width: width, height: height)
  }

  @Test func listAt80x24MarksFailingAndPendingWithoutColour() {
    let grid = frame(DashboardFixtures.box(), 80, 24)
    assertSnapshot(grid, named: "list-80x24-utf8")
    let lines = grid.text.split(separator: "\n").map(String.init)
    // backend fails and awaits approval: one target, counted once, under what matters most.
    #expect(lines[0].contains("3 targets: 1 awaiting approval "), "\(lines[0])")
    #expect(lines[1].contains("RESTART AWAITING APPROVAL: backend; select it and press A"))
    let backend = lines.firstIndex {
      $0.contains(" backend ") && $0.contains("AWAITING APPROVAL") && !$0.contains("RESTART")
    }
    #expect(backend.map { lines[$0].hasPrefix("!") } == true, "a mark, not only a colour")
    // Its reason whole, on whole words, under the row from the STATUS column.
    #expect(
      backend.map { lines[$0 + 1].trimmedEnd }
        == "           since 16:01:40, fail count 6: no reply to the JSON-RPC request")
    #expect(backend.map { lines[$0 + 2].trimmedEnd } == "           within 10 s")
    #expect(lines.contains { $0.hasPrefix("▶ edge") })
    #expect(lines.last?.contains("? help") == true && lines.last?.contains("q quit") == true)
  }

  /// A probe this box kept from being made (too many open files here) is our trouble: the row
  /// says ERROR with the reason, the summary does not call the service failing, and the graph
  /// of the service's latency gets no sample from it.
  @Test func aProbeNotMadeHereIsOurErrorNotTheServicesFailure() throws {
    var box = DashboardFixtures.box()
    let samples = box.targets[1].latency.samples
    let notProbed = ProbeResult(
      failure: .notProbed(phase: .connect, detail: "this program has too many files open"), timings: PhaseTimings())
    _ = box.apply(.probed(1, notProbed, DashboardFixtures.time), at: 100, timersAreDemo: false)
    #expect(box.targets[1].latency.samples == samples)
    #expect(box.targets[1].needsAttention)
    #expect(!box.targets[1].probeFails)
    let lines = frame(box, 80, 24).text.split(separator: "\n").map(String.init)
    #expect(lines[0].contains("1 in trouble") && !lines[0].contains("failing"), "\(lines[0])")
    let edge = try #require(lines.firstIndex { $0.contains(" edge ") })
    #expect(lines[edge].contains("ERROR") && !lines[edge].contains("FAILING"), "\(lines[edge])")
    #expect(lines[edge + 1].contains("not probed, for a reason on this box"), "\(lines[edge + 1])")
    // The selected target's panels under the list: the verdict names it too.
    #expect(lines.contains { $0.contains("✖ not probed \(DashboardFixtures.time.timeOfDay)") }, "\(lines)")
    // The same target failing by the service's own doing says FAILING: the word comes from the cause.
    _ = box.apply(.probed(1, DashboardFixtures.timedOut, DashboardFixtures.time), at: 101, timersAreDemo: false)
    let failing = frame(box, 80, 24).text.split(separator: "\n").map(String.init)
    #expect(failing.contains { $0.contains(" edge ") && $0.contains("FAILING") })
  }

  @Test func listAt160x50GivesTheGraphAndTheStatusRoom() {
    let grid = frame(DashboardFixtures.box(), 160, 50)
    assertSnapshot(grid, named: "list-160x50-utf8")
    #expect(
      grid.text.split(separator: "\n").contains {
        $0.trimmedEnd == "           since 16:01:40, fail count 6: no reply to the JSON-RPC request within 10 s"
      })
    #expect(grid.text.contains("⣀⣀⣀⣀⣤⣀⣀⣿⣀⣤⣀⣀⣤⣀××××××"), "the whole minute of probes")
  }

  /// Rows the list does not need show the selected target's view under it (k9s, htop); a list
  /// that needs them keeps them.
  @Test func theSelectedTargetsViewFillsTheRowsTheListDoesNotNeed() {
    var box = DashboardFixtures.box()
    box.selected = 2
    box.targets[2].state = .counter(FailureCounter(pid: 8123, count: 2))
    let text = frame(box, 100, 30).text
    #expect(text.contains("failures 2/6"), "the selected target's counter, in its view: \(text)")
    #expect(text.contains("─ trigger log"))
    var many = DashboardFixtures.box()
    many.targets += (0..<12).map {
      DashboardFixtures.named("t\($0)", unit: "t\($0).service", from: DashboardFixtures.healthy())
    }
    let crowded = frame(many, 100, 30).text
    #expect(!crowded.contains("─ watchdog"), "no room: the list keeps the rows")
    #expect(crowded.contains("  t11 "))
  }

  @Test func allHealthyInASCII() {
    var box = DashboardFixtures.box()
    box.targets.remove(at: 0)
    box.selected = 0
    let grid = frame(box, 80, 24, .ascii)
    assertSnapshot(grid, named: "list-80x24-ascii-healthy")
    let ascii = grid.text.unicodeScalars.allSatisfy { $0.isASCII }
    #expect(ascii)
    #expect(grid.text.contains("2 targets: all ok"))
  }

  @Test func filteredByName() {
    var box = DashboardFixtures.box()
    box.filter = "ed"
    let grid = frame(box, 80, 24)
    assertSnapshot(grid, named: "list-80x24-filtered")
    #expect(!grid.text.contains(" ui "))
    #expect(grid.text.contains("filter: ed   (1 of 3; Esc clears it)"))
  }

  func press(_ keys: [DashboardKey], on box: inout BoxModel) -> [DashboardAction] {
    keys.compactMap { BoxInput.handle($0, box: &box, pageSize: 10)?.action }
  }

  @Test func arrowsAndJKSelectEnterOpensEscGoesBack() {
    var box = DashboardFixtures.box()
    #expect(box.showsList)
    _ = press([.up], on: &box)
    #expect(box.selected == 0)
    _ = press([.up, .character("j"), .character("j"), .down], on: &box)
    #expect(box.selected == 2, "stops at the last")
    _ = press([.character("k"), .enter], on: &box)
    #expect(!box.showsList && box.selected == 1)
    _ = press([.escape], on: &box)
    #expect(box.showsList)
  }

  @Test func slashFiltersByNameAndEscClearsIt() {
    var box = DashboardFixtures.box()
    _ = press([.character("/"), .character("u"), .character("i"), .enter], on: &box)
    #expect(box.filter == "ui" && !box.editingFilter)
    #expect(box.visible == [2])
    #expect(box.selected == 2, "the selection follows the filter")
    _ = press([.character("/"), .backspace, .backspace, .character("b"), .escape], on: &box)
    #expect(box.filter.isEmpty)
    _ = press([.character("/"), .character("q")], on: &box)
    #expect(box.filter == "q", "q is a letter while typing a filter, not quit")
  }

  @Test func theTargetsKeysActOnTheSelectedOne() {
    var box = DashboardFixtures.box()
    box.selected = 0
    let acted = BoxInput.handle(.character("p"), box: &box, pageSize: 10)
    #expect(acted?.action == .runCheck && acted?.target == 0)
    #expect(press([.character("A")], on: &box).isEmpty)
    #expect(!box.showsList, "A opens the selected target's confirmation in its view")
    #expect(press([.character("y")], on: &box) == [.approve])
  }

  @Test func escInsideATargetClosesItsOverlayFirst() {
    var box = DashboardFixtures.box()
    _ = press([.enter, .character("R")], on: &box)
    #expect(box.current.overlay != .none)
    _ = press([.escape], on: &box)
    #expect(!box.showsList && box.current.overlay == .none)
    _ = press([.escape], on: &box)
    #expect(box.showsList)
  }

  @Test func aSingleTargetHasNoListToGoBackTo() {
    var box = BoxModel(targets: [DashboardFixtures.healthy()])
    #expect(!box.showsList)
    _ = press([.escape], on: &box)
    #expect(!box.showsList)
  }
}

/// Events update each target's state with no I/O, as a table.
@Suite struct BoxEventTests {
  @Test func aProbeResultLandsOnItsTargetOnly() {
    var box = DashboardFixtures.box()
    let before = box.targets[2].latency.samples.count
    let moved = box.apply(.probed(1, DashboardFixtures.timedOut, DashboardFixtures.time), at: 100, timersAreDemo: false)
    #expect(!moved)
    #expect(box.targets[1].lastProbe?.result.isHealthy == false)
    #expect(box.targets[2].latency.samples.count == before)
    #expect(box.targets[1].needsAttention)
  }

  @Test func oneOverviewUpdatesEveryTargetAndNamesAnUnknownUnit() throws {
    var box = DashboardFixtures.box()
    box.targets[0].target.timer = try UnitName(validating: "websocket-health-check@backend.timer")
    var overview = ServiceOverview()
    overview.statuses["openems.service"] = ServiceStatus(mainPID: 77, activeState: "active")
    overview.statuses["openems-ui.service"] = ServiceStatus(mainPID: 78, activeState: "active")
    overview.timers["websocket-health-check@backend.timer"] = TimerStatus(
      loadState: "loaded", activeState: "active", unitFileState: "enabled", nextRun: 3.2)
    _ = box.apply(.services(overview, nil), at: 0, timersAreDemo: false)
    #expect(box.targets[1].service?.mainPID == 77 && box.targets[2].service?.mainPID == 78)
    #expect(box.targets[0].serviceError == "systemd knows no unit openems-backend.service")
    #expect(box.targets[0].nextTimerCheck == 4)
  }

  /// A target whose timer does not run is not watched, however healthy its probe: the list
  /// marks it and says why where its next run would be; its view says what to type.
  @Test func aStoppedTimerMarksTheTargetAndSaysSo() throws {
    var box = DashboardFixtures.box()
    for index in box.targets.indices {
      box.targets[index].target.timer = try UnitName(
        validating: "websocket-health-check@\(box.targets[index].target.name).timer")
    }
    var overview = ServiceOverview()
    overview.statuses["openems.service"] = ServiceStatus(mainPID: 77, activeState: "active")
    _ = box.apply(
      .services(overview, nil, timerProblems: [nil, .stopped, .stale(age: 300, interval: 15)]), at: 0,
      timersAreDemo: false)
    #expect(box.targets[1].needsAttention && box.targets[2].needsAttention)
    let list = TargetListView(box: box, glyphs: .ascii).render(width: 100, height: 24).text
    let rows = list.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
    #expect(rows[0].hasSuffix("3 targets: 1 awaiting approval, 2 not watched"), "\(rows[0])")
    let edge = try #require(rows.first { $0.contains(" \(box.targets[1].target.name) ") })
    #expect(edge.hasPrefix("!") && edge.hasSuffix("STOPPED"), "\(edge)")
    #expect(rows.contains { $0.contains(box.targets[2].target.name) && $0.hasSuffix("STALE") }, "\(list)")
    box.selected = 1
    box.showsList = false
    let view = DashboardView(model: box.current, glyphs: .ascii).render(width: 120, height: 30).text
    #expect(
      view.contains(
        "websocket-health-check@\(box.targets[1].target.name).timer is stopped: nothing runs the checks; to start it: systemctl enable --now"
      ), "\(view)")
  }

  @Test func aDecisionIsEchoedUnderTheListWithTheTargetsName() {
    var box = DashboardFixtures.box()
    let moved = box.apply(.message(0, .init(text: "rejected", tone: .plain)), at: 0, timersAreDemo: false)
    #expect(moved, "the files may have moved")
    #expect(box.targets[0].status?.text == "rejected")
    #expect(box.status?.text == "backend: rejected")
  }
}

extension StringProtocol {
  /// The line without the spaces a grid row is padded with.
  var trimmedEnd: String { String(reversed().drop(while: { $0 == " " }).reversed()) }
}
