import Testing

@testable import Engine

/// `systemctl show` of several units at once, as the dashboard of a box and `status` ask it.
@Suite struct ServiceOverviewTests {
  @Test func blocksAreReadInTheOrderTheUnitsWereNamed() throws {
    let units = try ["openems.service", "openems-backend.service", "gone.service"].map(UnitName.init(validating:))
    let timers = try ["websocket-health-check@edge.timer", "websocket-health-check@backend.timer"].map(
      UnitName.init(validating:))
    let text = """
      MainPID=8123
      LoadState=loaded
      ActiveState=active

      MainPID=0
      LoadState=loaded
      ActiveState=failed

      MainPID=0
      LoadState=not-found
      ActiveState=inactive

      LoadState=loaded
      ActiveState=active
      UnitFileState=enabled
      NextElapseUSecRealtime=@1000009

      LoadState=loaded
      ActiveState=inactive
      UnitFileState=disabled
      NextElapseUSecRealtime=
      NextElapseUSecMonotonic=infinity

      """
    let overview = ServiceOverview(
      showOutput: text, units: units, timers: timers, monotonicNow: 500, unixNow: 1_000_000)
    #expect(overview.statuses["openems.service"] == ServiceStatus(mainPID: 8123, activeState: "active"))
    #expect(overview.statuses["openems-backend.service"] == ServiceStatus(mainPID: 0, activeState: "failed"))
    #expect(overview.statuses["gone.service"] == nil, "a unit systemd does not know has no status")
    #expect(overview.nextRun(of: timers[0]) == 9)
    #expect(overview.nextRun(of: timers[1]) == nil)
    #expect(overview.timers[timers[1].description]?.activeState == "inactive")
  }

  /// Read line by line, the blocks are what splitting at every "\n\n" gives, blank lines
  /// however many, and a repeated property keeps every value, one per line.
  @Test(arguments: [
    "MainPID=1\nActiveState=active\n\nMainPID=2\nActiveState=failed\n",
    "MainPID=1\n\n\nMainPID=2\n",
    "MainPID=1\n\n\n\nMainPID=2\n\nMainPID=3",
    "\n\nMainPID=2\n",
    "MainPID=1\nnot a property\n\nMainPID=2=3\n",
    "LoadState=loaded\nTimersMonotonic={ a }\nTimersMonotonic={ b }\n\nMainPID=4\n",
    "Description=Über é\nMainPID=5\n\né=1\nMainPID=6\n",
    "=7\nMainPID\n\nMainPID=\n\nMainPID=8",
  ])
  func blocksAreThoseOfSplittingAtEveryBlankLine(text: String) throws {
    let units = try ["a.service", "b.service", "c.service", "d.service"].map(UnitName.init(validating:))
    let overview = ServiceOverview(showOutput: text, units: units, timers: [], monotonicNow: 0, unixNow: 0)
    let blocks = text.split(separator: "\n\n", omittingEmptySubsequences: false).map { block in
      Dictionary(
        block.split(separator: "\n").compactMap { line -> (Substring, Substring)? in
          guard let equals = line.firstIndex(of: "=") else { return nil }
          return (line[..<equals], line[line.index(after: equals)...])
        }, uniquingKeysWith: { first, next in Substring(first + "\n" + next) })
    }
    for (index, unit) in units.enumerated() {
      let expected = index < blocks.count ? blocks[index]["MainPID"].flatMap { Int($0) } : nil
      #expect(overview.statuses[unit.description]?.mainPID == expected, "\(unit) in \(text.debugDescription)")
    }
    if text.contains("TimersMonotonic") {
      let timer = try UnitName(validating: "t.timer")
      let read = ServiceOverview(showOutput: text, units: [], timers: [timer], monotonicNow: 0, unixNow: 0)
      #expect(read.timers["t.timer"] != nil)
    }
  }

  /// Keys are matched whole, byte for byte, as systemd prints them.
  @Test func keysAreMatchedWholeByteForByte() throws {
    for property in UnitProperties.Property.allCases {
      #expect(UnitProperties.Property(named: property.name.utf8) == property)
    }
    for key in ["", "MainPIDs", "mainpid", "Main PID", "Main", "ActiveStat", "Description", "ΜainPID"] {
      #expect(UnitProperties.Property(named: key.utf8) == nil, "\(key)")
    }
    let text = "Description=x\nMainPID=9\nActiveState=active\nX=y\n"
    let overview = ServiceOverview(
      showOutput: text, units: [try UnitName(validating: "a.service")], timers: [], monotonicNow: 0, unixNow: 0)
    #expect(overview.statuses["a.service"] == ServiceStatus(mainPID: 9, activeState: "active"))
  }

  /// The shipped timers are monotonic: systemd fills NextElapseUSecMonotonic (a span since
  /// boot), not the realtime property, so that one is read on the monotonic clock.
  @Test func aMonotonicTimersNextRunAndIntervalAreRead() {
    let block = UnitProperties([
      .loadState: "loaded", .activeState: "active", .unitFileState: "enabled", .nextElapseRealtime: "",
      .nextElapseMonotonic: "6min 53.867758s",
      .timersMonotonic: "{ OnUnitActiveUSec=15s ; next_elapse=0 }\n{ OnBootUSec=15s ; next_elapse=6min 53.86s }",
    ])
    let timer = TimerStatus(properties: block, monotonicNow: 407.1, unixNow: 1_795_000_000)
    #expect(abs((timer.nextRun ?? -1) - 6.767758) < 0.001)
    #expect(timer.interval == .seconds(15))
    #expect(timer.isEnabled)
  }

  @Test(arguments: [
    ("15s", 15.0), ("6min 53.867758s", 413.867758), ("1d 2h 3min", 93780.0), ("500ms", 0.5), ("2us", 0.000002),
    ("1w", 604800.0), ("0", 0.0), ("2min\t3s", 123.0), (" 1.5s  ", 1.5), ("3μs", 0.000003),
  ])
  func systemdTimeSpansRead(text: String, seconds: Double) {
    #expect(abs((SystemdTimespan.seconds(text) ?? -1) - seconds) < 1e-9)
  }

  @Test(arguments: ["infinity", "", "soon", "5 parsecs", "n/a", "١s", "1.2.3s", "5 s", "-1s"])
  func nonsenseIsNoTimeSpan(text: String) {
    #expect(SystemdTimespan.seconds(text) == nil)
  }

  struct Row: Sendable, CustomTestStringConvertible {
    var name: String
    var timer: TimerStatus?
    var queryError: String? = nil
    var lastCheck: Int? = 1000
    var problem: TimerProblem?
    var testDescription: String { name }
  }

  static let running = TimerStatus(
    loadState: "loaded", activeState: "active", unitFileState: "enabled", nextRun: 9, interval: .seconds(15))

  static let rows: [Row] = {
    var rows: [Row] = [
      Row(name: "running and enabled, checked recently", timer: running, problem: nil),
      Row(name: "not asked (no timer known)", timer: nil, problem: nil),
      Row(name: "systemd unreachable", timer: nil, queryError: "no bus", problem: .unknown("no bus")),
      Row(
        name: "missing", timer: TimerStatus(loadState: "not-found", activeState: "inactive", unitFileState: ""),
        problem: .missing),
      Row(
        name: "stopped", timer: TimerStatus(loadState: "loaded", activeState: "inactive", unitFileState: "enabled"),
        problem: .stopped),
      Row(
        name: "failed", timer: TimerStatus(loadState: "loaded", activeState: "failed", unitFileState: "enabled"),
        problem: .failed),
      Row(
        name: "last check 46 s ago at 15 s", timer: running, lastCheck: 1000 - 46,
        problem: .stale(age: 46, interval: 15)),
      Row(name: "last check 45 s ago at 15 s", timer: running, lastCheck: 1000 - 45, problem: nil),
      Row(name: "never checked yet", timer: running, lastCheck: nil, problem: nil),
    ]
    var disabled = running
    disabled.unitFileState = "disabled"
    rows.append(Row(name: "running, not enabled", timer: disabled, problem: .notEnabled))
    var slow = running
    slow.interval = .seconds(60)
    rows.append(Row(name: "a 60 s timer, 100 s since", timer: slow, lastCheck: 900, problem: nil))
    var stopped = running
    stopped.activeState = "inactive"
    rows.append(Row(name: "stopped and stale: stopped says more", timer: stopped, lastCheck: 0, problem: .stopped))
    return rows
  }()

  @Test(arguments: rows)
  func whetherATargetIsWatched(row: Row) {
    #expect(
      TimerProblem.of(timer: row.timer, queryError: row.queryError, lastCheck: row.lastCheck, now: 1000) == row.problem)
  }
}
