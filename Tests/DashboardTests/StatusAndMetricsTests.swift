import Engine
import Foundation
import TestPeers
import Testing

/// `status` and `--metrics-file` as an operator and Prometheus use them: values move with the
/// probe, the JSON's shape holds, exit codes say whether all is well.
@Suite struct StatusAndMetricsTests {
  func metric(_ text: String, _ name: String, _ labels: String = "") -> Double? {
    text.split(separator: "\n").first { $0.hasPrefix("\(name){") && (labels.isEmpty || $0.contains(labels)) }
      .flatMap { Double($0.split(separator: " ").last!) }
  }

  /// `status` looks and creates nothing: a target whose timer never ran has no state
  /// directory, before and after.
  @Test func statusOfATargetNeverCheckedCreatesNoStateDirectory() throws {
    let sandbox = try CommandSandbox()
    let stateDirectory = sandbox.directory.appendingPathComponent("never/checked").path
    let outcome = try sandbox.run([
      "status", "ws://127.0.0.1:1/", "openems.service", "--state-file", "\(stateDirectory)/failcount",
    ])
    #expect(outcome.standardOutput.contains("openems.service"), "\(outcome.standardOutput)\(outcome.standardError)")
    #expect(!FileManager.default.fileExists(atPath: stateDirectory))
  }

  @Test func metricsMoveWithTheProbe() throws {
    let server = try WebSocketTestServer(.healthy)
    defer { server.stop() }
    let sandbox = try CommandSandbox()
    let metrics = sandbox.directory.appendingPathComponent("edge.prom").path
    let healthy = try sandbox.check("ws://127.0.0.1:\(server.port)/", ["--metrics-file", metrics, "--ping"])
    #expect(healthy.status == 0)
    var text = try String(contentsOfFile: metrics, encoding: .utf8)
    #expect(metric(text, "websocket_probe_success") == 1)
    #expect(metric(text, "websocket_failcount") == 0)
    #expect(metric(text, "websocket_armed") == 1)
    #expect(metric(text, "websocket_threshold") == 3)
    #expect(metric(text, "websocket_probe_duration_seconds", "phase=\"ping\"") != nil)
    #expect(text.contains("websocket_probe_success{target=\"openems.service\",unit=\"openems.service\"} 1"))
    let stamp = try #require(metric(text, "websocket_last_check_timestamp_seconds"))
    #expect(abs(stamp - Date().timeIntervalSince1970) < 30)
    #expect(metric(text, "websocket_timer_active") == 1 && metric(text, "websocket_timer_enabled") == 1)
    #expect(metric(text, "websocket_check_interval_seconds") == 15)
    let next = try #require(metric(text, "websocket_timer_next_run_timestamp_seconds"))
    #expect((0...9.5).contains(next - stamp), "the stand-in says 9 s from the sandbox's start")
    #expect(sandbox.systemctlCalls.contains { $0.contains("-- websocket-health-check.timer") })

    // A timer that a reboot would not start, found by a check run by hand.
    sandbox.setTimer(activeState: "inactive", unitFileState: "disabled")
    _ = try sandbox.check("ws://127.0.0.1:\(server.port)/", ["--metrics-file", metrics])
    text = try String(contentsOfFile: metrics, encoding: .utf8)
    #expect(metric(text, "websocket_timer_active") == 0 && metric(text, "websocket_timer_enabled") == 0)

    let port = try closedPort()
    for _ in 0..<3 { _ = try sandbox.check("ws://127.0.0.1:\(port)/", ["--metrics-file", metrics]) }
    text = try String(contentsOfFile: metrics, encoding: .utf8)
    #expect(metric(text, "websocket_probe_success") == 0)
    #expect(metric(text, "websocket_failcount") == -1, "disarmed after the restart")
    #expect(metric(text, "websocket_restarts_total", "result=\"done\"") == 1)
    #expect(metric(text, "websocket_restarts_total", "result=\"failed\"") == 0)
    #expect(metric(text, "websocket_incident_reports_total") == 1, "the report written before the restart")
    let leftovers = try FileManager.default.contentsOfDirectory(atPath: sandbox.directory.path).filter {
      $0.hasSuffix(".tmp")
    }
    #expect(leftovers.isEmpty)
  }

  @Test func aMetricsFileThatCannotBeWrittenIsAWarningNotAFailure() throws {
    let server = try WebSocketTestServer(.healthy)
    defer { server.stop() }
    let sandbox = try CommandSandbox()
    let outcome = try sandbox.check("ws://127.0.0.1:\(server.port)/", ["--metrics-file", "/nonexistent/dir/x.prom"])
    #expect(outcome.status == 0)
    #expect(
      outcome.standardError.hasPrefix("[Warning] cannot write metrics file /nonexistent/dir/x.prom"), "\(outcome.lines)"
    )
    #expect(sandbox.state == "4242:0")
  }

  @Test(arguments: [("relative.prom", "is not an absolute path"), ("/tmp/x.txt", "does not end in .prom")])
  func aMetricsPathNodeExporterWouldNotReadIsRefused(path: String, message: String) throws {
    let sandbox = try CommandSandbox()
    let outcome = try sandbox.check("ws://127.0.0.1:1/", ["--metrics-file", path])
    #expect(outcome.status == 1)
    #expect(outcome.standardError.contains(message), "\(outcome.standardError)")
  }

  /// Three targets in a config directory, as the template units run them.
  @Test func statusShowsEveryTargetOfTheDirectoryAndExitsOnWhatNeedsAttention() throws {
    let server = try WebSocketTestServer(.healthy)
    defer { server.stop() }
    let sandbox = try CommandSandbox()
    let directory = sandbox.directory.appendingPathComponent("conf").path
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    let dead = try closedPort()
    var configs: [String: String] = [:]
    for (name, port, mode) in [
      ("edge", server.port, "auto"), ("backend", dead, "approve"), ("extra", server.port, "auto"),
    ] {
      let path = "\(directory)/\(name).conf"
      let text = """
        uri = ws://127.0.0.1:\(port)/
        unit = \(name).service
        threshold = 1
        mode = \(mode)
        state-file = \(sandbox.directory.path)/\(name).failcount
        log-file = \(sandbox.directory.path)/\(name).log
        """
      try text.write(toFile: path, atomically: false, encoding: .utf8)
      configs[name] = path
    }
    try "uri = ws://example\nunit = example.service\n".write(
      toFile: "\(directory)/example.conf", atomically: false, encoding: .utf8)

    let unchecked = try sandbox.run(["status", "--config-dir", directory, "--json"])
    #expect(unchecked.status == 5, "never checked needs attention: \(unchecked.lines)")

    try sandbox.setState("4242:0")
    for name in ["edge", "extra"] {
      _ = try sandbox.run([
        "check", "--config", configs[name]!, "--state-file", "\(sandbox.directory.path)/\(name).failcount",
      ])
    }
    let allWell = try sandbox.run([
      "status", "--config", configs["edge"]!, "--state-file", "\(sandbox.directory.path)/edge.failcount",
    ])
    #expect(allWell.status == 0, "\(allWell.lines)")

    try "4242:0".write(toFile: "\(sandbox.directory.path)/backend.failcount", atomically: false, encoding: .utf8)
    _ = try sandbox.run([
      "check", "--config", configs["backend"]!, "--state-file", "\(sandbox.directory.path)/backend.failcount",
    ])
    let table = try sandbox.run(["status", "--config-dir", directory])
    #expect(table.status == 5)
    #expect(table.lines.first == "TARGET   STATUS   FAILURES  MODE     TIMER     LAST CHECK", "\(table.lines)")
    // Under the failing target: its pending request, then its episode from the check history.
    #expect(table.lines[2].hasPrefix("         restart awaiting approval since "), "\(table.lines)")
    #expect(table.lines[3].hasPrefix("         failing since "), "\(table.lines)")
    #expect(
      table.lines[3].hasSuffix(" (1 check); last 1 h: 1 check, 1 failed; last 24 h: 1 check, 1 failed"),
      "\(table.lines)")
    // Then the evidence kept at the request, for the morning after.
    let reports = "\(sandbox.directory.path)/reports/backend/"
    #expect(table.lines[4].hasPrefix("         incident report 20"), "\(table.lines)")
    #expect(table.lines[4].contains(": \(reports)20") && table.lines[4].hasSuffix(".report"), "\(table.lines)")
    #expect(table.lines[5].hasPrefix("edge     ok       0/1       auto     next "), "\(table.lines)")
    #expect(table.lines[5].dropFirst(47).hasPrefix("20"), "LAST CHECK in its column: \(table.lines)")
    #expect(
      table.lines[6].hasPrefix("         last 1 h: 1 check, 0 failed, p50 "), "the healthy one's hour: \(table.lines)")
    #expect(
      table.lines.map { String($0.prefix(7)) }.filter { !$0.hasPrefix(" ") && $0 != "TARGET " } == [
        "backend", "edge   ", "extra  ",
      ], "sorted, example.conf left out")
    #expect(table.standardOutput.contains("restart awaiting approval since"), "\(table.lines)")

    let json = try sandbox.run(["status", "--config-dir", directory, "--json"])
    let object = try JSONSerialization.jsonObject(with: Data(json.standardOutput.utf8)) as? [String: Any]
    let targets = try #require(object?["targets"] as? [[String: Any]])
    #expect(targets.map { $0["name"] as? String } == ["backend", "edge", "extra"])
    let backend = targets[0]
    #expect(
      Set(backend.keys) == [
        "name", "uri", "unit", "state_file", "mode", "threshold", "failcount", "armed", "healthy", "last_check",
        "failing_since", "restart_due_unix_seconds", "latest_report", "last_hour", "last_day", "pending",
        "budget", "restarts", "last_trigger", "error", "timer", "watched",
      ])
    let timer = try #require(backend["timer"] as? [String: Any])
    #expect(timer["unit"] as? String == "websocket-health-check@backend.timer")
    #expect(timer["active_state"] as? String == "active" && timer["unit_file_state"] as? String == "enabled")
    #expect(timer["interval_seconds"] as? Int == 15)
    // The stand-in says 9 s from when the sandbox was made: less by the time status asks.
    #expect((timer["next_run_seconds"] as? Int).map { (0...9).contains($0) } == true)
    #expect(timer["problem"] is NSNull)
    #expect(backend["watched"] as? Bool == true)
    #expect(backend["healthy"] as? Bool == false)
    #expect(backend["mode"] as? String == "approve")
    #expect((backend["pending"] as? [String: Any])?["count"] as? Int == 1)
    #expect((backend["last_trigger"] as? String)?.contains("Restart awaiting approval") == true)
    #expect((backend["failing_since"] as? [String: Any])?["checks"] as? Int == 1)
    #expect(backend["restart_due_unix_seconds"] is NSNull, "a pending request is not a restart to come")
    let latest = try #require(backend["latest_report"] as? [String: Any])
    #expect((latest["path"] as? String)?.hasPrefix(reports) == true, "\(latest)")
    let summary = try #require(latest["summary"] as? [String])
    #expect(summary.first == "threshold reached (fail count 1): restart awaiting a person's approval", "\(summary)")
    #expect(summary.contains { $0.hasPrefix("failing since ") }, "\(summary)")
    #expect(targets[1]["latest_report"] is NSNull, "a target never past its threshold has none")
    #expect((backend["last_hour"] as? [String: Any])?["failed"] as? Int == 1)
    #expect(targets[1]["healthy"] as? Bool == true)
    #expect(targets[1]["pending"] is NSNull)
    #expect(targets[1]["failing_since"] is NSNull)
    let edgeDay = try #require(targets[1]["last_day"] as? [String: Any])
    #expect(edgeDay["checks"] as? Int == 1 && edgeDay["failed"] as? Int == 0, "\(edgeDay)")
    #expect(edgeDay["p50_milliseconds"] is Double || edgeDay["p50_milliseconds"] is Int, "\(edgeDay)")
  }

  /// Two failures of six, the timer next in 9 s every 15 s (the stand-in systemd's): the
  /// sixth check comes three runs after the next, and `status` says when.
  @Test func statusSaysWhenTheRestartComesIfTheFailuresGoOn() throws {
    let sandbox = try CommandSandbox()
    let directory = sandbox.directory.appendingPathComponent("conf").path
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    let config = "\(directory)/edge.conf"
    try """
    uri = ws://127.0.0.1:\(try closedPort())/
    unit = edge.service
    threshold = 6
    state-file = \(sandbox.directory.path)/edge.failcount
    log-file = \(sandbox.directory.path)/edge.log
    """.write(toFile: config, atomically: false, encoding: .utf8)
    try "4242:0".write(toFile: "\(sandbox.directory.path)/edge.failcount", atomically: false, encoding: .utf8)
    for _ in 0..<2 { _ = try sandbox.run(["check", "--config", config]) }
    let before = Int(Date().timeIntervalSince1970)
    let json = try sandbox.run(["status", "--config-dir", directory, "--json"])
    let after = Int(Date().timeIntervalSince1970)
    let object = try JSONSerialization.jsonObject(with: Data(json.standardOutput.utf8)) as? [String: Any]
    let edge = try #require((object?["targets"] as? [[String: Any]])?.first)
    #expect(edge["failcount"] as? Int == 2, "\(edge)")
    let due = try #require(edge["restart_due_unix_seconds"] as? Int, "\(edge)")
    // Next run within 9 s, then three more runs 15 s apart.
    #expect((before + 45...after + 55).contains(due), "due \(due - before) s after status was asked")
    let table = try sandbox.run(["status", "--config-dir", directory])
    let time = LocalTimestamp(seconds: due, microseconds: 0).timeOfDay
    let nextSecond = LocalTimestamp(seconds: due + 1, microseconds: 0).timeOfDay
    #expect(
      table.standardOutput.contains("restart at ~\(time) if it keeps failing")
        || table.standardOutput.contains("restart at ~\(nextSecond) if it keeps failing"), "\(table.lines)")
  }

  @Test(arguments: ["status", "dashboard"])
  func aTargetAndADirectoryTogetherAreAUsageError(command: String) throws {
    let sandbox = try CommandSandbox()
    let outcome = try sandbox.run([command, "--config-dir", "/etc/x", "--config", "/etc/x/edge.conf"])
    #expect(outcome.status == 2)
    #expect(outcome.standardError.contains("give either a target (URI SERVICE or --config) or --config-dir, not both"))
  }

  @Test func statusOfADirectoryThatIsNotThereIsOneLine() throws {
    let sandbox = try CommandSandbox()
    let outcome = try sandbox.run(["status", "--config-dir", "/nonexistent/conf"])
    #expect(outcome.status == 1)
    #expect(
      outcome.lines == [
        "[Error] cannot read config directory /nonexistent/conf: No such file or directory; give one with --config-dir, or a target"
      ])
  }

  /// A target nobody checks any more is not "ok": a stopped, failed, missing or disabled
  /// timer, or checks that stopped coming, need attention (exit 5), said in the table and
  /// the JSON with the command that mends it.
  @Test(
    arguments: [
      (
        "inactive", "enabled", "loaded", nil, "STOPPED", "stopped",
        "is stopped: nothing runs the checks; to start it: systemctl enable --now websocket-health-check@edge.timer"
      ),
      (
        "failed", "enabled", "loaded", nil, "FAILED", "failed",
        "has failed: nothing runs the checks; see: systemctl status websocket-health-check@edge.timer"
      ),
      ("inactive", "", "not-found", nil, "MISSING", "missing", "does not exist: nothing runs the checks"),
      (
        "active", "disabled", "loaded", nil, "DISABLED", "not-enabled",
        "runs but is not enabled: the checks stop at the next reboot; to keep them: systemctl enable websocket-health-check@edge.timer"
      ),
      (
        "active", "enabled", "loaded", 600, "STALE", "stale",
        "although websocket-health-check@edge.timer runs every 15 s; see: journalctl -u websocket-health-check@edge.service"
      ),
    ] as [(String, String, String, Int?, String, String, String)])
  func aTargetWhoseTimerDoesNotRunItsChecksNeedsAttention(
    active: String, file: String, load: String, checkedAgo: Int?, word: String, token: String, sentence: String
  ) throws {
    let server = try WebSocketTestServer(.healthy)
    defer { server.stop() }
    let sandbox = try CommandSandbox()
    let directory = sandbox.directory.appendingPathComponent("conf").path
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    let state = "\(sandbox.directory.path)/edge.failcount"
    try """
    uri = ws://127.0.0.1:\(server.port)/
    unit = openems.service
    state-file = \(state)
    log-file = \(sandbox.directory.path)/edge.log
    """.write(toFile: "\(directory)/edge.conf", atomically: false, encoding: .utf8)
    _ = try sandbox.run(["check", "--config", "\(directory)/edge.conf"])
    let healthy = try sandbox.run(["status", "edge", "--config-dir", directory])
    #expect(healthy.status == 0, "\(healthy.lines)")

    sandbox.setTimer(loadState: load, activeState: active, unitFileState: file)
    if let checkedAgo {
      let then = Int(Date().timeIntervalSince1970) - checkedAgo
      try "\(then)\tok\thealthy (connect 0.1 ms)\n".write(toFile: state + ".last", atomically: false, encoding: .utf8)
    }
    let table = try sandbox.run(["status", "edge", "--config-dir", directory])
    #expect(table.status == 5, "\(table.lines)")
    #expect(table.lines.count == 4, "\(table.lines)")
    #expect(table.lines[1].contains("  \(word)  "), "\(table.lines)")
    // Under the row, from the STATUS column: what is wrong and what to type; then the past.
    #expect(table.lines[2].hasPrefix("        ") && table.lines[2].contains(sentence), "\(table.lines)")
    #expect(table.lines[3].contains("last 1 h: 1 check, 0 failed"), "\(table.lines)")
    let json = try sandbox.run(["status", "edge", "--config-dir", directory, "--json"])
    #expect(json.status == 5)
    let object = try JSONSerialization.jsonObject(with: Data(json.standardOutput.utf8)) as? [String: Any]
    let target = try #require((object?["targets"] as? [[String: Any]])?.first)
    #expect((target["timer"] as? [String: Any])?["problem"] as? String == token)
    #expect(((target["timer"] as? [String: Any])?["problem_text"] as? String)?.contains(sentence) == true)
    #expect(target["watched"] as? Bool == false)
  }

  /// Names everywhere: a target is its NAME; a NAME that is not there lists those that are.
  @Test func commandsTakeATargetsNameAndAnUnknownNameListsTheKnownOnes() throws {
    let sandbox = try CommandSandbox()
    let directory = sandbox.directory.appendingPathComponent("conf").path
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    for name in ["backend", "edge"] {
      try """
      uri = ws://127.0.0.1:1/
      unit = \(name).service
      mode = approve
      state-file = \(sandbox.directory.path)/\(name).failcount
      log-file = \(sandbox.directory.path)/\(name).log
      """.write(toFile: "\(directory)/\(name).conf", atomically: false, encoding: .utf8)
    }
    let approve = try sandbox.run(["approve", "backend", "--config-dir", directory])
    #expect(approve.status == 4, "found backend.conf, nothing pending: \(approve.lines)")
    #expect(approve.standardError.contains("no restart of backend.service is awaiting approval"), "\(approve.lines)")
    let reject = try sandbox.run(["reject", "edge", "--config-dir", directory])
    #expect(reject.status == 4, "\(reject.lines)")
    for command in ["approve", "reject", "status", "dashboard"] {
      let unknown = try sandbox.run([command, "ui", "--config-dir", directory])
      #expect(unknown.status == 1, "\(command): \(unknown.lines)")
      #expect(
        unknown.lines == [
          "[Error] no target named 'ui' in \(directory) (no ui.conf); targets there: backend, edge; or give URI SERVICE, or --config FILE"
        ], "\(command): \(unknown.lines)")
    }
  }
}
