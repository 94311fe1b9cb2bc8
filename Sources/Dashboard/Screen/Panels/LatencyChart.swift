/// The latency of the window's probes as a chart of several rows with a scale, as gping draws
/// it: one column per probe, newest on the right, bars in eighths of a row; failed probes are
/// marked on the bottom row in words' stead (× or X), never by colour alone.
struct LatencyChart {
  let latency: LatencyWindow
  let glyphs: Glyphs

  /// Drawn into `rows` rows from `top`, across the grid's width.
  func draw(into grid: inout Grid, top: Int, rows: Int) {
    guard rows > 0 else { return }
    let samples = latency.samples
    let slowest = max(0.1, samples.filter(\.result.isHealthy).map(\.milliseconds).max() ?? 1)
    // The scale: the slowest at the top, half way, zero at the bottom.
    let labels = [
      (0, Self.label(slowest)), (rows / 2, Self.label(slowest * Double(rows - rows / 2) / Double(rows))),
      (rows - 1, "0 ms"),
    ]
    let labelWidth = 9
    for (row, text) in labels where row < rows {
      grid.put(
        String(repeating: " ", count: max(0, labelWidth - 1 - text.count)) + text, x: 0, y: top + row, style: .dim)
    }
    let left = labelWidth + 1
    let width = max(0, grid.width - left - 1)
    let shown = samples.suffix(width)
    var column = left + width - shown.count
    let eighths: [Character] =
      glyphs == .unicode
      ? [" ", "▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"] : [" ", ".", ".", ".", "=", "=", "=", "=", "#"]
    for sample in shown {
      if sample.result.isHealthy {
        let height = Int((sample.milliseconds / slowest * Double(rows * 8)).rounded(.up))
        for row in 0..<rows {
          let filled = min(8, max(0, height - (rows - 1 - row) * 8))
          if filled > 0 { grid.put(String(eighths[filled]), x: column, y: top + row, style: .ok) }
        }
      } else {
        grid.put(String(glyphs.failedProbe), x: column, y: top + rows - 1, style: .failing)
      }
      column += 1
    }
  }

  static func label(_ milliseconds: Double) -> String {
    TextLayout.latency(milliseconds: milliseconds)
  }
}
