import Foundation
import TestPeers
import Testing

/// The wall clock set back or forward a day (an NTP step on a box that booted without time,
/// a person with `date -s`) across the approval, budget and re-arm windows: they run on the
/// boot clock, so nothing expires, frees or re-arms early or late. Debian's faketime moves the
/// wall clock of the real binary; the boot clock is left alone (FAKETIME_DONT_FAKE_MONOTONIC).
@Suite(
  .enabled(if: FileManager.default.fileExists(atPath: "/usr/bin/faketime"), "needs faketime (apt-get install faketime)")
)
struct ClockJumpTests {
  func check(_ sandbox: CommandSandbox, port: Int, _ options: [String], clock offset: String? = nil) throws
    -> CommandSandbox.Outcome
  {
    let arguments =
      ["ws://127.0.0.1:\(port)/", "openems.service", "--state-file", sandbox.statePath, "--log-file", sandbox.logPath]
      + options
    guard let offset else { return try sandbox.run(arguments) }
    return try sandbox.start(
      arguments, environment: ["FAKETIME_DONT_FAKE_MONOTONIC": "1"], through: ["/usr/bin/faketime", "-f", offset]
    ).finish()
  }

  @Test func aRequestWaitingForApprovalDoesNotExpireWhenTheWallClockJumps() throws {
    let sandbox = try CommandSandbox()
    try sandbox.setState("4242:1")
    let port = try closedPort()
    let options = [
      "--threshold", "2", "--restart-mode", "approve", "--approval-timeout", "30m", "--approval-fallback", "auto",
    ]
    _ = try check(sandbox, port: port, options)
    for offset in ["+1d", "-1d", "+365d"] {
      let later = try check(sandbox, port: port, options, clock: offset)
      #expect(later.standardOutput.contains("still awaiting approval"), "\(offset): \(later.lines)")
      #expect(!later.standardOutput.contains("expired"), "\(offset): \(later.lines)")
    }
    #expect(sandbox.restartCalls.isEmpty, "the fallback to auto did not fire early")
  }

  @Test func anExhaustedBudgetIsNotFreedWhenTheWallClockJumps() throws {
    let sandbox = try CommandSandbox()
    try sandbox.setState("4242:0")
    let port = try closedPort()
    let options = [
      "--threshold", "1", "--max-restarts", "1", "--within", "1h", "--rearm-after", "0", "--rearm-max", "0",
    ]
    _ = try check(sandbox, port: port, options)
    #expect(sandbox.restartCalls.count == 1)
    for offset in ["+2h", "-2h", "+1d"] {
      _ = try check(sandbox, port: port, options, clock: offset)
    }
    #expect(sandbox.restartCalls.count == 1, "a jump of the wall clock freed the budget")
  }

  @Test func aReArmWaitIsNotCutShortWhenTheWallClockJumps() throws {
    let sandbox = try CommandSandbox()
    try sandbox.setState("4242:0")
    let port = try closedPort()
    let options = ["--threshold", "1", "--rearm-after", "1h", "--rearm-max", "2h"]
    _ = try check(sandbox, port: port, options)
    #expect(sandbox.restartCalls.count == 1)
    sandbox.setService(pid: 4343)  // back from the restart, still broken
    for offset in ["+2h", "+1d", "-1d"] {
      let later = try check(sandbox, port: port, options, clock: offset)
      #expect(later.standardOutput.contains("PID 4343 replaced the one restarted"), "\(offset): \(later.lines)")
    }
    #expect(sandbox.restartCalls.count == 1, "a jump of the wall clock re-armed early")
  }

  /// The jump is real for the binary: its trigger-log lines carry the faked wall time.
  @Test func theWallClockReallyMoved() throws {
    let sandbox = try CommandSandbox()
    try sandbox.setState("4242:0")
    _ = try check(sandbox, port: try closedPort(), ["--threshold", "1"], clock: "@2031-01-02 03:04:05")
    #expect(sandbox.logLines.first?.hasPrefix("2031-01-02 03:04:0") == true, "\(sandbox.logLines)")
  }
}
