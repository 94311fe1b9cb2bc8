import Engine

/// What the files the timer writes say about one target: for `status` (and its JSON) now.
struct TargetState {
  var name: String
  var uri: String
  var unit: String
  var stateFile: String
  var mode: RestartMode?
  var threshold: Int?
  var counter: FailureCounter?
  var record: RestartRecord?
  var budget: RestartBudget?
  var lastTrigger: String?
  var error: String?
  /// The timer that runs its checks, what systemd says of it, and what is wrong with it.
  var timer: UnitName?
  var timerStatus: TimerStatus?
  var timerProblem: TimerProblem?

  var lastCheck: RestartRecord.LastCheck?
  /// The timer's checks, oldest first, as far back as the history keeps them.
  var history: [CheckHistory.Entry] = []
  /// The newest incident report kept for this target, and its summary.
  var latestReport: String?
  var reportSummary: [String] = []
  var pending: PendingRestart? { record?.pending }

  /// `failing since 03:12:09 (14 checks)` while the newest checks fail.
  var failingSince: String? { CheckHistory.failingSinceText(history) }

  /// Unix seconds of the check that will reach the threshold if the failures go on, from the
  /// counter and the timer's next run (`now` is Unix seconds), or `nil` when none is coming.
  func restartDue(now: Int) -> Int? {
    guard lastCheck?.healthy == false, pending == nil, timerProblem == nil, let threshold else { return nil }
    return WhatNext.thresholdCheck(
      count: counter?.count, threshold: threshold, nextCheck: timerStatus?.nextRun.map { now + Int($0.rounded(.up)) },
      interval: timerStatus?.interval,
      episodeStart: CheckHistory.failingSince(history).map { Int($0.unixMilliseconds / 1000) })
  }

  /// Failing, never checked, waiting for a person, or not watched (no timer running its checks).
  var needsAttention: Bool { lastCheck?.healthy != true || pending != nil || timerProblem != nil }

  /// Reads each target's timer from systemd, in one question, and decides what is wrong.
  static func watch(_ states: inout [TargetState], serviceManager: any ServiceManager, now: Int) {
    let timers = states.compactMap { $0.error == nil ? $0.timer : nil }
    var overview = ServiceOverview()
    var queryError: String?
    do {
      overview = try serviceManager.overview(units: [], timers: timers)
    } catch {
      queryError = "\(error)"
    }
    for index in states.indices where states[index].error == nil {
      guard let timer = states[index].timer else { continue }
      states[index].timerStatus = overview.timers[timer.description]
      states[index].timerProblem = TimerProblem.of(
        timer: states[index].timerStatus, queryError: queryError, lastCheck: states[index].lastCheck?.unixSeconds,
        now: now)
    }
  }

  static func read(_ draft: TargetDraft) -> TargetState {
    let fallbackName = TargetDraft.name(configFile: draft.configFile, unit: draft[.unit] ?? "?")
    var state = TargetState(
      name: fallbackName, uri: draft[.uri] ?? "", unit: draft[.unit] ?? "", stateFile: draft[.stateFile] ?? "")
    do {
      let settings = try draft.resolved().settings
      state.name = settings.name
      state.uri = settings.uri.description
      state.unit = settings.unit.description
      state.stateFile = settings.stateStore.path
      state.mode = settings.policy.mode
      state.threshold = settings.watchdog.threshold
      state.budget = settings.policy.budget
      state.timer = settings.timer
      let (content, recordContent) = try settings.stateStore.peekBoth()
      state.counter = content.counter
      switch recordContent {
      case .record(let record): state.record = record
      case .missing: break
      case .garbage:
        state.error = "restart record \(settings.stateStore.recordPath) is not one; the next check starts it afresh"
      }
      state.lastCheck = try settings.stateStore.peekLastCheck()
      // The past only informs: a history that cannot be read shows none.
      state.history = (try? settings.stateStore.peekHistory()) ?? []
      state.lastTrigger = try? TriggerLogTail(path: settings.triggerLog.path).lastLines(1).last
      state.latestReport = settings.incidents?.shelf.latest
      state.reportSummary = state.latestReport.flatMap(ReportShelf.summary(ofReportAt:)) ?? []
    } catch {
      state.error = "\(error)"
    }
    return state
  }

  /// Restarts inside the budget's window now (the boot clock's).
  var restartsInWindow: Int? {
    guard let budget, let record else { return nil }
    let now = Moment.now()
    return record.onBoot(Moment.bootID(), now: now).restarts.filter { now - $0 < budget.window }.count
  }

  // MARK: Faces

  /// The words of the TIMER column: its next run, or what is wrong with it.
  var timerWord: String {
    if let timerProblem { return timerProblem.word }
    guard let status = timerStatus else { return "-" }
    return status.nextRun.map { "next \(DurationSyntax.text(.seconds(Int($0.rounded(.up)))))" } ?? "waiting"
  }

  static func table(_ states: [TargetState]) -> [String] {
    let titles = ["TARGET", "STATUS", "FAILURES", "MODE", "TIMER", "LAST CHECK"]
    var rows: [[String]] = []
    /// Lines under a target's row, indented to its STATUS column.
    var notes: [Int: [String]] = [:]
    for state in states {
      if let error = state.error {
        rows.append([state.name, "ERROR", "-", "-", "-", error])
        continue
      }
      let status =
        state.pending != nil ? "PENDING" : state.lastCheck.map { $0.healthy ? "ok" : "FAILING" } ?? "unchecked"
      let failures =
        state.counter.map { $0.count < 0 ? "disarmed" : "\($0.count)/\(state.threshold ?? 0)" } ?? "-"
      let last =
        state.lastCheck.map {
          "\(LocalTimestamp(seconds: $0.unixSeconds, microseconds: 0).description.prefix(19)) \($0.summary)"
        } ?? "never"
      rows.append([state.name, status, failures, state.mode?.rawValue ?? "-", state.timerWord, last])
      var lines: [String] = []
      // What needs a person first; then the timer's past: the failing episode, the last hour
      // and day, on one line.
      var past: [String] = []
      if state.lastCheck?.healthy == false, let since = state.failingSince { past.append(since) }
      if let mode = state.mode, let due = state.restartDue(now: LocalTimestamp.now().seconds) {
        past.append(WhatNext.sentence(mode: mode, at: due))
      }
      if let newest = state.history.last {
        for (window, name) in [(Duration.seconds(3600), "1 h"), (.seconds(86400), "24 h")] {
          past.append(
            CheckHistory.describe(
              CheckHistory.summary(state.history, now: newest.unixMilliseconds, window: window), window: name))
        }
      }
      if let problem = state.timerProblem, let timer = state.timer {
        lines.append(problem.sentence(timer: timer.description))
      }
      if let pending = state.pending {
        lines.append(
          "restart awaiting approval since \(pending.wallTime.prefix(19)) (fail count \(pending.count)): \(pending.reason)"
        )
      }
      if let budget = state.budget, let used = state.restartsInWindow, used >= budget.maximum {
        lines.append("restart budget spent: \(used) of \(budget.maximum) within \(DurationSyntax.text(budget.window))")
      }
      if !past.isEmpty { lines.append(past.joined(separator: "; ")) }
      // What the engineer who debugs the wedge the next morning opens first.
      if let report = state.latestReport {
        lines.append("incident report \(ReportShelf.writtenAt(report)): \(report)")
      }
      notes[rows.count - 1] = lines
    }
    // Each column as wide as its widest word, so no word pushes the ones after it.
    let widths = titles.indices.dropLast().map { column in
      ([titles[column]] + rows.map { $0[column] }).map(\.count).max() ?? 0
    }
    func line(_ words: [String]) -> String {
      var text = ""
      for (column, word) in words.enumerated() {
        text += word
        if column < widths.count { text += String(repeating: " ", count: widths[column] - word.count + 2) }
      }
      return text
    }
    var lines = [line(titles)]
    for (index, row) in rows.enumerated() {
      lines.append(line(row))
      for note in notes[index] ?? [] { lines.append(String(repeating: " ", count: widths[0] + 2) + note) }
    }
    return lines
  }

  /// `{"targets": [...]}`; the shape is documented in the README and kept stable.
  static func json(_ states: [TargetState]) -> String {
    let targets = states.map { state -> String in
      var fields: [(String, String)] = [
        ("name", JSONText.string(state.name)), ("uri", JSONText.string(state.uri)),
        ("unit", JSONText.string(state.unit)),
        ("state_file", JSONText.string(state.stateFile)),
        ("mode", state.mode.map { JSONText.string($0.rawValue) } ?? "null"),
        ("threshold", state.threshold.map(String.init) ?? "null"),
        ("failcount", state.counter.map { String($0.count) } ?? "null"),
        ("armed", state.counter.map { $0.isArmed ? "true" : "false" } ?? "false"),
        ("healthy", state.lastCheck.map { $0.healthy ? "true" : "false" } ?? "null"),
      ]
      fields.append(
        (
          "last_check",
          state.lastCheck.map {
            JSONText.object([
              ("unix_seconds", String($0.unixSeconds)), ("healthy", $0.healthy ? "true" : "false"),
              ("summary", JSONText.string($0.summary)),
            ])
          } ?? "null"
        ))
      let clock = LocalTimestamp.now()
      let now = Int64(clock.seconds) * 1000 + Int64(clock.microseconds / 1000)
      func summary(_ window: Duration) -> String {
        let figures = CheckHistory.summary(state.history, now: now, window: window)
        return JSONText.object([
          ("checks", String(figures.checks)), ("failed", String(figures.failed)),
          ("p50_milliseconds", figures.medianMilliseconds.map { DurationText.fixed($0, decimals: 2) } ?? "null"),
        ])
      }
      fields.append(
        (
          "failing_since",
          CheckHistory.failingSince(state.history).map {
            JSONText.object([("unix_milliseconds", String($0.unixMilliseconds)), ("checks", String($0.checks))])
          } ?? "null"
        ))
      fields.append(
        (
          "latest_report",
          state.latestReport.map { path in
            JSONText.object([
              ("path", JSONText.string(path)), ("written", JSONText.string(ReportShelf.writtenAt(path))),
              ("summary", "[" + state.reportSummary.map(JSONText.string).joined(separator: ", ") + "]"),
            ])
          } ?? "null"
        ))
      fields.append(("restart_due_unix_seconds", state.restartDue(now: clock.seconds).map { String($0) } ?? "null"))
      fields.append(("last_hour", summary(.seconds(3600))))
      fields.append(("last_day", summary(.seconds(86400))))
      fields.append(
        (
          "pending",
          state.pending.map {
            JSONText.object([
              ("since", JSONText.string(String($0.wallTime.prefix(26)))), ("pid", String($0.pid)),
              ("count", String($0.count)), ("reason", JSONText.string($0.reason)),
            ])
          } ?? "null"
        ))
      fields.append(
        (
          "budget",
          state.budget.map {
            JSONText.object([
              ("max_restarts", String($0.maximum)), ("window_seconds", String(Int($0.window.inSeconds))),
              ("used", String(state.restartsInWindow ?? 0)),
            ])
          } ?? "null"
        ))
      fields.append(
        (
          "restarts",
          JSONText.object([
            ("done", String(state.record?.restartsDone ?? 0)), ("failed", String(state.record?.restartsFailed ?? 0)),
          ])
        ))
      fields.append(
        (
          "timer",
          state.timer.map { timer in
            JSONText.object([
              ("unit", JSONText.string(timer.description)),
              ("active_state", state.timerStatus.map { JSONText.string($0.activeState) } ?? "null"),
              ("unit_file_state", state.timerStatus.map { JSONText.string($0.unitFileState) } ?? "null"),
              ("next_run_seconds", state.timerStatus?.nextRun.map { String(Int($0.rounded(.up))) } ?? "null"),
              (
                "interval_seconds",
                state.timerStatus?.interval.map { String(Int($0.inSeconds.rounded())) } ?? "null"
              ),
              ("problem", state.timerProblem.map { JSONText.string($0.token) } ?? "null"),
              (
                "problem_text",
                state.timerProblem.map { JSONText.string($0.sentence(timer: timer.description)) } ?? "null"
              ),
            ])
          } ?? "null"
        ))
      fields.append(("watched", state.timer != nil && state.timerProblem == nil ? "true" : "false"))
      fields.append(("last_trigger", state.lastTrigger.map(JSONText.string) ?? "null"))
      fields.append(("error", state.error.map(JSONText.string) ?? "null"))
      return JSONText.object(fields)
    }
    return "{\"targets\":[" + targets.joined(separator: ",") + "]}"
  }
}

/// JSON text without Foundation: strings escaped as RFC 8259 says.
enum JSONText {
  static func string(_ value: String) -> String {
    var out = "\""
    for scalar in value.unicodeScalars {
      switch scalar {
      case "\"": out += "\\\""
      case "\\": out += "\\\\"
      case "\n": out += "\\n"
      case "\r": out += "\\r"
      case "\t": out += "\\t"
      case _ where scalar.value < 0x20:
        let hex = String(scalar.value, radix: 16)
        out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
      default: out.unicodeScalars.append(scalar)
      }
    }
    return out + "\""
  }

  static func object(_ fields: [(String, String)]) -> String {
    "{" + fields.map { "\(string($0.0)):\($0.1)" }.joined(separator: ",") + "}"
  }
}
