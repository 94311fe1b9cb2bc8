import Engine

/// The failure counter as the timer sees it, read from the shared state file, and what the
/// timer's past checks say: failing since when, or how the last hour went.
struct WatchdogPanel: Panel {
  let model: DashboardModel
  let glyphs: Glyphs

  func height(width: Int) -> Int { 4 }

  func draw(into grid: inout Grid) {
    let row = 0
    let threshold = model.target.threshold
    let count = model.failureCount
    var x = grid.put("  failures ", x: 0, y: row)
    let armed = model.isArmed
    let shown = armed ? "\(count!)/\(threshold)" : "-/\(threshold)"
    x = grid.put(shown, x: x, y: row, style: CellStyle(tone: armed && count! > 0 ? .warning : .plain, bold: true))
    x += 1
    let barWidth = min(30, max(6, grid.width / 5))
    let filled = armed ? min(barWidth, (count! * barWidth + threshold - 1) / threshold) : 0
    grid.fill(glyphs.barFull, x: x, y: row, count: filled, style: filled > 0 ? .warning : .plain)
    grid.fill(glyphs.barEmpty, x: x + filled, y: row, count: barWidth - filled, style: .dim)
    x += barWidth + 2
    let next = model.nextTimerCheck.map { "   next timer check in \($0) s" } ?? ""
    if armed {
      x = grid.put("armed", x: x, y: row, style: .ok)
    } else {
      x = grid.put("disarmed", x: x, y: row, style: .warning)
      // The explanation gives way before the timer's countdown does.
      let why = " (counts after the next success)"
      if x + why.count + next.count <= grid.width { x = grid.put(why, x: x, y: row, style: .dim) }
    }
    grid.put(next, x: x, y: row)

    let file = model.target.stateFile
    let content: String
    if let error = model.stateError {
      content = error
    } else {
      switch model.state {
      case .counter(let counter)?: content = counter.fileText
      case .other(let text)?: content = text.isEmpty ? "(empty)" : "(unreadable)"
      case .missing?, nil: content = "(no file yet)"
      }
    }
    // Nothing running the checks matters more than what the state file holds.
    if let problem = model.timerProblem, let timer = model.target.timer {
      grid.put("  \(problem.sentence(timer: timer.description))", x: 0, y: row + 1, style: .failing)
      return
    }
    let style: CellStyle = model.stateError == nil ? .dim : .failing
    grid.put("  state \(file): \(content)", x: 0, y: row + 3, style: style)
    drawHour(into: &grid, row: row + 1)
    drawPast(into: &grid, row: row + 2)
  }

  /// The timer's last hour as a sparkline, one column a span, `×` where a check failed: what
  /// happened before this screen opened.
  private func drawHour(into grid: inout Grid, row: Int) {
    guard let now = Self.now(of: model) else { return }
    let label = "  last hour "
    let summary = CheckHistory.describe(
      CheckHistory.summary(model.history, now: now, window: .seconds(3600)), window: "1 h")
    let room = grid.width - label.count - summary.count - 3
    let columns = CheckHistory.sparkline(model.history, now: now, window: .seconds(3600), columns: min(room, 120))
    let x = grid.put(label, x: 0, y: row, style: .dim)
    Self.drawSparkline(columns, glyphs: glyphs, into: &grid, x: x, y: row)
    grid.put("  " + summary, x: x + columns.count, y: row, style: .dim)
  }

  /// The timer's checks in `columns`, from `x` on row `y`: heights by the slowest check of
  /// each span, `×` where one failed.
  static func drawSparkline(_ columns: [CheckHistory.Column], glyphs: Glyphs, into grid: inout Grid, x: Int, y: Int) {
    for (offset, column) in columns.enumerated() {
      switch column {
      case .empty: grid.put(" ", x: x + offset, y: y)
      case .failed: grid.put(String(glyphs.failedProbe), x: x + offset, y: y, style: .failing)
      case .latency(let fraction):
        let levels = glyphs.levels
        let level = min(levels.count - 1, max(0, Int((fraction * Double(levels.count)).rounded(.up)) - 1))
        grid.put(String(levels[level]), x: x + offset, y: y, style: .ok)
      }
    }
  }

  /// The moment the past is measured up to: the newest check the history or this screen saw.
  static func now(of model: DashboardModel) -> Int64? {
    guard let newest = model.history.last else { return nil }
    return max(newest.unixMilliseconds, Int64(model.lastProbe?.time.seconds ?? 0) * 1000)
  }

  /// The timer's checks before now and what it will do next: the failing episode and when the
  /// threshold comes, a pending request and when it expires, else the last hour and day.
  private func drawPast(into grid: inout Grid, row: Int) {
    let target = model.target
    var fields: [(text: String, rank: Int)] = []
    var tone = CellStyle.dim
    if let pending = model.pendingRestart {
      tone = .warning
      fields.append(("restart awaiting approval since \(pending.wallTime.dropFirst(11).prefix(8))", 1))
      fields.append(
        (
          model.approvalExpires.map { "expires \(LocalTimestamp(seconds: $0, microseconds: 0).timeOfDay)" }
            ?? "no expiry", 2
        ))
    } else if let since = model.failingSince {
      tone = .failing
      fields.append((since, 1))
      if let due = WhatNext.thresholdCheck(
        count: model.failureCount, threshold: target.threshold, nextCheck: model.nextTimerCheckAt,
        interval: model.timerInterval,
        episodeStart: CheckHistory.failingSince(model.history).map { Int($0.unixMilliseconds / 1000) })
      {
        fields.append((WhatNext.sentence(mode: target.mode, at: due), 2))
      }
    }
    if let now = Self.now(of: model) {
      let summary = { (window: Duration, name: String) in
        CheckHistory.describe(CheckHistory.summary(model.history, now: now, window: window), window: name)
      }
      fields.append((summary(.seconds(86400), "24 h"), 3))
    } else if fields.isEmpty {
      grid.put("  no check history yet (the timer's checks write it)", x: 0, y: row, style: .dim)
      return
    }
    let text = TextLayout.fields(fields, width: grid.width - 9, separator: "; ")
    grid.put("  timer: \(text)", x: 0, y: row, style: tone)
  }
}
