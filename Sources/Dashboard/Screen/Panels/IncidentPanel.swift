import Engine

/// The latest incident report's summary: why it was written, the episode, and for a JVM where
/// its threads wait; `i` shows the whole report.
struct IncidentPanel: Panel {
  let report: DashboardModel.IncidentReportShown

  /// Under its rule, which says when it was written and where it is.
  static func section(_ model: DashboardModel, glyphs: Glyphs) -> Section? {
    model.latestReport.map { report in
      Section(
        // The key first: a narrow screen cuts the path's end, which the viewer shows whole.
        title: "incident report", detail: "\(report.written), i shows it  \(report.path)", glyphs: glyphs,
        body: IncidentPanel(report: report))
    }
  }

  /// Rows the summary wants wrapped, at most four: the rest is one key away.
  static let limit = 4

  private func rows(width: Int) -> [String] {
    report.summary.flatMap { line in
      TextLayout.wrap(line, width: max(10, width - 4)).enumerated().map {
        ($0.offset == 0 ? "  " : "    ") + $0.element
      }
    }
  }

  func height(width: Int) -> Int { min(Self.limit, max(1, rows(width: width).count)) }
  func minimumHeight(width: Int) -> Int { 1 }

  func draw(into grid: inout Grid) {
    for (row, line) in rows(width: grid.width).prefix(grid.height).enumerated() {
      // The first line says why it was written; the dump's groups are what to read.
      grid.put(line, x: 0, y: row, style: row == 0 ? .dim : .plain)
    }
  }
}

/// The whole report over the screen, as `less` would show it: a title row, the lines, and
/// the keys that page.
struct ReportViewer: Panel {
  let path: String
  let lines: [String]
  let scroll: Int
  let glyphs: Glyphs

  func height(width: Int) -> Int { lines.count + 2 }

  /// Lines a page shows on a screen `height` rows tall.
  static func page(height: Int) -> Int { max(1, height - 2) }

  func draw(into grid: inout Grid) {
    let page = Self.page(height: grid.height)
    for row in 0..<grid.height { grid.fill(" ", x: 0, y: row, count: grid.width) }
    let shown = lines.dropFirst(scroll).prefix(page)
    let last = min(lines.count, scroll + page)
    TitleBar(
      title: " incident report  ", subject: path, detail: "",
      right: "lines \(lines.isEmpty ? 0 : scroll + 1)-\(last) of \(lines.count)", glyphs: glyphs
    ).draw(into: &grid)
    for (offset, line) in shown.enumerated() {
      let style: CellStyle = line.hasPrefix("== ") ? .title : .plain
      grid.put(line, x: 0, y: 1 + offset, style: style)
    }
    KeyBar(keys: [("↑↓", "line"), ("PgUp PgDn", "page"), ("Home End", "top, end"), ("Esc", "back")]).render(
      into: &grid, row: grid.height - 1)
  }
}

extension KeyBar {
  /// Draws into one row of the grid's drawing area.
  fileprivate func render(into grid: inout Grid, row: Int) {
    grid.render(self, in: Area(y: row, width: grid.width, height: 1))
  }
}
