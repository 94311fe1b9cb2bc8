import Engine

/// A box drawn over the middle of the frame: help, or a confirmation.
struct OverlayBox {
  var title: String
  var lines: [String]

  func draw(into grid: inout Grid, glyphs: Glyphs) {
    let width = min(grid.width - 2, max(title.count + 6, (lines.map(\.count).max() ?? 0) + 4))
    let height = min(grid.height - 2, lines.count + 2)
    let left = (grid.width - width) / 2
    let top = max(1, (grid.height - height) / 2)
    let edge: Character = glyphs == .unicode ? "│" : "|"
    for row in top..<(top + height) {
      grid.fill(" ", x: left, y: row, count: width)
      grid.put(String(edge), x: left, y: row, style: .title)
      grid.put(String(edge), x: left + width - 1, y: row, style: .title)
    }
    grid.fill(glyphs.horizontal, x: left, y: top, count: width, style: .title)
    grid.fill(glyphs.horizontal, x: left, y: top + height - 1, count: width, style: .title)
    let corners: [Character] = glyphs == .unicode ? ["┌", "┐", "└", "┘"] : ["+", "+", "+", "+"]
    grid.put(String(corners[0]), x: left, y: top, style: .title)
    grid.put(String(corners[1]), x: left + width - 1, y: top, style: .title)
    grid.put(String(corners[2]), x: left, y: top + height - 1, style: .title)
    grid.put(String(corners[3]), x: left + width - 1, y: top + height - 1, style: .title)
    grid.put(" \(title) ", x: left + 2, y: top, style: .title)
    for (index, line) in lines.prefix(height - 2).enumerated() {
      grid.put(line, x: left + 2, y: top + 1 + index, limit: width - 4)
    }
  }

  static func help(for model: DashboardModel) -> OverlayBox {
    var lines = [
      "p        run one check now, exactly what the timer runs",
      "         (counts under the state lock; may restart at the threshold)",
      "d        dry-run restart: log the line, show the command, restart nothing",
    ]
    if !model.target.readonly {
      lines.append("R        restart the service now (asks first, shows the command)")
      lines.append("A        decide a pending restart request: y approve, n reject")
    }
    if model.target.isDemo {
      lines += [
        "h w      demo service: hang (frozen), wedge (upgrades, never replies)",
        "s x n    demo service: slow, refuse connections, back to normal",
      ]
    }
    lines += [
      "i        the latest incident report, whole (written before a restart)",
      "Up Down  scroll the trigger log one line",
      "PgUp Dn  scroll the trigger log one page",
      "Home End oldest lines / follow the newest",
      "? F1     this help          q F10 Ctrl-C  quit",
      "",
      "The dashboard probes every \(DurationText.fixed(model.target.interval, decimals: 1)) s without counting;",
      "only p and the timer count failures. Any key closes this help.",
    ]
    return OverlayBox(title: "help", lines: lines)
  }

  /// The reason whole, wrapped on words to fit a screen `width` wide: it is what a person
  /// decides on.
  static func confirmApproval(
    unit: String, pending: PendingRestart, command: String, report: DashboardModel.IncidentReportShown? = nil,
    width: Int
  ) -> OverlayBox {
    let room = max(20, min(76, width - 2) - 6)
    // The report's first line repeats why it was asked; the rest is the evidence.
    let evidence =
      report.map { report in
        ["", "Incident report (i after Esc shows it whole):"]
          + report.summary.dropFirst().flatMap { TextLayout.wrap($0, width: room).map { "  " + $0 } }
      } ?? []
    return OverlayBox(
      title: "approve the restart of \(unit)?",
      lines: ["Asked \(pending.wallTime.prefix(19)), fail count \(pending.count), MainPID \(pending.pid):"]
        + TextLayout.wrap(pending.reason, width: room).map { "  " + $0 } + evidence
        + ["", "y approves and runs:"] + TextLayout.wrap(command, width: room).map { "  " + $0 }
        + ["", "y  approve (restart)    n  reject    Esc  leave it pending"])
  }

  static func confirmRestart(unit: String, command: String) -> OverlayBox {
    OverlayBox(
      title: "restart \(unit)?",
      lines: ["This runs:", "  \(command)", "", "y  restart now        Esc  cancel"])
  }
}
