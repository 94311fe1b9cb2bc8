import Engine

/// The live probe: the last result with its phases, min/p50/p95/max, and a latency graph of
/// the window with failed probes marked, in words and glyphs, never by colour alone.
struct ProbePanel: Panel {
  let model: DashboardModel
  let glyphs: Glyphs

  /// The text and a one-row graph; given more, it grows the graph into a chart.
  func height(width: Int) -> Int { textRows(width: width).count + 1 }

  /// How many chart rows to draw with `rows` under the text: all but the legend's, as gping
  /// fills its screen, but none below three (a chart of two rows says less than the one-row
  /// graph).
  static func chartRows(under rows: Int) -> Int { rows >= 4 ? rows - 1 : 0 }

  /// Where a wrapped reason's lines start, under the text after `  now `.
  private static let indent = 6

  /// The text rows above the graph, each with its style: a healthy probe's one line, or a
  /// failure's reason in whole words and its phases under it.
  func textRows(width: Int) -> [(text: String, style: CellStyle)] {
    guard let last = model.lastProbe else {
      let every = DurationText.seconds(.milliseconds(Int64(model.target.interval * 1000)))
      return [("  waiting for the first probe (every \(every))", .dim)]
    }
    let phases = last.result.timings.entries.map { entry in
      (
        text: "\(entry.phase.rawValue) \(TextLayout.latency(milliseconds: entry.duration.inMilliseconds))",
        rank: Self.rank(of: entry.phase)
      )
    }
    guard let failure = last.result.failure else {
      let statistics =
        model.latency.statistics.map { figures in
          [
            ("min \(TextLayout.latency(milliseconds: figures.minimum))", 5),
            ("p50 \(TextLayout.latency(milliseconds: figures.median))", 1),
            ("p95 \(TextLayout.latency(milliseconds: figures.p95))", 2),
            ("max \(TextLayout.latency(milliseconds: figures.maximum))", 4),
          ]
        } ?? []
      let now = "  now \(DurationText.milliseconds(last.result.timings.total))"
      let (left, right) = TextLayout.fields(
        left: phases, right: statistics.map { (text: $0.0, rank: $0.1) }, width: width - now.count - 3)
      let line = now + "  " + left
      return [(line + String(repeating: " ", count: max(1, width - line.count - right.count - 1)) + right, .plain)]
    }
    let reason = TextLayout.wrap("\(glyphs.failMark) \(failure)", width: width - Self.indent - 1)
    var rows = reason.enumerated().map { index, line in
      ((index == 0 ? "  now " : String(repeating: " ", count: Self.indent)) + line, CellStyle.failing)
    }
    // While failing, the phases (which passed, which waited) say more than healthy statistics.
    let shown = TextLayout.fields(phases, width: width - Self.indent - 1)
    if !shown.isEmpty { rows.append((String(repeating: " ", count: Self.indent) + shown, .dim)) }
    return rows
  }

  /// Which phases give way first on a narrow screen: the one that waits or fails stays.
  private static func rank(of phase: ProbePhase) -> Int {
    switch phase {
    case .upgrade, .reply, .ping: 1
    case .connect, .tls: 2
    case .close: 3
    case .resolve: 4
    }
  }

  func draw(into grid: inout Grid) {
    let row = 0
    let rows = textRows(width: grid.width)
    let chartRows = Self.chartRows(under: grid.height - rows.count)
    for (offset, line) in rows.enumerated() {
      if offset == 0, model.lastProbe?.result.isHealthy == true {
        // The figure itself stands out; its phases and statistics are context.
        let x = grid.put("  now ", x: 0, y: row)
        let total = DurationText.milliseconds(model.lastProbe!.result.timings.total)
        grid.put(total, x: x, y: row, style: CellStyle(tone: .ok, bold: true))
        grid.put(String(line.text.dropFirst(x + total.count)), x: x + total.count, y: row)
        continue
      }
      grid.put(line.text, x: 0, y: row + offset, style: line.style)
    }
    guard let last = model.lastProbe else { return }
    let graphRow = row + rows.count
    let verdict =
      last.result.isHealthy
      ? "\(glyphs.okMark) ok \(last.time.timeOfDay)"
      : "\(glyphs.failMark) \(model.probeFails ? "failed" : "not probed") \(last.time.timeOfDay)"
    let failed = model.latency.failures
    let legend = "  last \(Int(model.latency.span)) s\(failed > 0 ? ", \(failed) failed" : "")  "
    if chartRows > 0 {
      LatencyChart(latency: model.latency, glyphs: glyphs).draw(into: &grid, top: graphRow, rows: chartRows)
      let legendRow = graphRow + chartRows
      let start = max(0, grid.width - legend.count - verdict.count - 1)
      let verdictStart = grid.put(legend, x: start, y: legendRow, style: .dim)
      grid.put(verdict, x: verdictStart, y: legendRow, style: last.result.isHealthy ? .ok : .failing)
      return
    }
    let graphWidth = max(0, grid.width - 2 - legend.count - verdict.count - 1)
    drawGraph(into: &grid, x: 2, y: graphRow, width: graphWidth)
    let verdictStart = grid.put(legend, x: 2 + graphWidth, y: graphRow, style: .dim)
    grid.put(verdict, x: verdictStart, y: graphRow, style: last.result.isHealthy ? .ok : .failing)
  }

  /// One column per probe, newest on the right, heights relative to the window's slowest.
  private func drawGraph(into grid: inout Grid, x: Int, y: Int, width: Int) {
    Self.drawGraph(model.latency, glyphs: glyphs, into: &grid, x: x, y: y, width: width)
  }

  static func drawGraph(_ latency: LatencyWindow, glyphs: Glyphs, into grid: inout Grid, x: Int, y: Int, width: Int) {
    let samples = latency.samples.suffix(width)
    var slowest = 1.0
    if let highest = samples.lazy.filter(\.healthy).map(\.milliseconds).max() { slowest = highest }
    var column = x + width - samples.count
    for sample in samples {
      // One cell each, set directly: a string per sample would be built and split again.
      if sample.healthy {
        let fraction = slowest > 0 ? sample.milliseconds / slowest : 0
        let level = min(glyphs.levels.count - 1, max(0, Int((fraction * Double(glyphs.levels.count)).rounded(.up)) - 1))
        grid[column, y] = Cell(character: glyphs.levels[level], style: .ok)
      } else {
        grid[column, y] = Cell(character: glyphs.failedProbe, style: .failing)
      }
      column += 1
    }
  }
}
