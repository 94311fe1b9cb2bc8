import Engine
import Foundation
import Testing

@testable import Dashboard

/// Whole frames as text, as an operator would see them.
@Suite struct DashboardViewTests {
  func frame(_ model: DashboardModel, _ width: Int, _ height: Int, _ glyphs: Glyphs = .unicode) -> Grid {
    DashboardView(model: model, glyphs: glyphs).render(width: width, height: height)
  }

  @Test func healthyTarget80x24() {
    assertSnapshot(frame(DashboardFixtures.healthy(), 80, 24), named: "healthy-80x24-utf8")
  }

  @Test func healthyTarget80x24InASCII() {
    let grid = frame(DashboardFixtures.healthy(), 80, 24, .ascii)
    assertSnapshot(grid, named: "healthy-80x24-ascii")
    let allASCII = grid.text.unicodeScalars.allSatisfy { $0.isASCII }
    #expect(allASCII, "an ASCII terminal gets only ASCII")
  }

  @Test func failingTarget80x24() {
    let grid = frame(DashboardFixtures.failing(), 80, 24)
    assertSnapshot(grid, named: "failing-80x24-utf8")
    // Marked in words and glyphs, not by colour alone.
    #expect(grid.text.contains("✖ upgrade timed out after 10 s"))
    #expect(
      grid.text.split(separator: "\n").contains { $0.trimmedEnd == "      connect 0.1 ms  upgrade 10 s" },
      "a failure shows which phases passed and which waited, each number with its unit")
    #expect(grid.text.contains("××××××"))
    #expect(grid.text.contains("last 60 s, 6 failed"), "the window's failures are counted in words")
    #expect(grid.text.contains("failures 4/6"))
  }

  @Test func failingTarget120x40InASCIIWithALongLog() {
    var model = DashboardFixtures.failing()
    model.logLines = (1...300).map {
      "2026-11-25 10:00:\(String(format: "%02d", $0 % 60)).000001: Triggered restart! (fail count: 6) line \($0)"
    }
    let grid = frame(model, 120, 40, .ascii)
    assertSnapshot(grid, named: "failing-120x40-ascii-long-log")
    #expect(grid.text.contains("line 300"), "the newest line is shown")
    #expect(!grid.text.contains("line 270"), "older lines scroll out")
  }

  @Test func scrolledLogSaysSoAndShowsOlderLines() {
    var model = DashboardFixtures.healthy()
    model.logLines = (1...100).map { "line \($0)" }
    model.logScroll = 50
    let text = frame(model, 80, 24).text
    #expect(text.contains("(50 lines up; End follows)"))
    #expect(text.contains("line 50"))
    #expect(!text.contains("line 100"))
  }

  @Test func tooSmallSaysSoInsteadOfDrawing() {
    let grid = frame(DashboardFixtures.healthy(), 50, 10)
    assertSnapshot(grid, named: "too-small-50x10")
    #expect(grid.text.contains("terminal too small (need 60x14)"))
  }

  @Test func helpOverlayListsEveryKey() {
    var model = DashboardFixtures.healthy()
    model.overlay = .help
    let grid = frame(model, 80, 24)
    assertSnapshot(grid, named: "help-80x24-utf8")
    for key in ["p ", "d ", "R ", "Up Down", "PgUp", "Home End", "? F1", "q F10"] {
      #expect(grid.text.contains(key), "\(key)")
    }
  }

  @Test func restartConfirmationShowsTheExactCommand() {
    var model = DashboardFixtures.healthy()
    model.overlay = .confirmRestart(command: "systemctl restart -- openems.service")
    let grid = frame(model, 80, 24)
    assertSnapshot(grid, named: "confirm-restart-80x24-utf8")
    #expect(grid.text.contains("systemctl restart -- openems.service"))
    #expect(grid.text.contains("y  restart now        Esc  cancel"))
  }

  @Test func readonlyOffersNoRestartKey() {
    let text = frame(DashboardFixtures.healthy(readonly: true), 80, 24).text
    #expect(!text.contains("R restart"))
    #expect(text.contains("read-only"))
  }

  /// A pending restart shows from every view, over overlays too, and in read-only dashboards.
  @Test func pendingRestartBannerShowsOverEverything() {
    var model = DashboardFixtures.failing()
    model.pendingRestart = DashboardInputTests.pending
    assertSnapshot(frame(model, 80, 24), named: "pending-80x24-utf8")
    model.overlay = .help
    let overHelp = frame(model, 80, 24).text.split(separator: "\n")
    #expect(overHelp[1].hasPrefix(" RESTART AWAITING APPROVAL since 03:12:09, fail count 6: A to approve or reject"))
    model.overlay = .confirmApproval(DashboardInputTests.pending, command: "systemctl restart -- openems.service")
    let confirm = frame(model, 80, 24).text
    #expect(confirm.contains("systemctl restart -- openems.service"))
    #expect(confirm.contains("y  approve (restart)    n  reject    Esc  leave it pending"))
    var readonly = DashboardFixtures.healthy(readonly: true)
    readonly.pendingRestart = DashboardInputTests.pending
    let text = frame(readonly, 80, 24).text
    #expect(text.contains("RESTART AWAITING APPROVAL"))
    #expect(!text.contains("APPROVE?"), "read-only offers no A key")
  }

  /// Rows to spare go to a chart with a latency scale, not to empty space under the log.
  @Test func aTallScreenGrowsTheGraphIntoAChart() {
    let grid = frame(DashboardFixtures.healthy(), 160, 50)
    assertSnapshot(grid, named: "healthy-160x50-utf8-chart")
    let lines = grid.text.split(separator: "\n", omittingEmptySubsequences: false)
    // The 9.8 ms probe is a spike beside a 2.3 ms median: the scale stops at four medians.
    #expect(lines[3].hasPrefix(" ≥9.2 ms"), "the clipped scale says so")
    #expect(lines.contains { $0.hasPrefix("    0 ms") })
    let empty = lines.dropLast(2).reversed().prefix { $0.trimmingCharacters(in: .whitespaces).isEmpty }.count
    #expect(empty < 3, "no block of empty rows left under the log")
  }

  /// The demo has the most keys; at 80 columns the bar folds, keeps ? and q, and says that
  /// help has the rest; where all fit, ? is plain help.
  @Test func theKeyBarFoldsButKeepsHelpAndQuit() {
    var model = DashboardFixtures.healthy()
    model.target.isDemo = true
    let last = String(frame(model, 80, 24).text.split(separator: "\n").last!)
    #expect(last.contains("? more keys") && last.contains("q quit"), "\(last)")
    let wide = String(frame(model, 160, 24).text.split(separator: "\n").last!)
    #expect(wide.contains("n normal") && wide.contains("? help"), "\(wide)")
  }

  /// One 860 ms spike in a minute of 2 ms probes: the scale stops short of it (said with ≥),
  /// the spike is marked ↑, the others still have height; at 200 columns the minute fills the
  /// width.
  @Test func aSpikeDoesNotFlattenTheChartAndTheChartFillsTheWidth() throws {
    var model = DashboardFixtures.healthy()
    model.latency = LatencyWindow()
    for second in 0..<60 {
      model.latency.add(
        DashboardFixtures.healthyResult(second == 40 ? 860_000 : 2000 + Int64(second % 7) * 150), at: Double(second))
    }
    let frame = frame(model, 200, 60)
    let lines = frame.text.split(separator: "\n").map(String.init)
    let chart = lines.filter { $0.contains("█") || $0.contains("▁") || $0.contains("↑") }
    #expect(lines.contains { $0.hasPrefix(" ≥") && $0.contains(" ms") }, "the clipped scale says so")
    #expect(chart.first?.contains("↑") == true, "\(chart.first ?? "")")
    // The ordinary probes' bars stand a fifth of the chart high (1/400 of a full scale before),
    // across the width: the minute is spread over it, not kept to 60 columns.
    let zero = try #require(lines.firstIndex { $0.hasPrefix("    0 ms") })
    let fifthUp = lines[zero - (zero - lines.firstIndex(of: chart[0])!) / 5]
    #expect(fifthUp.count { $0 == "█" } > 150, "\(fifthUp)")
    assertSnapshot(frame, named: "spike-200x60-utf8")
  }

  @Test func uncheckedCertificateStaysInTheHeader() {
    var model = DashboardFixtures.healthy()
    #expect(!frame(model, 80, 24).text.contains("TLS UNCHECKED"))
    model.target.certificateUnchecked = true
    let header = String(frame(model, 80, 24).text.split(separator: "\n")[0])
    #expect(header.contains("TLS UNCHECKED auto"), "\(header)")
  }

  /// The OpenEMS kind stays in sight, and whether it was taken from the port.
  @Test func theProbesDepthAndAnAssumedOpenEMSKindAreInTheHeader() {
    var model = DashboardFixtures.healthy()
    model.target.depth = .openEMS(.edgeApp, assumed: true)
    let header = String(frame(model, 80, 24).text.split(separator: "\n")[0])
    #expect(header.contains("openems edge-app (by port)  auto"), "\(header)")
    model.target.depth = .openEMS(.backendUI, assumed: false)
    let given = String(frame(model, 80, 24).text.split(separator: "\n")[0])
    #expect(given.contains("openems backend-ui  auto") && !given.contains("by port"), "\(given)")
  }

  @Test func headerGivesWayOnANarrowScreenButKeepsThePID() {
    let text = frame(DashboardFixtures.healthy(), 60, 14).text
    let header = String(text.split(separator: "\n")[0])
    #expect(header.contains("pid 8123 active"))
    #expect(header.contains("openems.service"))
  }
}

@Suite struct AppearanceTests {
  @Test func failureIsRedWithColourAndReverseWithout() {
    #expect(Appearance(.failing, colour: true) == Appearance(bold: true, pair: .red))
    #expect(Appearance(.failing, colour: false) == Appearance(bold: true, reverse: true))
  }

  @Test func warningIsYellowWithColourAndBoldWithout() {
    #expect(Appearance(.warning, colour: true).pair == .yellow)
    #expect(Appearance(.warning, colour: false) == Appearance(bold: true))
  }

  @Test func okNeedsNoColourToReadAsOK() {
    #expect(Appearance(.ok, colour: false) == Appearance())
  }
}
