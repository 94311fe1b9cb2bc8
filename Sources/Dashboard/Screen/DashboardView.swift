import Engine

/// Composes the panels into one frame of a given size.
///
/// ```
///  websocket-health-check  ws://… → openems.service   pid 8123 active        auto
///  ─ probe ──────────────────────────────────────────────────────────────────
///    now 2.4 ms   connect 0.1  upgrade 2.1  close 0.2    min 1.9  p50 2.3 …
///    ⣀⣀⣤⣀⣀⣀⣤⣶⣀⣀⣀⣀⣀⣤⣀⣀⣀⣀                       last 60 s  ✔ ok 16:02:11
///  ─ watchdog ───────────────────────────────────────────────────────────────
///    failures 2/6 ██████░░░░░░░░░  armed   next timer check in 9 s
///    state /run/websocket-health-check/failcount: 8123:2
///  ─ trigger log  /var/log/websocket-health-check/trigger.log ────────────────
///    2026-11-25 15:07:24.123456: Triggered restart! (fail count: 6) …
///  (status line)
///   p check now   d dry-run restart   R restart   ? help   q quit
/// ```
struct DashboardView {
  static let minimumWidth = 60
  static let minimumHeight = 14

  let model: DashboardModel
  let glyphs: Glyphs

  func render(width: Int, height: Int) -> Grid {
    var grid = Grid(width: width, height: height)
    guard width >= Self.minimumWidth, height >= Self.minimumHeight else {
      let message = "terminal too small (need \(Self.minimumWidth)x\(Self.minimumHeight))"
      let lines = [message, "now \(width)x\(height); enlarge it or press q"]
      for (index, line) in lines.enumerated() {
        grid.put(
          line, x: max(0, (width - line.count) / 2), y: height / 2 - 1 + index, style: index == 0 ? .warning : .plain)
      }
      return grid
    }
    // Each panel says how tall it wants to be; the log's lines come before the chart's
    // growth, and the rows left grow the latency graph into a chart.
    var panels = Self.panels(of: model, glyphs: glyphs)
    panels.append(.init(panel: Self.statusLine(of: model)))
    panels.append(.init(panel: KeyBar.target(model)))
    grid.render(PanelStack(panels), in: Area(width: width, height: height))
    switch model.overlay {
    case .none: break
    case .help: OverlayBox.help(for: model).draw(into: &grid, glyphs: glyphs)
    case .confirmRestart(let command):
      OverlayBox.confirmRestart(unit: model.target.unit, command: command).draw(into: &grid, glyphs: glyphs)
    case .confirmApproval(let pending, let command):
      // The evidence kept at this request, read before saying yes.
      let report = model.latestReport.flatMap { report in
        ReportShelf.report(among: [report.path], since: pending.wallTime) == nil ? nil : report
      }
      OverlayBox.confirmApproval(
        unit: model.target.unit, pending: pending, command: command, report: report, width: width
      ).draw(into: &grid, glyphs: glyphs)
    case .report(let lines, let scroll):
      grid.render(
        ReportViewer(path: model.latestReport?.path ?? "", lines: lines, scroll: scroll, glyphs: glyphs),
        in: Area(width: width, height: height))
    }
    // Over everything, overlays included: a restart waits for a person.
    if let pending = model.pendingRestart {
      grid.render(
        TitleBar.approval(pending, readonly: model.target.readonly, glyphs: glyphs),
        in: Area(y: 1, width: width, height: 1)
      )
    }
    return grid
  }

  /// A target's panels, from its title bar to its trigger log: the whole of its view but the
  /// status line and keys, and the list's detail pane for the selected target.
  static func panels(of model: DashboardModel, glyphs: Glyphs) -> [PanelStack.Item] {
    var panels: [PanelStack.Item] = [.init(panel: TitleBar.target(model, glyphs: glyphs))]
    // A restart waiting for a person takes its own row, under the title.
    if let pending = model.pendingRestart {
      panels.append(.init(panel: TitleBar.approval(pending, readonly: model.target.readonly, glyphs: glyphs)))
    }
    panels += [
      .init(
        panel: Section(title: "probe", glyphs: glyphs, body: ProbePanel(model: model, glyphs: glyphs)), grows: true),
      .init(panel: Section(title: "watchdog", glyphs: glyphs, body: WatchdogPanel(model: model, glyphs: glyphs))),
    ]
    if let incident = IncidentPanel.section(model, glyphs: glyphs) { panels.append(.init(panel: incident)) }
    panels.append(.init(panel: TriggerLogPanel.section(model, glyphs: glyphs)))
    return panels
  }

  /// The line that answers the last key, or says a check runs.
  static func statusLine(of model: DashboardModel) -> TextLine {
    if let status = model.status {
      return TextLine(text: " \(status.text)", style: CellStyle(tone: status.tone, bold: true))
    }
    return TextLine(text: model.checkRunning ? " running a check…" : "", style: .dim)
  }

  /// Log lines one page of the log panel shows, for PgUp/PgDn.
  static func logPage(height: Int) -> Int { max(1, height - 10) }
}
