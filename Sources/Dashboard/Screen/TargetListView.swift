import Engine

/// The box at a glance: one row per target, failing and pending ones marked in words and
/// glyphs (never by colour alone), the selected one in reverse video.
///
/// ```
///  websocket-health-check  3 targets: 1 failing, 1 awaiting approval
///    TARGET   STATUS                         LATENCY  LAST 60 S      FAILS  ARMED     MODE     NEXT
///  ! backend  FAILING: no reply to the JSON-…   -     ⣀⣀⣤××××       4/6    armed     auto     9 s
///  ▶ edge     ok                             2.3 ms   ⣀⣀⣤⣀⣀⣀⣀       0/6    armed     auto     9 s
/// ```
struct TargetListView {
  let box: BoxModel
  let glyphs: Glyphs

  func render(width: Int, height: Int) -> Grid {
    var grid = Grid(width: width, height: height)
    guard width >= DashboardView.minimumWidth, height >= 8 else {
      grid.put(
        "terminal too small (need \(DashboardView.minimumWidth)x8); enlarge it or press q", x: 0, y: 0, style: .warning)
      return grid
    }
    var panels: [PanelStack.Item] = [.init(panel: TitleBar(subject: summary, glyphs: glyphs))]
    if let banner = TitleBar.approval(in: box, glyphs: glyphs) { panels.append(.init(panel: banner)) }
    let table = TargetTable(box: box, glyphs: glyphs, rowsAtMost: height)
    let footer: [PanelStack.Item] = [.init(panel: statusLine), .init(panel: keys)]
    // Rows the whole list does not need go to the selected target's view, under it, as k9s
    // and htop use a tall screen: its panels, from the least a target's view can be drawn in.
    // Short of room, the pane leaves out the trigger log first: the probe and the watchdog's
    // past say more about the target at a glance.
    let spare = height - panels.count - footer.count - table.height(width: width) - 1
    if box.targets.indices.contains(box.selected), !box.visible.isEmpty {
      var selected = box.targets[box.selected]
      selected.overlay = .none
      var detail = PanelStack(DashboardView.panels(of: selected, glyphs: glyphs))
      if spare < detail.minimumHeight(width: width) { detail.items.removeLast() }
      if spare >= detail.minimumHeight(width: width) {
        panels.append(.init(panel: table))
        panels.append(.init(panel: TextLine(text: "")))
        panels.append(.init(panel: detail, grows: true))
      } else {
        panels.append(.init(panel: table, grows: true))
      }
    } else {
      panels.append(.init(panel: table, grows: true))
    }
    grid.render(PanelStack(panels + footer), in: Area(width: width, height: height))
    if box.showsHelp { Self.help.draw(into: &grid, glyphs: glyphs) }
    return grid
  }

  /// Each target counted once, under what matters most about it.
  private var summary: String {
    var counts: [String: Int] = [:]
    // By index, read in place: a loop over the models would copy each whole one.
    for index in box.targets.indices {
      let word: String? =
        if box.targets[index].pendingRestart != nil {
          "awaiting approval"
        } else if box.targets[index].probeFails {
          "failing"
        } else if box.targets[index].timerProblem != nil {
          "not watched"
        } else if box.targets[index].needsAttention {
          "in trouble"
        } else {
          nil
        }
      if let word { counts[word, default: 0] += 1 }
    }
    let problems = ["failing", "awaiting approval", "not watched", "in trouble"].compactMap { word in
      counts[word].map { "\($0) \(word)" }
    }
    return "\(box.targets.count) target\(box.targets.count == 1 ? "" : "s")"
      + (problems.isEmpty ? ": all ok" : ": " + problems.joined(separator: ", "))
  }

  private var statusLine: TextLine {
    if box.editingFilter {
      return TextLine(text: " filter: \(box.filter)_   (Enter keeps it, Esc clears it)", style: .title)
    } else if let status = box.status {
      return TextLine(text: " \(status.text)", style: CellStyle(tone: status.tone, bold: true))
    } else if !box.filter.isEmpty {
      return TextLine(
        text: " filter: \(box.filter)   (\(box.visible.count) of \(box.targets.count); Esc clears it)", style: .dim)
    }
    return TextLine(text: "")
  }

  private var keys: KeyBar {
    var keys: [(String, String)] = [("↑↓", "select"), ("Enter", "open"), ("/", "filter"), ("p", "check")]
    if box.targets.contains(where: { $0.pendingRestart != nil && !$0.target.readonly }) {
      keys.append(("A", "approve"))
    }
    keys += [("?", "help"), ("q", "quit")]
    if glyphs != .unicode { keys[0].0 = "Up/Dn" }
    return KeyBar(keys: keys)
  }

  static let help = OverlayBox(
    title: "help: the box",
    lines: [
      "Up Down j k   select a target        Enter    open its view (Esc: back)",
      "/             filter by name         Esc      clear the filter",
      "p             check the selected target now (counts, as the timer does)",
      "d R A i       dry run, restart, approve, incident report: as in a target's view",
      "! marks a target that is failing, awaits approval, cannot be read, or whose",
      "  timer does not run its checks (NEXT says STOPPED, FAILED, MISSING, DISABLED, STALE).",
      "Any key closes this help.          q F10 Ctrl-C  quit",
    ])
}

/// The list's rows: one per target, and its whole reason wrapped under it from the STATUS
/// column, the selected target's always, the others' while there is room.
struct TargetTable: Panel {
  let box: BoxModel
  let glyphs: Glyphs
  /// No more rows than this are laid out: a box of a hundred is drawn four times a second.
  let rowsAtMost: Int

  private func columns(width: Int) -> Columns {
    Columns(width: width, nameWidth: box.targets.indices.map { box.targets[$0].target.name.count }.max() ?? 6)
  }

  /// A target's reason on whole words, from the STATUS column to the edge.
  private func reasonLines(_ index: Int, columns: Columns, width: Int) -> [String] {
    Self.reason(of: box.targets[index]).map { TextLayout.wrap($0, width: width - columns.status - 1) } ?? []
  }

  /// The titles and every shown target with its reason, as far as `rowsAtMost`.
  func height(width: Int) -> Int {
    var needed = 1
    let columns = columns(width: width)
    for index in box.visible where needed <= rowsAtMost {
      needed += 1 + reasonLines(index, columns: columns, width: width).count
    }
    return max(2, needed)
  }

  func minimumHeight(width: Int) -> Int { 2 }

  func draw(into grid: inout Grid) {
    let columns = columns(width: grid.width)
    drawTitles(into: &grid, columns: columns, row: 0)
    let shown = box.visible
    let rows = grid.height - 1
    if shown.isEmpty {
      grid.put("  no target's name contains '\(box.filter)'; Esc clears the filter", x: 0, y: 1, style: .dim)
      return
    }
    // The selected target stays in sight, its reason whole: from the top if it fits, else
    // starting with it.
    let position = shown.firstIndex(of: box.selected) ?? 0
    var throughSelected = 0
    for index in shown.prefix(position + 1) where throughSelected <= rows {
      throughSelected += 1 + reasonLines(index, columns: columns, width: grid.width).count
    }
    var y = 1
    for index in shown.dropFirst(throughSelected <= rows ? 0 : position) {
      guard y < 1 + rows else { break }
      // Read in place: a target's model is large, and a hundred rows are drawn twice a second.
      drawRow(box.targets[index], selected: index == box.selected, into: &grid, columns: columns, row: y)
      y += 1
      let style = CellStyle(tone: Self.tone(of: box.targets[index]), bold: false)
      for line in reasonLines(index, columns: columns, width: grid.width) where y < 1 + rows {
        grid.put(line, x: columns.status, y: y, style: style)
        y += 1
      }
    }
  }

  /// Where each column starts; the status and the graphs take what the screen has to spare,
  /// the timer's last hour shows from 110 columns, and ARMED (also told by FAILS: `-/6` is
  /// disarmed) from 100.
  struct Columns {
    var name: Int
    var status: Int
    var latency: Int
    var graph: Int
    var graphWidth: Int
    /// The timer's last hour from its check history, where the screen has room for it.
    var hour: Int?
    var hourWidth = 0
    var failures: Int
    var armed: Int?
    var mode: Int
    var next: Int

    init(width: Int, nameWidth: Int) {
      let nameWidth = min(max(6, nameWidth), 20)
      name = 2
      status = name + nameWidth + 2
      let showsArmed = width >= 100
      // LATENCY, the graph's gap, FAILS, ARMED, MODE and NEXT, which holds "DISABLED" whole.
      let fixed = 9 + 1 + 7 + (showsArmed ? 10 : 0) + 9 + 8
      var spare = max(24, width - status - fixed)
      // From 110 columns the timer's last hour gets a column, taken from the status's room.
      if width >= 110 {
        hourWidth = min(30, max(12, spare / 6))
        spare -= hourWidth + 1
      }
      graphWidth = min(60, max(8, spare / 3))
      latency = status + (spare - graphWidth)
      graph = latency + 9
      let hourStart = graph + graphWidth + 1
      hour = hourWidth > 0 ? hourStart : nil
      failures = hourWidth > 0 ? hourStart + hourWidth + 1 : hourStart
      armed = showsArmed ? failures + 7 : nil
      mode = (armed.map { $0 + 10 }) ?? failures + 7
      next = mode + 9
    }

    var statusWidth: Int { latency - status - 1 }
  }

  private func drawTitles(into grid: inout Grid, columns: Columns, row: Int) {
    let style = CellStyle.title
    grid.put("TARGET", x: columns.name, y: row, style: style)
    grid.put("STATUS", x: columns.status, y: row, style: style)
    grid.put("LATENCY", x: columns.latency, y: row, style: style)
    grid.put(
      columns.graphWidth >= 9 ? "LAST 60 S" : "LAST MIN", x: columns.graph, y: row, style: style,
      limit: columns.graphWidth)
    if let hour = columns.hour {
      grid.put(
        columns.hourWidth >= 13 ? "TIMER LAST 1 H" : "TIMER 1 H", x: hour, y: row, style: style,
        limit: columns.hourWidth)
    }
    grid.put("FAILS", x: columns.failures, y: row, style: style)
    if let armed = columns.armed { grid.put("ARMED", x: armed, y: row, style: style) }
    grid.put("MODE", x: columns.mode, y: row, style: style)
    grid.put("NEXT", x: columns.next, y: row, style: style, limit: max(0, grid.width - columns.next))
  }

  private func drawRow(_ target: DashboardModel, selected: Bool, into grid: inout Grid, columns: Columns, row: Int) {
    let pending = target.pendingRestart != nil
    let trouble = target.stateError ?? target.serviceError
    let base = CellStyle(tone: .plain, bold: selected, reverse: selected)
    if selected { grid.fill(" ", x: 0, y: row, count: grid.width, style: base) }
    // The mark says it without colour: ▶ selected, ! needs a look.
    let mark = target.needsAttention ? "!" : (selected ? (glyphs == .unicode ? "▶" : ">") : " ")
    grid.put(
      mark, x: 0, y: row, style: target.needsAttention ? CellStyle(tone: .failing, bold: true, reverse: selected) : base
    )
    grid.put(target.target.name, x: columns.name, y: row, style: base, limit: columns.status - columns.name - 1)
    // The word here; the reason, whole, on the lines under the row.
    let statusText: String
    let tone = Self.tone(of: target)
    if pending {
      statusText = "AWAITING APPROVAL"
    } else if target.probeFails {
      statusText = "FAILING"
    } else if trouble != nil || target.lastProbe?.result.failure != nil {
      statusText = "ERROR"
    } else if target.lastProbe != nil {
      statusText = "ok"
    } else {
      statusText = "waiting for the first probe"
    }
    grid.put(
      statusText, x: columns.status, y: row,
      style: CellStyle(tone: tone, bold: tone != .ok && tone != .dim || selected, reverse: selected),
      limit: columns.statusWidth)
    let latency =
      target.lastProbe.flatMap { $0.result.isHealthy ? DurationText.milliseconds($0.result.timings.total) : nil } ?? "-"
    grid.put(latency, x: columns.latency + max(0, 7 - latency.count), y: row, style: base)
    ProbePanel.drawGraph(
      target.latency, glyphs: glyphs, into: &grid, x: columns.graph, y: row, width: columns.graphWidth)
    if let hour = columns.hour, let now = WatchdogPanel.now(of: target) {
      let sparkline = CheckHistory.sparkline(
        target.history, now: now, window: .seconds(3600), columns: columns.hourWidth)
      WatchdogPanel.drawSparkline(sparkline, glyphs: glyphs, into: &grid, x: hour, y: row)
    }
    let count = target.failureCount
    let failures = target.isArmed ? "\(count!)/\(target.target.threshold)" : "-/\(target.target.threshold)"
    grid.put(
      failures, x: columns.failures, y: row,
      style: CellStyle(tone: (count ?? 0) > 0 ? .warning : .plain, bold: selected, reverse: selected))
    if let armed = columns.armed { grid.put(target.isArmed ? "armed" : "disarmed", x: armed, y: row, style: base) }
    grid.put(target.target.mode.rawValue, x: columns.mode, y: row, style: base)
    // A timer that does not run the checks says so where its next run would be.
    let next = target.timerProblem?.word ?? target.nextTimerCheck.map { "\($0) s" } ?? "-"
    grid.put(
      next, x: columns.next, y: row,
      style: target.timerProblem == nil ? base : CellStyle(tone: .failing, bold: true, reverse: selected),
      limit: max(0, grid.width - columns.next))
  }

  /// What a target's reason line says, if it has one: why a restart waits, why the probe
  /// failed, or why the target cannot be read.
  static func reason(of target: DashboardModel) -> String? {
    if let pending = target.pendingRestart {
      return "since \(pending.wallTime.dropFirst(11).prefix(8)), fail count \(pending.count): \(pending.reason)"
    }
    if let failure = target.lastProbe?.result.failure {
      return (target.failingSince.map { "timer \($0); " } ?? "") + "\(failure)"
    }
    return target.stateError ?? target.serviceError
  }

  static func tone(of target: DashboardModel) -> CellStyle.Tone {
    if target.pendingRestart != nil { return .warning }
    if target.lastProbe?.result.failure != nil || target.stateError ?? target.serviceError != nil { return .failing }
    return target.lastProbe == nil ? .dim : .ok
  }
}
