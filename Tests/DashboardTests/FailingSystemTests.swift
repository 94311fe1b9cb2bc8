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

  /// A check at 4242:2 of 3 run in a network namespace of its own where this box has IPv6
  /// switched off (loopback up, `disable_ipv6`): the kernel's own refusals, no stand-in.
  /// `hosts`, if given, is the namespace's `/etc/hosts` (bound over it in a mount namespace).
  func checkOnABoxWithoutIPv6(_ uri: String, hosts: String? = nil) throws -> (CommandSandbox, CommandSandbox.Outcome) {
    let sandbox = try CommandSandbox()
    try sandbox.setState("4242:2")
    var box = "export PATH=\"$PATH:/usr/sbin:/sbin\"; ip link set lo up && sysctl -qw net.ipv6.conf.lo.disable_ipv6=1"
    if let hosts {
      let path = sandbox.directory.appendingPathComponent("hosts").path
      try hosts.write(toFile: path, atomically: false, encoding: .utf8)
      box += " && mount --bind '\(path)' /etc/hosts"
    }
    let outcome = try sandbox.check(
      uri, through: ["/usr/bin/unshare", "--net", "--mount", "/bin/sh", "-c", box + " && exec \"$0\" \"$@\""])
    return (sandbox, outcome)
  }

  /// Nothing can connect to `::1` there: that is this box, not the service, and a restart
  /// would not change it.
  @Test(.enabled(if: geteuid() == 0, "a network namespace needs root"))
  func aConnectionThisBoxCannotMakeIsOurErrorAndCountsNothing() throws {
    let (sandbox, outcome) = try checkOnABoxWithoutIPv6("ws://[::1]:8085/")
    #expect(outcome.status == 1, "\(outcome.lines)")
    #expect(
      outcome.lines == [
        "[Error] not probed, for a reason on this box: no local address or port to connect from (Cannot assign "
          + "requested address); IPv6 switched off here? probe an IPv4 address; else the local ports are used up: "
          + "ss -s; nothing was counted"
      ], "\(outcome.lines)")
    #expect(sandbox.state == "4242:2", "nothing counted")
    #expect(sandbox.restartCalls.isEmpty)
    #expect(sandbox.logLines.isEmpty)
  }

  /// The same box, the same check, on IPv4 where nothing listens: the service's failure,
  /// counted to its threshold and restarted.
  @Test(.enabled(if: geteuid() == 0, "a network namespace needs root"))
  func theServicesRefusalOnTheSameBoxIsCounted() throws {
    let (sandbox, outcome) = try checkOnABoxWithoutIPv6("ws://127.0.0.1:8085/")
    #expect(outcome.standardOutput.contains("connection refused"), "\(outcome.lines)")
    #expect(sandbox.state == "4242:-1", "\(outcome.lines)")
    #expect(sandbox.restartCalls == ["restart -- openems.service"], "\(sandbox.systemctlCalls)")
  }

  /// `localhost` names `::1` and `127.0.0.1` (Debian's `/etc/hosts`), and nothing listens on
  /// IPv4. With no IPv6 address on the box, the resolver puts `::1` last, so the address
  /// tried last is the one this box cannot reach: the service's refusal must still speak.
  @Test(.enabled(if: geteuid() == 0, "network and mount namespaces need root"))
  func theServicesRefusalSpeaksForEveryAddressOfItsName() throws {
    let hosts = "127.0.0.1 localhost\n::1 localhost ip6-localhost ip6-loopback\n"
    let (sandbox, outcome) = try checkOnABoxWithoutIPv6("ws://localhost:8085/", hosts: hosts)
    #expect(outcome.standardOutput.contains("connection refused"), "\(outcome.lines)")
    #expect(sandbox.state == "4242:-1", "\(outcome.lines)")
    #expect(sandbox.restartCalls == ["restart -- openems.service"], "\(sandbox.systemctlCalls)")
  }
}
