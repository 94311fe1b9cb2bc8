import Foundation
import TestPeers
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// What the box does wrong around a check: systemd that does not answer, a restart that never
/// ends, a state directory mounted read-only. Each is our error or the restart's, said in one
/// line with what to look at, within a bounded time, and never counted as the service's
/// failure.
@Suite struct FailingSystemTests {
  /// A failing check at its threshold (4242:2 of 3) while the stand-in systemctl hangs on
  /// `stall` (`show-hangs`, `restart-hangs`), timed by GNU time.
  func checkWhile(_ stall: String, _ extra: [String] = []) throws -> (CommandSandbox, CommandSandbox.Measured) {
    let sandbox = try CommandSandbox()
    try sandbox.setState("4242:2")
    sandbox.touch(stall)
    let run = try sandbox.runMeasured(
      [
        "ws://127.0.0.1:\(try closedPort())/", "openems.service", "--state-file", sandbox.statePath, "--log-file",
        sandbox.logPath,
      ] + extra)
    return (sandbox, run)
  }

  @Test func systemctlThatNeverAnswersIsOurErrorWithinFiveSeconds() throws {
    let (sandbox, run) = try checkWhile("show-hangs")
    #expect(run.outcome.status == 1)
    #expect(
      run.outcome.lines == [
        "[Error] cannot read the MainPID of openems.service: systemctl did not answer within 5 s; systemd may still be working on it, see: systemctl status openems.service"
      ], "\(run.outcome.lines)")
    #expect(run.seconds < 8, "took \(run.seconds) s")
    #expect(sandbox.state == "4242:2", "nothing counted")
    #expect(sandbox.restartCalls.isEmpty)
  }

  @Test func aRestartThatNeverEndsIsCutAtItsDeadlineAndSaidSo() throws {
    let (sandbox, run) = try checkWhile("restart-hangs", ["--restart-timeout", "1s"])
    #expect(run.outcome.status == 3, "\(run.outcome.lines)")
    #expect(
      run.outcome.standardError.contains("systemctl did not answer within 1 s; systemd may still be working on it"),
      "\(run.outcome.lines)")
    #expect(run.seconds < 4, "took \(run.seconds) s")
    #expect(sandbox.state == "4242:-1", "disarmed, as after any restart attempt")
    #expect(sandbox.logLines.count == 2, "the trigger and the failed restart: \(sandbox.logLines)")
    #expect(sandbox.logLines.last?.contains("did not answer within 1 s") == true, "\(sandbox.logLines)")
  }

  @Test(.enabled(if: geteuid() == 0, "a read-only bind mount needs root"))
  func aReadOnlyStateDirectoryIsOurErrorAndNothingRestarts() throws {
    let sandbox = try CommandSandbox()
    try sandbox.setState("4242:2")
    let directory = (sandbox.statePath as NSString).deletingLastPathComponent
    func mount(_ arguments: [String]) throws {
      let process = Process()
      process.executableURL = URL(fileURLWithPath: "/bin/mount")
      process.arguments = arguments
      try process.run()
      process.waitUntilExit()
      #expect(process.terminationStatus == 0, "mount \(arguments)")
    }
    try mount(["--bind", directory, directory])
    defer {
      let process = Process()
      process.executableURL = URL(fileURLWithPath: "/bin/umount")
      process.arguments = ["-l", directory]
      try? process.run()
      process.waitUntilExit()
    }
    try mount(["-o", "remount,ro,bind", directory])
    let outcome = try sandbox.check("ws://127.0.0.1:\(try closedPort())/")
    #expect(outcome.status == 1)
    #expect(outcome.lines.count == 1, "\(outcome.lines)")
    #expect(outcome.standardError.contains("Read-only file system"), "\(outcome.lines)")
    #expect(sandbox.state == "4242:2")
    #expect(sandbox.restartCalls.isEmpty)
  }
}
