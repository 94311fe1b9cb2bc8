/// The latency of the window's probes as a chart of several rows with a scale, as gping draws
/// it: one column per probe, newest on the right, bars in eighths of a row; failed probes are
/// marked on the bottom row in words' stead (× or X), never by colour alone.
struct LatencyChart {
  let latency: LatencyWindow
  let glyphs: Glyphs

  /// The top of the scale: the slowest probe, unless it is a spike (over four times the
  /// median, and over the next slowest by a fifth) that would flatten every other probe into
  /// the bottom row; then the scale stops there, and the spike reaches the top, marked ↑.
  static func scaleTop(_ latencies: [Double]) -> Double {
    let sorted = latencies.sorted()
    guard let slowest = sorted.last else { return 1 }
    let median = LatencyWindow.percentile(sorted, 0.5)
    let next = sorted.count > 1 ? sorted[sorted.count - 2] : slowest
    return max(0.1, min(slowest, max(4 * median, 1.2 * next)))
  }

  /// Drawn into `rows` rows from `top`, across the grid's width: each probe one column, or
  /// more when the window's probes would not fill it.
  func draw(into grid: inout Grid, top: Int, rows: Int) {
    guard rows > 0 else { return }
    let samples = latency.samples
    let scale = Self.scaleTop(samples.filter(\.healthy).map(\.milliseconds))
    let clipped = samples.contains { $0.healthy && $0.milliseconds > scale }
    // The scale: the top, half way, zero at the bottom; a clipped top says so.
    let labels = [
      (0, (clipped ? "≥" : "") + Self.label(scale)),
      (rows / 2, Self.label(scale * Double(rows - rows / 2) / Double(rows))), (rows - 1, "0 ms"),
    ]
    let labelWidth = 9
    for (row, text) in labels where row < rows {
      let shown = glyphs == .unicode ? text : String(text.map { $0 == "≥" ? ">" : $0 })
      grid.put(
        String(repeating: " ", count: max(0, labelWidth - 1 - shown.count)) + shown, x: 0, y: top + row, style: .dim)
    }
    let left = labelWidth + 1
    let width = max(0, grid.width - left - 1)
    // A window of probes once a second holds about `span` of them: each gets the columns that
    // fill the width, so a wide screen is used and the newest stays on the right.
    let expected = max(1, Int(latency.span.rounded()))
    let perSample = max(1, width / expected)
    let shown = samples.suffix(width / perSample)
    var column = left + width - shown.count * perSample
    let eighths: [Character] =
      glyphs == .unicode
      ? [" ", "▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"] : [" ", ".", ".", ".", "=", "=", "=", "=", "#"]
    let spike: Character = glyphs == .unicode ? "↑" : "^"
    for sample in shown {
      for _ in 0..<perSample {
        if sample.healthy {
          let height = Int((min(sample.milliseconds, scale) / scale * Double(rows * 8)).rounded(.up))
          for row in 0..<rows {
            let filled = min(8, max(0, height - (rows - 1 - row) * 8))
            if filled > 0 { grid.put(String(eighths[filled]), x: column, y: top + row, style: .ok) }
          }
          if sample.milliseconds > scale { grid.put(String(spike), x: column, y: top, style: .warning) }
        } else {
          grid.put(String(glyphs.failedProbe), x: column, y: top + rows - 1, style: .failing)
        }
        column += 1
      }
    }
  }

  static func label(_ milliseconds: Double) -> String {
    TextLayout.latency(milliseconds: milliseconds)
  }
}
