import Engine

/// The trigger log's tail, newest last; scrolls up with the arrows and PgUp, follows new
/// lines while at the bottom.
struct TriggerLogPanel: Panel {
  let model: DashboardModel

  /// Under its rule, which names the file and says when the log is scrolled.
  static func section(_ model: DashboardModel, glyphs: Glyphs) -> Section {
    var detail = model.target.logFile
    // Said first, so a narrow screen cuts the path rather than the warning.
    if model.logScroll > 0 { detail = "(\(model.logScroll) lines up; End follows)  " + detail }
    return Section(title: "trigger log", detail: detail, glyphs: glyphs, body: TriggerLogPanel(model: model))
  }

  /// One row per line, and those the newest line needs to be read whole.
  func height(width: Int) -> Int {
    max(1, model.logLines.count) + max(0, newestRows(width: width) - 1)
  }

  /// Two lines at least, so the newest is never alone without what came before it.
  func minimumHeight(width: Int) -> Int { min(2, height(width: width)) }

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

  func draw(into grid: inout Grid) {
    let rows = grid.height
    if let error = model.logError {
      grid.put("  \(error)", x: 0, y: 0, style: .failing)
      return
    }
    if model.logLines.isEmpty {
      grid.put("  no restart triggered yet", x: 0, y: 0, style: .dim)
      return
    }
    // The newest line, when followed, is wrapped so its reason is never cut off.
    let wrapped = min(newestRows(width: grid.width), rows)
    let end = max(0, model.logLines.count - model.logScroll)
    let visible = model.logLines[max(0, end - (rows - (wrapped - 1)))..<end]
    var y = 0
    for (offset, line) in visible.enumerated() {
      let style: CellStyle =
        switch TriggerLogEntry.kind(ofLine: line) {
        case .failed: .failing
        case .dryRun, .decision, .unknown: .plain
        case .restart, .awaitingApproval, .notice: .warning
        }
      if offset == visible.count - 1 && wrapped > 1 {
        for piece in Self.wrapped(line, width: grid.width) where y < rows {
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
