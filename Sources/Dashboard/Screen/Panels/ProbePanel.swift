import Engine

/// The live probe: the last result with its phases, min/p50/p95/max, and a latency graph of
/// the window with failed probes marked, in words and glyphs, never by colour alone.
struct ProbePanel {
  let model: DashboardModel
  let glyphs: Glyphs
  /// Rows of the tall chart under the "now" line; 0 draws the one-row graph instead.
  var chartRows = 0

  /// The rows this panel takes: the "now" line and the one-row graph, or the "now" line, the
  /// chart and its legend.
  var height: Int { chartRows > 0 ? 2 + chartRows : 2 }

  /// How many chart rows to draw with `spare` rows free: all of them, as gping fills its
  /// screen, but none below three (a chart of two rows says less than the one-row graph).
  static func chartRows(spare: Int) -> Int { spare >= 3 ? spare - 1 : 0 }

  func draw(into grid: inout Grid, row: Int) {
    guard let last = model.lastProbe else {
      grid.put(
        "  waiting for the first probe (every \(DurationText.seconds(.milliseconds(Int64(model.target.interval * 1000)))))",
        x: 0, y: row, style: .dim)
      return
    }
    let phases = last.result.timings.entries.map { "\($0.phase.rawValue) \(Self.short($0.duration.inMilliseconds))" }
      .joined(separator: " ")
    // While failing, the phases (which passed, which waited) say more than healthy statistics.
    let right =
      last.result.isHealthy
      ? model.latency.statistics.map {
        "min \(Self.short($0.minimum)) p50 \(Self.short($0.median)) p95 \(Self.short($0.p95)) max \(Self.short($0.maximum))"
      } ?? "no healthy probe in the window"
      : phases
    let rightStart = max(0, grid.width - right.count - 1)
    var x = grid.put("  now ", x: 0, y: row)
    if let failure = last.result.failure {
      grid.put("\(glyphs.failMark) \(failure)", x: x, y: row, style: .failing, limit: rightStart - x - 1)
    } else {
      x = grid.put(
        DurationText.milliseconds(last.result.timings.total), x: x, y: row, style: CellStyle(tone: .ok, bold: true))
      grid.put("  " + phases, x: x, y: row, limit: rightStart - x - 1)
    }
    grid.put(right, x: rightStart, y: row, style: .dim)

    let verdict =
      last.result.isHealthy
      ? "\(glyphs.okMark) ok \(last.time.timeOfDay)" : "\(glyphs.failMark) failed \(last.time.timeOfDay)"
    let failed = model.latency.failures
    let legend = "  last \(Int(model.latency.span)) s\(failed > 0 ? ", \(failed) failed" : "")  "
    if chartRows > 0 {
      LatencyChart(latency: model.latency, glyphs: glyphs).draw(into: &grid, top: row + 1, rows: chartRows)
      let legendRow = row + 1 + chartRows
      let start = max(0, grid.width - legend.count - verdict.count - 1)
      let verdictStart = grid.put(legend, x: start, y: legendRow, style: .dim)
      grid.put(verdict, x: verdictStart, y: legendRow, style: last.result.isHealthy ? .ok : .failing)
      return
    }
    let graphWidth = max(0, grid.width - 2 - legend.count - verdict.count - 1)
    drawGraph(into: &grid, x: 2, y: row + 1, width: graphWidth)
    let verdictStart = grid.put(legend, x: 2 + graphWidth, y: row + 1, style: .dim)
    grid.put(verdict, x: verdictStart, y: row + 1, style: last.result.isHealthy ? .ok : .failing)
  }

  /// One column per probe, newest on the right, heights relative to the window's slowest.
  private func drawGraph(into grid: inout Grid, x: Int, y: Int, width: Int) {
    Self.drawGraph(model.latency, glyphs: glyphs, into: &grid, x: x, y: y, width: width)
  }

  static func drawGraph(_ latency: LatencyWindow, glyphs: Glyphs, into grid: inout Grid, x: Int, y: Int, width: Int) {
    let samples = latency.samples.suffix(width)
    let slowest = samples.filter(\.result.isHealthy).map(\.milliseconds).max() ?? 1
    var column = x + width - samples.count
    for sample in samples {
      if sample.result.isHealthy {
        let fraction = slowest > 0 ? sample.milliseconds / slowest : 0
        let level = min(glyphs.levels.count - 1, max(0, Int((fraction * Double(glyphs.levels.count)).rounded(.up)) - 1))
        grid.put(String(glyphs.levels[level]), x: column, y: y, style: .ok)
      } else {
        grid.put(String(glyphs.failedProbe), x: column, y: y, style: .failing)
      }
      column += 1
    }
  }

  /// `2.4`, `12`, `1234`: milliseconds without the unit, for dense rows.
  static func short(_ milliseconds: Double) -> String {
    milliseconds < 10 ? DurationText.fixed(milliseconds, decimals: 1) : String(Int(milliseconds.rounded()))
  }
}
