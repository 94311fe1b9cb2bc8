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
  @Test func systemctlThatNeverAnswersIsOurErrorWithinFiveSeconds() throws {
    let sandbox = try CommandSandbox()
    try sandbox.setState("4242:2")
    sandbox.touch("show-hangs")
    let clock = ContinuousClock()
    let began = clock.now
    let outcome = try sandbox.check("ws://127.0.0.1:\(try closedPort())/")
    let took = clock.now - began
    #expect(outcome.status == 1)
    #expect(
      outcome.lines == [
        "[Error] cannot read the MainPID of openems.service: systemctl did not answer within 5 s; systemd may still be working on it, see: systemctl status openems.service"
      ], "\(outcome.lines)")
    #expect(took < .seconds(8), "took \(took)")
    #expect(sandbox.state == "4242:2", "nothing counted")
    #expect(sandbox.restartCalls.isEmpty)
  }

  @Test func aRestartThatNeverEndsIsCutAtItsDeadlineAndSaidSo() throws {
    let sandbox = try CommandSandbox()
    try sandbox.setState("4242:2")
    sandbox.touch("restart-hangs")
    let clock = ContinuousClock()
    let began = clock.now
    let outcome = try sandbox.check("ws://127.0.0.1:\(try closedPort())/", ["--restart-timeout", "1s"])
    let took = clock.now - began
    #expect(outcome.status == 3, "\(outcome.lines)")
    #expect(
      outcome.standardError.contains("systemctl did not answer within 1 s; systemd may still be working on it"),
      "\(outcome.lines)")
    #expect(took < .seconds(4), "took \(took)")
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
