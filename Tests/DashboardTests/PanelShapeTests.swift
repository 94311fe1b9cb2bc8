import Engine
import Testing

@testable import Dashboard

/// Panels say how tall they want to be and draw into a rectangle; the views only choose the
/// rectangles, so the list and a target's view show the same panels.
@Suite struct PanelShapeTests {
  @Test(arguments: [
    // minimum, wanted, grows, total → heights
    ([1, 2, 1], [1, 2, 1], [false, true, false], 10, [1, 8, 1]),
    // The log's wish (second) comes before the chart's growth (first).
    ([3, 3, 1], [3, 40, 1], [true, false, false], 20, [3, 16, 1]),
    ([3, 3, 1], [3, 10, 1], [true, false, false], 20, [9, 10, 1]),
    // Too little room: minimums from the top while they last.
    ([1, 5, 1], [1, 5, 1], [false, true, false], 4, [1, 3, 0]),
    // Nothing grows: the rows left stay empty.
    ([1, 1], [2, 1], [false, false], 10, [2, 1]),
    ([1], [1], [true], 0, [0]),
  ])
  func aStackGivesMinimumsThenWishesThenGrowth(
    minimum: [Int], wanted: [Int], grows: [Bool], total: Int, heights: [Int]
  ) {
    #expect(PanelStack.heights(minimum: minimum, wanted: wanted, grows: grows, total: total) == heights)
  }

  /// Writes `#` everywhere it is allowed to, and past every edge.
  struct Flood: Panel {
    func height(width: Int) -> Int { 1 }
    func draw(into grid: inout Grid) {
      for row in -2..<(grid.height + 2) {
        grid.fill("#", x: -3, y: row, count: grid.width + 6)
        grid.put(String(repeating: "#", count: grid.width + 6), x: -3, y: row)
      }
      grid[grid.width, 0] = Cell(character: "!")
    }
  }

  @Test func aPanelCannotWriteOutsideItsRectangle() {
    var grid = Grid(width: 8, height: 5)
    grid.render(Flood(), in: Area(x: 2, y: 1, width: 3, height: 2))
    #expect(grid.text == "        \n  ###   \n  ###   \n        \n        ")
    // A rectangle past the frame's edge is cut to it.
    var edge = Grid(width: 4, height: 2)
    edge.render(Flood(), in: Area(x: 2, y: 1, width: 10, height: 10))
    #expect(edge.text == "    \n  ##")
  }

  @Test func aSectionPutsItsBodyUnderItsRule() {
    var grid = Grid(width: 12, height: 3)
    grid.render(Section(title: "log", glyphs: .ascii, body: Flood()), in: Area(width: 12, height: 3))
    #expect(grid.text == "- log ------\n############\n############")
  }

  /// The list's detail pane is the selected target's own panels, not a copy of its view:
  /// the same rows as the panels drawn alone into a rectangle of the pane's size.
  @Test func theListsDetailPaneIsTheTargetsPanels() {
    var box = DashboardFixtures.box()
    box.selected = 2
    let list = TargetListView(box: box, glyphs: .unicode).render(width: 100, height: 40)
    let rows = list.text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    let top = try! #require(rows.firstIndex { $0.contains("ws://localhost:8085/websocket  → openems-ui.service") })
    let paneHeight = 40 - 2 - top
    var alone = Grid(width: 100, height: paneHeight)
    alone.render(
      PanelStack(DashboardView.panels(of: box.targets[2], glyphs: .unicode)), in: Area(width: 100, height: paneHeight))
    #expect(Array(rows[top..<(top + paneHeight)]) == alone.text.split(separator: "\n").map(String.init))
    #expect(alone.text.contains("─ watchdog "), "the pane holds the watchdog panel")
    #expect(rows[top - 1].trimmedEnd.isEmpty, "one empty row between the list and the pane")
  }

  @Test func eachRowShowsItsTimersLastHourWhenTheScreenIsWide() {
    var box = DashboardFixtures.box()
    // The ui target's timer failed once half an hour ago.
    let failed = box.targets[2].history.count - 120
    box.targets[2].history[failed].healthy = false
    let wide = TargetListView(box: box, glyphs: .unicode).render(width: 140, height: 30).text
    let lines = wide.split(separator: "\n").map(String.init)
    let titles = try! #require(lines.firstIndex { $0.contains("TARGET") })
    let column = try! #require(lines[titles].range(of: "TIMER LAST 1 H")).lowerBound
    let start = lines[titles].distance(from: lines[titles].startIndex, to: column)
    func hour(_ name: String) -> String {
      let line = lines.first { $0.dropFirst(2).hasPrefix(name + " ") }!
      return String(line.dropFirst(start).prefix(20))
    }
    let ui = hour("ui")
    let edge = hour("edge")
    #expect(ui.filter { $0 == "×" }.count == 1, "'\(ui)'")
    #expect(edge.contains("⣿") && !edge.contains("×"), "'\(edge)'")
    // In the middle of the hour, not at an end.
    let mark = ui.firstIndex(of: "×").map { ui.distance(from: ui.startIndex, to: $0) } ?? -1
    #expect(mark > 3 && mark < 15, "'\(ui)'")
    // Narrow, the column gives way to the status; the detail pane still has the hour.
    let narrow = TargetListView(box: box, glyphs: .unicode).render(width: 100, height: 30).text
    #expect(!narrow.contains("TIMER"))
  }

  @Test func theChartOpensWithTheTimersLastMinute() {
    let now: Int64 = 1_000_000_000
    let history = [
      CheckHistory.Entry(unixMilliseconds: now - 90_000, healthy: true, phases: [(.upgrade, 9)], reason: ""),
      CheckHistory.Entry(unixMilliseconds: now - 45_000, healthy: true, phases: [(.upgrade, 3)], reason: ""),
      CheckHistory.Entry(unixMilliseconds: now - 30_000, healthy: false, phases: [(.upgrade, 2000)], reason: "x"),
      CheckHistory.Entry(unixMilliseconds: now - 15_000, healthy: true, phases: [(.upgrade, 4)], reason: ""),
    ]
    var window = LatencyWindow(span: 60)
    window.addPast(history, now: now, at: 500)
    #expect(window.samples.map(\.time) == [455, 470, 485], "within the minute, on the window's clock")
    #expect(window.samples.map(\.healthy) == [true, false, true])
    #expect(window.samples.first?.milliseconds == 3)
    #expect(window.failures == 1)
    // Once the screen's own probes run, the past is not added again.
    window.add(DashboardFixtures.healthyResult(2000), at: 501)
    window.addPast(history, now: now, at: 502)
    #expect(window.samples.count == 4)
  }
}
