import Engine
import Foundation
import Testing

@testable import Dashboard

/// Models with fixed values, so frames are the same on every run and in every time zone.
enum DashboardFixtures {
  /// 2026-11-25 16:02:11 local time.
  static let time: LocalTimestamp = {
    var parts = tm()
    parts.tm_year = 126
    parts.tm_mon = 10
    parts.tm_mday = 25
    parts.tm_hour = 16
    parts.tm_min = 2
    parts.tm_sec = 11
    parts.tm_isdst = -1
    return LocalTimestamp(seconds: Int(mktime(&parts)), microseconds: 0)
  }()

  static func healthyResult(_ microseconds: Int64) -> ProbeResult {
    var timings = PhaseTimings()
    timings.record(.connect, .microseconds(100))
    timings.record(.upgrade, .microseconds(microseconds - 300))
    timings.record(.close, .microseconds(200))
    return ProbeResult(failure: nil, timings: timings)
  }

  static var timedOut: ProbeResult {
    var timings = PhaseTimings()
    timings.record(.connect, .microseconds(100))
    timings.record(.upgrade, .seconds(10))
    return ProbeResult(failure: .timedOut(phase: .upgrade, after: .seconds(10)), timings: timings)
  }

  static func target(readonly: Bool = false) -> DashboardModel.Target {
    // Values that parse; nothing here touches these paths.
    let settings = try! CheckSettings(
      uri: WebSocketURI(parsing: "ws://localhost:8085/websocket"),
      unit: UnitName(validating: "openems.service"),
      watchdog: Watchdog(threshold: 6),
      stateStore: StateStore(path: "/run/websocket-health-check/failcount"),
      triggerLog: TriggerLog(path: "/var/log/websocket-health-check/trigger.log"))
    return DashboardModel.Target(
      settings: settings, interval: 1, restartCommand: "systemctl restart -- openems.service", readonly: readonly)
  }

  static let logLines = [
    "2026-11-24 03:12:09.482113: Triggered restart! (fail count: 6) openems.service: upgrade timed out after 10 s (connect 0.1 ms, upgrade 10000 ms)",
    "2026-11-25 09:40:02.001932: Dry run: Triggered restart! (fail count: 2) openems.service: manual dry run by alice; would run: systemctl restart -- openems.service",
  ]

  static func healthy(readonly: Bool = false) -> DashboardModel {
    var model = DashboardModel(target: target(readonly: readonly))
    model.service = ServiceStatus(mainPID: 8123, activeState: "active")
    let latencies: [Int64] = [2300, 1900, 2400, 2100, 4000, 2300, 2200, 9800, 2300, 2500, 2400, 2300, 3100, 2200]
    for (index, latency) in latencies.enumerated() {
      model.latency.add(healthyResult(latency), at: Double(index))
    }
    model.lastProbe = .init(time: time, result: healthyResult(2400))
    model.state = .counter(FailureCounter(pid: 8123, count: 0))
    model.nextTimerCheck = 9
    model.logLines = logLines
    model.history = history(failingAtTheEnd: 0)
    return model
  }

  /// An hour of the timer's checks every 15 s up to `time`, the last ones failed.
  static func history(failingAtTheEnd failing: Int) -> [CheckHistory.Entry] {
    let end = Int64(time.seconds) * 1000
    return (0..<240).map { index in
      let failed = index >= 240 - failing
      return CheckHistory.Entry(
        unixMilliseconds: end - Int64(239 - index) * 15_000, healthy: !failed,
        phases: [(.connect, 0.1), (.upgrade, failed ? 10_000 : 2.0 + Double(index % 5) / 10), (.close, 0.2)],
        reason: failed ? "upgrade timed out after 10 s" : "")
    }
  }

  /// A target of a box, named as NAME.conf names it.
  static func named(_ name: String, unit: String, mode: RestartMode = .auto, from model: DashboardModel)
    -> DashboardModel
  {
    var copy = model
    let old = model.target.settings
    copy.target.settings = CheckSettings(
      uri: try! WebSocketURI(parsing: "ws://localhost:8085/websocket"), unit: try! UnitName(validating: unit),
      watchdog: try! Watchdog(threshold: 6), stateStore: old.stateStore, triggerLog: old.triggerLog,
      policy: RestartPolicy(mode: mode),
      name: name)
    return copy
  }

  /// Three targets: edge healthy, backend failing and awaiting approval, ui healthy.
  static func box() -> BoxModel {
    var backend = named("backend", unit: "openems-backend.service", mode: .approve, from: failing())
    backend.pendingRestart = PendingRestart(
      requestedAt: Moment(seconds: 1), wallTime: "2026-11-25 16:01:40.000000", pid: 8123, count: 6,
      reason: "no reply to the JSON-RPC request within 10 s")
    var box = BoxModel(targets: [
      backend, named("edge", unit: "openems.service", from: healthy()),
      named("ui", unit: "openems-ui.service", from: healthy()),
    ])
    box.selected = 1
    return box
  }

  static func failing() -> DashboardModel {
    var model = healthy()
    for index in 14..<20 {
      model.latency.add(timedOut, at: Double(index))
    }
    model.lastProbe = .init(time: time, result: timedOut)
    model.state = .counter(FailureCounter(pid: 8123, count: 4))
    model.history = history(failingAtTheEnd: 4)
    return model
  }
}

/// Compares a frame with `Snapshots/NAME.txt` (its characters) and `Snapshots/NAME.styles.txt`
/// (each cell's style, `styleText`); `UPDATE_SNAPSHOTS=1` writes them anew.
func assertSnapshot(_ grid: Grid, named name: String, sourceLocation: SourceLocation = #_sourceLocation) {
  compareSnapshot(grid.text, file: "\(name).txt", sourceLocation: sourceLocation)
  compareSnapshot(styleText(grid), file: "\(name).styles.txt", sourceLocation: sourceLocation)
}

/// A frame's styles, one character a cell: the tone's letter (`p`lain, `d`im, `o`k, `w`arning,
/// `f`ailing, `a`ccent), upper case when bold; a digit for reverse video (0 plain, 1 dim, 2
/// ok, 3 warning, 4 failing, 5 accent); a plain cell is a space, so blank rows stay blank.
func styleText(_ grid: Grid) -> String {
  let letters: [CellStyle.Tone: Character] = [
    .plain: "p", .dim: "d", .ok: "o", .warning: "w", .failing: "f", .accent: "a",
  ]
  let digits: [CellStyle.Tone: Character] = [
    .plain: "0", .dim: "1", .ok: "2", .warning: "3", .failing: "4", .accent: "5",
  ]
  return (0..<grid.height).map { row in
    String(
      (0..<grid.width).map { column -> Character in
        let style = grid[column, row].style
        if style.reverse { return digits[style.tone]! }
        if style == .plain { return " " }
        let letter = letters[style.tone]!
        return style.bold ? Character(letter.uppercased()) : letter
      })
  }.joined(separator: "\n")
}

private func compareSnapshot(_ text: String, file name: String, sourceLocation: SourceLocation) {
  let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Snapshots")
  let file = directory.appendingPathComponent(name)
  // Trailing spaces are trimmed so the files survive editors; the width is in the name.
  let text =
    text.split(separator: "\n", omittingEmptySubsequences: false)
    .map { line in String(line.reversed().drop(while: { $0 == " " }).reversed()) }
    .joined(separator: "\n") + "\n"
  if ProcessInfo.processInfo.environment["UPDATE_SNAPSHOTS"] != nil {
    try? text.write(to: file, atomically: false, encoding: .utf8)
    return
  }
  guard let expected = try? String(contentsOf: file, encoding: .utf8) else {
    Issue.record("no snapshot \(name); run with UPDATE_SNAPSHOTS=1 and review it", sourceLocation: sourceLocation)
    return
  }
  #expect(text == expected, "\(name) differs:\n\(text)", sourceLocation: sourceLocation)
}
