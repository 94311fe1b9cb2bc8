import Foundation
import TestPeers
import Testing

/// Restarts a person approves, budgets and re-arming, as an operator uses them: the real binary,
/// real loopback servers, the stand-in `systemctl` that records its calls.
@Suite struct ApprovalCommandTests {
  /// `check` in approve mode with threshold 2, against a port where nothing listens.
  func failingCheck(_ sandbox: CommandSandbox, port: Int, _ extra: [String] = []) throws -> CommandSandbox.Outcome {
    try sandbox.check("ws://127.0.0.1:\(port)/", ["--threshold", "2", "--restart-mode", "approve"] + extra)
  }

  func decide(_ verb: String, _ sandbox: CommandSandbox, port: Int, user: String = "alice") throws
    -> CommandSandbox.Outcome
  {
    try sandbox.run(
      [
        verb, "ws://127.0.0.1:\(port)/", "openems.service", "--state-file", sandbox.statePath, "--log-file",
        sandbox.logPath,
        "--restart-mode", "approve",
      ],
      environment: ["SUDO_USER": user])
  }

  @Test func nothingRestartsUntilAPersonApprovesThenOnce() throws {
    let sandbox = try CommandSandbox()
    try sandbox.setState("4242:0")
    let port = try closedPort()
    _ = try failingCheck(sandbox, port: port)
    let asked = try failingCheck(sandbox, port: port)
    #expect(asked.status == 0)
    #expect(sandbox.restartCalls.isEmpty)
    let expectedCommand =
      "websocket-health-check approve ws://127.0.0.1:\(port)/ openems.service --state-file \(sandbox.statePath) --log-file \(sandbox.logPath)"
    #expect(
      asked.standardOutput.contains(
        "Restart awaiting approval (fail count: 2): openems.service was not restarted. To restart it: \(expectedCommand)"
      ), "\(asked.lines)")
    #expect(
      sandbox.logLines.last?.contains("Restart awaiting approval (fail count: 2) openems.service: connection refused")
        == true)
    // Later ticks still fail: the request stays, nothing restarts, the console reminds.
    let later = try failingCheck(sandbox, port: port)
    #expect(later.standardOutput.contains("still awaiting approval"), "\(later.lines)")
    #expect(sandbox.restartCalls.isEmpty)
    #expect(sandbox.logLines.count == 1)

    let approved = try decide("approve", sandbox, port: port)
    #expect(approved.status == 0, "\(approved.lines)")
    #expect(sandbox.restartCalls == ["restart -- openems.service"])
    // The evidence kept at the request, printed before the restart's own lines.
    let reportLine = approved.lines.firstIndex {
      $0.hasPrefix("[Info] Incident report \(sandbox.directory.path)/state/reports/openems.service/")
    }
    let restartedLine = approved.lines.firstIndex { $0.contains("restarting openems.service") }
    #expect(reportLine != nil && restartedLine != nil && reportLine! < restartedLine!, "\(approved.lines)")
    #expect(
      approved.lines.contains("[Info]   threshold reached (fail count 2): restart awaiting a person's approval"),
      "\(approved.lines)")
    #expect(
      sandbox.logLines.contains { $0.hasSuffix("Restart approved by alice (cli) (fail count: 2) openems.service") })

    let again = try decide("approve", sandbox, port: port)
    #expect(again.status == 4)
    #expect(
      again.standardError.contains(
        "no restart of openems.service is awaiting approval; the last request was approved at "), "\(again.lines)")
    #expect(again.standardError.contains("(alice (cli))"))
    #expect(sandbox.restartCalls.count == 1, "approving again restarts nothing")
  }

  @Test func rejectingRestartsNothingAndSaysWho() throws {
    let sandbox = try CommandSandbox()
    try sandbox.setState("4242:1")
    let port = try closedPort()
    _ = try failingCheck(sandbox, port: port)
    let rejected = try decide("reject", sandbox, port: port, user: "bob")
    #expect(rejected.status == 0, "\(rejected.lines)")
    #expect(sandbox.restartCalls.isEmpty)
    #expect(sandbox.logLines.last?.hasSuffix("Restart rejected by bob (cli) (fail count: 2) openems.service") == true)
    let approve = try decide("approve", sandbox, port: port)
    #expect(approve.status == 4)
    #expect(approve.standardError.contains("the last request was rejected"))
    #expect(sandbox.restartCalls.isEmpty)
  }

  @Test func nothingPendingIsAClearLineAndExitFour() throws {
    let sandbox = try CommandSandbox()
    let outcome = try decide("approve", sandbox, port: 1)
    #expect(outcome.status == 4)
    #expect(outcome.lines == ["[Error] no restart of openems.service is awaiting approval; nothing was restarted"])
  }

  @Test func theWebSocketAnsweringAgainWithdrawsTheRequest() throws {
    let server = try WebSocketTestServer(.healthy)
    defer { server.stop() }
    let sandbox = try CommandSandbox()
    try sandbox.setState("4242:1")
    _ = try failingCheck(sandbox, port: try closedPort())
    let healthy = try sandbox.check(
      "ws://127.0.0.1:\(server.port)/", ["--threshold", "2", "--restart-mode", "approve"])
    #expect(
      healthy.standardOutput.contains("Restart request withdrawn openems.service: the WebSocket answered again"),
      "\(healthy.lines)")
    #expect(
      sandbox.logLines.last?.hasSuffix("Restart request withdrawn openems.service: the WebSocket answered again")
        == true)
    let approve = try decide("approve", sandbox, port: server.port)
    #expect(approve.status == 4)
    #expect(approve.standardError.contains("the last request was withdrawn"))
    #expect(sandbox.restartCalls.isEmpty)
  }

  @Test func aNewMainPIDMakesTheRequestStale() throws {
    let sandbox = try CommandSandbox()
    try sandbox.setState("4242:1")
    let port = try closedPort()
    _ = try failingCheck(sandbox, port: port)
    sandbox.setService(pid: 5151)  // someone ran systemctl restart by hand
    let approve = try decide("approve", sandbox, port: port)
    #expect(approve.status == 4)
    #expect(approve.standardOutput.contains("MainPID changed from 4242 to 5151"), "\(approve.lines)")
    #expect(sandbox.restartCalls.isEmpty)
  }

  @Test func anUnansweredRequestExpiresOrFallsBackToAuto() throws {
    let port = try closedPort()
    for fallback in ["expire", "auto"] {
      let sandbox = try CommandSandbox()
      try sandbox.setState("4242:1")
      let options = ["--approval-timeout", "1s", "--approval-fallback", fallback]
      _ = try failingCheck(sandbox, port: port, options)
      usleep(1_100_000)
      let expired = try failingCheck(sandbox, port: port, options)
      #expect(expired.standardOutput.contains("Restart request expired after 1 s openems.service"), "\(expired.lines)")
      #expect(sandbox.restartCalls.count == (fallback == "auto" ? 1 : 0), "\(fallback)")
    }
  }

  @Test func theBudgetIsLoggedOnceAndNothingRestartsPastIt() throws {
    let sandbox = try CommandSandbox()
    try sandbox.setState("4242:0")
    let port = try closedPort()
    let options = [
      "--threshold", "1", "--max-restarts", "1", "--within", "1h", "--rearm-after", "0", "--rearm-max", "0",
    ]
    for _ in 0..<4 { _ = try sandbox.check("ws://127.0.0.1:\(port)/", options) }
    #expect(sandbox.restartCalls.count == 1)
    #expect(
      sandbox.logLines.filter { $0.contains("Restart budget exhausted (1 within 1 h) openems.service") }.count == 1,
      "\(sandbox.logLines)")
  }

  @Test func reArmingRestartsAServiceThatCameBackBroken() throws {
    let sandbox = try CommandSandbox()
    try sandbox.setState("4242:0")
    let port = try closedPort()
    let options = ["--threshold", "1", "--rearm-after", "1s", "--rearm-max", "4s"]
    _ = try sandbox.check("ws://127.0.0.1:\(port)/", options)
    #expect(sandbox.restartCalls.count == 1)
    sandbox.setService(pid: 4343)  // the restart gave a new MainPID, still broken
    let waiting = try sandbox.check("ws://127.0.0.1:\(port)/", options)
    #expect(
      waiting.standardOutput.contains(
        "not counting: PID 4343 replaced the one restarted at the threshold; counting starts when it answers"),
      "\(waiting.lines)")
    usleep(1_100_000)
    let rearmed = try sandbox.check("ws://127.0.0.1:\(port)/", options)
    #expect(
      rearmed.standardOutput.contains(
        "Re-armed openems.service: still failing 1 s after its restart; the next re-arm waits 2 s"), "\(rearmed.lines)")
    #expect(sandbox.restartCalls.count == 2)
  }

  @Test func theNotifyCommandHearsEachEventAndItsFailureChangesNothing() throws {
    let sandbox = try CommandSandbox()
    try sandbox.setState("4242:1")
    let port = try closedPort()
    let heard = sandbox.directory.appendingPathComponent("heard").path
    let script = sandbox.directory.appendingPathComponent("notify").path
    try installExecutable(
      "#!/bin/sh\necho \"$WHC_EVENT $WHC_UNIT $WHC_COUNT $WHC_PID $WHC_REASON\" >> '\(heard)'\necho \"$WHC_REPORT\" >> '\(heard)'\n",
      at: script)
    _ = try failingCheck(sandbox, port: port, ["--notify-command", script])
    let lines = try String(contentsOfFile: heard, encoding: .utf8).split(separator: "\n")
    #expect(lines.count == 2)
    #expect(lines.first?.hasPrefix("requested openems.service 2 4242 connection refused") == true, "\(lines)")
    // The incident report written at the request, there for the pager to point to.
    let report = String(lines.last ?? "")
    #expect(report.hasPrefix("\(sandbox.directory.path)/state/reports/openems.service/"), "\(lines)")
    #expect(FileManager.default.fileExists(atPath: report))

    let broken = sandbox.directory.appendingPathComponent("broken").path
    try installExecutable("#!/bin/sh\necho 'pager down' >&2\nexit 7\n", at: broken)
    try sandbox.setState("4242:1")
    try? FileManager.default.removeItem(atPath: sandbox.statePath + ".policy")
    let outcome = try failingCheck(sandbox, port: port, ["--notify-command", broken])
    #expect(outcome.status == 0)
    #expect(
      outcome.standardError.contains(
        "[Warning] --notify-command \(broken) failed (exit 7): pager down; the decision stands"), "\(outcome.lines)")
    #expect(sandbox.logLines.filter { $0.contains("awaiting approval") }.count == 2)
  }

  /// Under systemd, what a person must act on reaches the journal at warning priority
  /// (`journalctl -p warning`); the rest at notice, which the units' LogLevelMax=notice keeps.
  @Test func requestsReachTheJournalAtWarningPriority() throws {
    let sandbox = try CommandSandbox()
    try sandbox.setState("4242:1")
    let journal = sandbox.directory.appendingPathComponent("journal").path
    _ = FileManager.default.createFile(atPath: journal, contents: nil)
    let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: journal))
    var info = stat()
    fstat(handle.fileDescriptor, &info)
    let process = Process()
    process.executableURL = URL(fileURLWithPath: binaryPath)
    process.arguments = [
      "ws://127.0.0.1:\(try closedPort())/", "openems.service", "--state-file", sandbox.statePath, "--log-file",
      sandbox.logPath, "--threshold", "2", "--restart-mode", "approve",
    ]
    process.environment = [
      "PATH": "\(sandbox.directory.path)/bin:/usr/bin:/bin", "JOURNAL_STREAM": "\(info.st_dev):\(info.st_ino)",
    ]
    process.standardOutput = handle
    try process.run()
    process.waitUntilExit()
    try handle.close()
    let lines = try String(contentsOfFile: journal, encoding: .utf8).split(separator: "\n")
    #expect(lines.count == 3, "\(lines)")
    #expect(lines.first?.hasPrefix("<5>[Watchdog] WebSocket not working! (2/2)") == true, "\(lines)")
    #expect(lines.dropFirst().first?.hasPrefix("<4>[Watchdog] Restart awaiting approval (fail count: 2)") == true)
    // The evidence kept at the request, in one line a person can act on.
    #expect(
      lines.last?.hasPrefix("<4>[Watchdog] Incident report \(sandbox.directory.path)/state/reports/openems.service/")
        == true,
      "\(lines)")
  }

  @Test(arguments: [
    (["--restart-mode", "sometimes"], "--restart-mode 'sometimes' is not one of: auto, dry-run, approve"),
    (["--max-restarts", "3"], "--max-restarts needs --within"),
    (["--within", "1h"], "--within needs --max-restarts"),
    (["--max-restarts", "0", "--within", "1h"], "--max-restarts 0 is below 1"),
    (["--max-restarts", "2", "--within", "soon"], "within 'soon' is not a duration"),
    (["--rearm-after=-5"], "rearm-after '-5' is not a duration"),
    (["--rearm-after", "10m"], "--rearm-after 10 min is longer than --rearm-max 5 min"),
    (["--rearm-max", "1m"], "--rearm-max needs --rearm-after"),
    (["--approval-timeout", "30m"], "apply to --restart-mode approve only"),
    (
      ["--restart-mode", "approve", "--approval-fallback", "auto"], "--approval-fallback auto needs --approval-timeout"
    ),
    (["--restart-mode", "approve", "--approval-fallback", "maybe"], "approval-fallback 'maybe' is not expire or auto"),
    (["--restart-timeout", "0"], "--restart-timeout 0 s is not between 1s and 1h"),
    (["--notify-command", "page-me"], "--notify-command 'page-me' is not an absolute path"),
  ])
  func badPolicyValuesAreOneLineAndRestartNothing(extra: [String], message: String) throws {
    let sandbox = try CommandSandbox()
    try sandbox.setState("4242:2")
    let outcome = try sandbox.check("ws://127.0.0.1:1/", extra)
    // A value that is not of its kind is the command line's mistake (2); values that do not
    // fit together are found when the target is resolved (1). Neither restarts anything.
    let notOfItsKind =
      message.contains("is not a duration") || message.contains("is not one of")
      || message.contains("is not expire or auto")
    #expect(outcome.status == (notOfItsKind ? 2 : 1))
    #expect(outcome.lines.count == 1, "\(outcome.lines)")
    #expect(outcome.standardError.contains(message), "\(outcome.standardError)")
    #expect(sandbox.systemctlCalls.isEmpty)
    #expect(sandbox.state == "4242:2")
  }
}
