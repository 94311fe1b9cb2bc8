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
    // The layout asks each panel how tall it wants to be: the header, the rules, the watchdog,
    // the status and the keys are fixed; the log wants its lines (its newest wrapped whole);
    // rows to spare beyond that grow the latency graph into a chart.
    let log = TriggerLogPanel(model: model, glyphs: glyphs)
    var probe = ProbePanel(model: model, glyphs: glyphs)
    let probeText = probe.textRows(width: width).count
    // Header, rule, the probe's text and one-row graph, rule, watchdog, log rule, status, keys.
    let fixed = 1 + 1 + probeText + probe.graphRows + 1 + WatchdogPanel.height + 1 + 2
    let available = height - fixed
    let logRows = min(max(2, log.wantedRows(width: width)), available)
    probe.chartRows = ProbePanel.chartRows(spare: available - logRows)
    HeaderPanel(model: model, glyphs: glyphs).draw(into: &grid, row: 0)
    SectionRule(title: "probe").draw(into: &grid, row: 1, glyphs: glyphs)
    probe.draw(into: &grid, row: 2)
    let watchdogRow = 2 + probeText + probe.graphRows
    SectionRule(title: "watchdog").draw(into: &grid, row: watchdogRow, glyphs: glyphs)
    WatchdogPanel(model: model, glyphs: glyphs).draw(into: &grid, row: watchdogRow + 1)
    let logTop = watchdogRow + 1 + WatchdogPanel.height
    log.draw(into: &grid, top: logTop, height: height - 2 - logTop)
    if let status = model.status {
      grid.put(" \(status.text)", x: 0, y: height - 2, style: CellStyle(tone: status.tone, bold: true))
    } else if model.checkRunning {
      grid.put(" running a check…", x: 0, y: height - 2, style: .dim)
    }
    KeyBar(model: model).draw(into: &grid, row: height - 1)

    switch model.overlay {
    case .none: break
    case .help: OverlayBox.help(for: model).draw(into: &grid, glyphs: glyphs)
    case .confirmRestart(let command):
      OverlayBox.confirmRestart(unit: model.target.unit, command: command).draw(into: &grid, glyphs: glyphs)
    case .confirmApproval(let pending, let command):
      OverlayBox.confirmApproval(unit: model.target.unit, pending: pending, command: command, width: width)
        .draw(into: &grid, glyphs: glyphs)
    }
    // Over everything, overlays included: a restart waits for a person.
    if let pending = model.pendingRestart {
      ApprovalBanner(pending: pending, readonly: model.target.readonly).draw(into: &grid, row: 1)
    }
    return grid
  }

  /// Log lines one page of the log panel shows, for PgUp/PgDn.
  static func logPage(height: Int) -> Int { max(1, height - 10) }
}
