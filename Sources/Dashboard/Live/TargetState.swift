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

  var lastCheck: RestartRecord.LastCheck?
  var pending: PendingRestart? { record?.pending }

  /// Failing, never checked, or waiting for a person.
  var needsAttention: Bool { lastCheck?.healthy != true || pending != nil }

  static func read(_ draft: TargetDraft) -> TargetState {
    let fallbackName = TargetDraft.name(configFile: draft.configFile, unit: draft.unit ?? "?")
    var state = TargetState(
      name: fallbackName, uri: draft.uri ?? "", unit: draft.unit ?? "", stateFile: draft.stateFile ?? "")
    do {
      let settings = try draft.resolved().settings
      state.name = settings.name
      state.uri = settings.uri.description
      state.unit = settings.unit.description
      state.stateFile = settings.stateStore.path
      state.mode = settings.policy.mode
      state.threshold = settings.watchdog.threshold
      state.budget = settings.policy.budget
      let (content, recordContent) = try settings.stateStore.peekBoth()
      state.counter = content.counter
      switch recordContent {
      case .record(let record): state.record = record
      case .missing: break
      case .garbage:
        state.error = "restart record \(settings.stateStore.recordPath) is not one; the next check starts it afresh"
      }
      state.lastCheck = try settings.stateStore.peekLastCheck()
      state.lastTrigger = try? TriggerLogTail(path: settings.triggerLog.path).lastLines(1).last
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

  static func table(_ states: [TargetState]) -> [String] {
    let width = max(6, states.map(\.name.count).max() ?? 6)
    func pad(_ text: String, _ count: Int) -> String {
      text + String(repeating: " ", count: max(0, count - text.count))
    }
    var lines = ["\(pad("TARGET", width))  STATUS    FAILURES  MODE     LAST CHECK"]
    for state in states {
      if let error = state.error {
        lines.append("\(pad(state.name, width))  ERROR     -         -        \(error)")
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
      lines.append(
        "\(pad(state.name, width))  \(pad(status, 8))  \(pad(failures, 8))  \(pad(state.mode?.rawValue ?? "-", 7))  \(last)"
      )
      if let pending = state.pending {
        lines.append(
          "\(pad("", width))  restart awaiting approval since \(pending.wallTime.prefix(19)) (fail count \(pending.count)): \(pending.reason)"
        )
      }
      if let budget = state.budget, let used = state.restartsInWindow, used >= budget.maximum {
        lines.append(
          "\(pad("", width))  restart budget spent: \(used) of \(budget.maximum) within \(DurationSyntax.text(budget.window))"
        )
      }
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
