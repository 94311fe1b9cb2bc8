import Engine

/// The trigger log's tail, newest last; scrolls up with the arrows and PgUp, follows new
/// lines while at the bottom.
struct TriggerLogPanel {
  let model: DashboardModel
  let glyphs: Glyphs

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
    let end = max(0, model.logLines.count - model.logScroll)
    let visible = model.logLines[max(0, end - rows)..<end]
    for (offset, line) in visible.enumerated() {
      let style: CellStyle =
        switch TriggerLogEntry.kind(ofLine: line) {
        case .failed: .failing
        case .dryRun, .decision, .unknown: .plain
        case .restart, .awaitingApproval, .notice: .warning
        }
      grid.put("  \(line)", x: 0, y: top + 1 + offset, style: style)
    }
  }
}
