import Engine

/// The trigger log's tail, newest last; scrolls up with the arrows and PgUp, follows new
/// lines while at the bottom.
struct TriggerLogPanel {
  let model: DashboardModel
  let glyphs: Glyphs

  /// Rows under the rule: one per line, and those the newest line needs to be read whole.
  func wantedRows(width: Int) -> Int {
    max(1, model.logLines.count) + max(0, newestRows(width: width) - 1)
  }

  private func newestRows(width: Int) -> Int {
    guard model.logScroll == 0, let newest = model.logLines.last else { return 1 }
    return min(Self.newestLimit, Self.wrapped(newest, width: width).count)
  }

  /// Rows the newest line may take: a whole reason (bounded where it is written) fits.
  private static let newestLimit = 6

  /// A line on whole words, its first row at column 2 and the rest under it at 4.
  private static func wrapped(_ line: String, width: Int) -> [String] {
    let rows = TextLayout.wrap(line, width: max(1, width - 4))
    return rows.enumerated().map { ($0.offset == 0 ? "  " : "    ") + $0.element }
  }

  func draw(into grid: inout Grid, top: Int, height: Int) {
    guard height > 1 else { return }
    var detail = model.target.logFile
    // Said first, so a narrow screen cuts the path rather than the warning.
    if model.logScroll > 0 { detail = "(\(model.logScroll) lines up; End follows)  " + detail }
    SectionRule(title: "trigger log", detail: detail).draw(into: &grid, row: top, glyphs: glyphs)
    let rows = height - 1
    if let error = model.logError {
      grid.put("  \(error)", x: 0, y: top + 1, style: .failing)
      return
    }
    if model.logLines.isEmpty {
      grid.put("  no restart triggered yet", x: 0, y: top + 1, style: .dim)
      return
    }
    // The newest line, when followed, is wrapped so its reason is never cut off.
    let wrapped = min(newestRows(width: grid.width), rows)
    let end = max(0, model.logLines.count - model.logScroll)
    let visible = model.logLines[max(0, end - (rows - (wrapped - 1)))..<end]
    var y = top + 1
    for (offset, line) in visible.enumerated() {
      let style: CellStyle =
        switch TriggerLogEntry.kind(ofLine: line) {
        case .failed: .failing
        case .dryRun, .decision, .unknown: .plain
        case .restart, .awaitingApproval, .notice: .warning
        }
      if offset == visible.count - 1 && wrapped > 1 {
        for piece in Self.wrapped(line, width: grid.width) where y < top + 1 + rows {
          grid.put(piece, x: 0, y: y, style: style)
          y += 1
        }
      } else {
        grid.put("  \(line)", x: 0, y: y, style: style)
        y += 1
      }
    }
  }
}
