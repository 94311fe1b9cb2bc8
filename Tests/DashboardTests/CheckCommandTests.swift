import Engine
import Foundation
import TestPeers
import Testing

/// `check` as the timer and a person type it: the real binary, real loopback servers, a
/// stand-in `systemctl` that records its calls.
@Suite struct CheckCommandTests {
  static var logLine: Regex<(Substring, Substring?)> { #/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d{6})?: /# }

  @Test func bareReferenceFormAndCheckSubcommandBothArmTheWatchdog() throws {
    let server = try WebSocketTestServer(.healthy)
    defer { server.stop() }
    let sandbox = try CommandSandbox()
    let bare = try sandbox.check("ws://127.0.0.1:\(server.port)")
    #expect(bare.status == 0)
    #expect(bare.standardOutput.hasPrefix("[Info] WebSocket healthy ("))
    #expect(sandbox.state == "4242:0")

    try sandbox.setState("4242:2")
    let explicit = try sandbox.run(
      [
        "check", "ws://127.0.0.1:\(server.port)", "openems.service", "--state-file", sandbox.statePath,
        "--log-file", sandbox.logPath,
      ])
    #expect(explicit.status == 0)
    #expect(sandbox.state == "4242:0", "a success resets the count")
    #expect(
      sandbox.systemctlCalls.allSatisfy {
        $0 == "show --property=MainPID --property=LoadState --property=ActiveState -- openems.service"
      })
    #expect(sandbox.restartCalls.isEmpty)
  }

  /// The whole failing episode: armed, three failures, one restart, then quiet.
  @Test func threeFailuresAfterASuccessRestartOnceAndLogTheReason() throws {
    let server = try WebSocketTestServer(.healthy)
    let sandbox = try CommandSandbox()
    let uri = "ws://127.0.0.1:\(server.port)"
    #expect(try sandbox.check(uri).status == 0)
    server.stop()

    let first = try sandbox.check(uri)
    #expect(first.status == 0)
    #expect(first.standardOutput.hasPrefix("[Watchdog] WebSocket not working! (1/3): connection refused"))
    #expect(sandbox.state == "4242:1")
    #expect(try sandbox.check(uri).standardOutput.contains("(2/3)"))
    #expect(sandbox.restartCalls.isEmpty)

    let third = try sandbox.check(uri)
    #expect(third.status == 0)
    #expect(third.lines.contains { $0.hasPrefix("[Watchdog] Triggered restart!") })
    #expect(sandbox.restartCalls == ["restart -- openems.service"])
    #expect(sandbox.state == "4242:-1")
    #expect(sandbox.logLines.count == 1)
    let line = try #require(sandbox.logLines.first)
    #expect(line.contains(Self.logLine))
    #expect(line.contains(": Triggered restart! (fail count: 3) openems.service: connection refused"), "\(line)")

    // The same PID failing on: disarmed, never a second restart.
    let fourth = try sandbox.check(uri)
    #expect(
      fourth.standardOutput.contains(
        "not counting: disarmed for PID 4242 since the threshold was reached; counting resumes when it answers again"),
      "\(fourth.lines)")
    #expect(sandbox.restartCalls.count == 1)
    #expect(sandbox.logLines.count == 1)
  }

  @Test func dryRunLogsTheReferenceLineAndRestartsNothing() throws {
    let sandbox = try CommandSandbox()
    try sandbox.setState("4242:1")
    let outcome = try sandbox.check("ws://127.0.0.1:\(try closedPort())", ["--threshold", "2", "--dry-run"])
    #expect(outcome.status == 0)
    #expect(sandbox.restartCalls.isEmpty)
    #expect(sandbox.state == "4242:-1", "dry run disarms too, so the log is not flooded")
    let line = try #require(sandbox.logLines.first)
    #expect(line.contains(Self.logLine))
    #expect(line.contains(": Dry run: Triggered restart! (fail count: 2) openems.service: connection refused"))
  }

  @Test func failureBeforeAnySuccessCountsNothing() throws {
    let sandbox = try CommandSandbox()
    let outcome = try sandbox.check("ws://127.0.0.1:\(try closedPort())")
    #expect(outcome.status == 0)
    #expect(outcome.standardOutput.contains("connection never succeeded"))
    #expect(sandbox.state == nil)
  }

  @Test func aNewMainPIDDisarmsTheOldCount() throws {
    let sandbox = try CommandSandbox()
    try sandbox.setState("1111:2")
    let outcome = try sandbox.check("ws://127.0.0.1:\(try closedPort())", ["--threshold", "3"])
    #expect(outcome.standardOutput.contains("never succeeded for PID 4242"))
    #expect(sandbox.state == "1111:2")
    #expect(sandbox.restartCalls.isEmpty)
  }

  @Test func garbageInTheStateFileIsWarnedAboutAndReadAsDisarmed() throws {
    let server = try WebSocketTestServer(.healthy)
    defer { server.stop() }
    let sandbox = try CommandSandbox()
    try sandbox.setState("42\u{0}garbage")
    let outcome = try sandbox.check("ws://127.0.0.1:\(server.port)")
    #expect(outcome.status == 0)
    #expect(outcome.standardError.hasPrefix("[Warning] state file \(sandbox.statePath) held \"42?garbage\""))
    #expect(sandbox.state == "4242:0")
  }

  /// Our own mistakes: one line saying what is wrong, exit 1 (2 for the command line itself),
  /// no restart, the state file untouched.
  @Test(arguments: [
    (["ws://127.0.0.1:1", "openems.service", "--threshold", "0"], 1, "threshold 0 is below 1"),
    (["ws://127.0.0.1:1", "openems.service", "--threshold", "-1"], 1, "threshold -1 is below 1"),
    (["http://127.0.0.1:1", "openems.service"], 1, "only ws:// and wss://"),
    (["ws://127.0.0.1:99999", "openems.service"], 1, "port '99999' is not a number from 1 to 65535"),
    (["ws://127.0.0.1:1", "open ems"], 1, "contains ' '"),
    (["ws://127.0.0.1:1", "openems.service", "--timeout", "0"], 1, "timeout 0.0 is not a number of seconds"),
    (["ws://127.0.0.1:1", "openems.service", "--ca-file", "/x.pem"], 1, "--ca-file only applies to wss://"),
    (["ws://127.0.0.1:1", "openems.service", "--threshhold", "3"], 2, "Unknown option '--threshhold'"),
    (["ws://127.0.0.1:1"], 2, "Missing expected argument '<service>'"),
    (["ws://127.0.0.1:1", "openems.service", "--threshold", "three"], 2, "three"),
    (["ws://127.0.0.1:1", "openems.service", "--ping", "--openems"], 1, "--ping and --openems each choose"),
    (["ws://127.0.0.1:1", "openems.service", "--expect", "ok"], 1, "--expect 'ok' needs --send or --send-file"),
    (
      ["ws://127.0.0.1:1", "openems.service", "--send", "x", "--expect", "[a-"], 1, "is not a valid regular expression"
    ),
    (["ws://127.0.0.1:1", "openems.service", "--send", ""], 1, "the message to send is empty"),
    (["ws://127.0.0.1:1", "openems.service", "--header", "X-A"], 1, "--header: expected 'Name: value'"),
    (
      ["ws://127.0.0.1:1", "openems.service", "--header", "Connection: close"], 1,
      "header 'Connection' is set by the probe"
    ),
    (["ws://127.0.0.1:1", "openems.service", "--header", "X-A: 1\r\nX-B: 2"], 1, "holds a line break"),
    (
      ["ws://127.0.0.1:1", "openems.service", "--header-file", "/nonexistent"], 1,
      "cannot read header file /nonexistent"
    ),
    (
      ["ws://127.0.0.1:1", "openems.service", "--send-file", "/nonexistent"], 1, "cannot read --send-file /nonexistent"
    ),
    (["ws://127.0.0.1:1", "openems.service", "--subprotocol", "a b"], 1, "subprotocol 'a b' is not a token"),
    (["ws://127.0.0.1:1", "openems.service", "--insecure"], 1, "--insecure only applies to wss://"),
  ])
  func badInputIsOneClearLineAndRestartsNothing(arguments: [String], status: Int32, message: String) throws {
    let sandbox = try CommandSandbox()
    try sandbox.setState("4242:2")
    let outcome = try sandbox.run(arguments + ["--state-file", sandbox.statePath, "--log-file", sandbox.logPath])
    #expect(outcome.status == status)
    #expect(outcome.standardError.contains(message), "\(outcome.standardError)")
    #expect(outcome.standardOutput.isEmpty)
    #expect(sandbox.restartCalls.isEmpty)
    #expect(sandbox.state == "4242:2")
    if status == 1 {
      #expect(outcome.lines.count == 1, "\(outcome.lines)")
      #expect(outcome.standardError.hasPrefix("[Error] "))
    }
  }

  /// The secret in a header file reaches the server and nothing else: not the command line,
  /// the console, the trigger log or the state file, on success and on failure, not even when
  /// the server repeats it back.
  @Test func headerFileSecretNeverLeavesTheUpgradeRequest() throws {
    let secret = "s3cret-apikey-7f3a"
    let right = try WebSocketTestServer(.openEMS(OpenEMSPeer(.edgeApp(apikeys: [secret]))))
    defer { right.stop() }
    let wrong = try WebSocketTestServer(.openEMS(OpenEMSPeer(.edgeApp(apikeys: ["another-key"]))))
    defer { wrong.stop() }
    let sandbox = try CommandSandbox()
    let headers = sandbox.directory.appendingPathComponent("backend.headers").path
    try "apikey: \(secret)\n".write(toFile: headers, atomically: false, encoding: .utf8)
    chmod(headers, 0o600)
    var everything = ""
    for (server, runs) in [(right, 1), (wrong, 2)] {
      let arguments = [
        "ws://127.0.0.1:\(server.port)/", "openems-backend.service", "--ping", "--header-file", headers,
        "--threshold", "1", "--state-file", sandbox.statePath, "--log-file", sandbox.logPath,
      ]
      #expect(!arguments.joined(separator: " ").contains(secret))
      for _ in 0..<runs {
        let outcome = try sandbox.run(arguments)
        everything += outcome.standardOutput + outcome.standardError
      }
    }
    #expect(right.seen.withLockedValue { $0 }.contains("apikey=\(secret)"), "the secret reached the server")
    #expect(everything.contains("closed the WebSocket (1003 unsupported data"), "\(everything)")
    // The wrong key's server names the key it was given: shown as (secret), never as itself.
    #expect(everything.contains("'Apikey [(secret)] is not valid'"), "\(everything)")
    #expect(sandbox.logLines.count == 1, "the wrong key's failure triggered: \(sandbox.logLines)")
    #expect(sandbox.restartCalls.count == 1)
    let stored = (sandbox.logLines + [sandbox.state ?? ""]).joined(separator: "\n")
    #expect(!everything.contains(secret), "\(everything)")
    #expect(!stored.contains(secret), "\(stored)")

    chmod(headers, 0o644)
    let readable = try sandbox.run(["ws://127.0.0.1:\(right.port)/", "x.service", "--header-file", headers])
    #expect(readable.status == 1)
    #expect(readable.standardError.contains("can be read by others (mode 644)"), "\(readable.standardError)")
    #expect(!readable.standardError.contains(secret))
  }

  /// The depth shows in the console line: a wedged OpenEMS upgrades, yet the check counts it.
  @Test func openEMSCheckCountsAWedgedServerAndNamesThePhase() throws {
    let server = try WebSocketTestServer(.wedgedOpenEMS)
    defer { server.stop() }
    let sandbox = try CommandSandbox()
    try sandbox.setState("4242:0")
    let handshake = try sandbox.check("ws://127.0.0.1:\(server.port)/")
    #expect(handshake.standardOutput.hasPrefix("[Info] WebSocket healthy (connect "), "\(handshake.lines)")
    let deep = try sandbox.check("ws://127.0.0.1:\(server.port)/", ["--openems", "--timeout", "1"])
    #expect(
      deep.standardOutput.contains("(1/3): no reply to the JSON-RPC request within 1 s (connect "), "\(deep.lines)")
    #expect(deep.standardOutput.contains(", reply 9") || deep.standardOutput.contains(", reply 1"), "\(deep.lines)")
    #expect(sandbox.state == "4242:1")
  }

  /// `--openems` alone takes the endpoint kind from the port and says so in the console line,
  /// which `status` replays; `--openems-kind` says it and the line stays quiet about it. A
  /// current Backend UI logs nothing for either check.
  @Test func theOpenEMSKindTakenFromThePortIsSaidInTheConsoleAndStatus() throws {
    let peer = OpenEMSPeer(.backendUI)
    let server = try WebSocketTestServer(.openEMS(peer))
    defer { server.stop() }
    let sandbox = try CommandSandbox()
    let uri = "ws://127.0.0.1:\(server.port)/"
    // The test port is no OpenEMS default: the port says Edge UI, and an Edge UI's request
    // (subscribeEdges) gets the Backend UI's error reply, one WARN, still proof of life.
    let assumed = try sandbox.check(uri, ["--openems"])
    #expect(assumed.status == 0)
    #expect(
      assumed.standardOutput.contains(
        "OpenEMS Edge UI assumed from port \(server.port); say so with openems-kind = edge;"),
      "\(assumed.lines)")
    let status = try sandbox.run([
      "status", uri, "openems-backend.service", "--state-file", sandbox.statePath, "--log-file", sandbox.logPath,
    ])
    #expect(status.standardOutput.contains("OpenEMS Edge UI assumed from port \(server.port)"), "\(status.lines)")
    #expect(peer.log.count == 1, "\(peer.log)")

    let given = try sandbox.check(uri, ["--openems-kind", "backend-ui"])
    #expect(given.standardOutput.hasPrefix("[Info] WebSocket healthy (connect "), "\(given.lines)")
    #expect(!given.standardOutput.contains("assumed"), "\(given.lines)")
    #expect(peer.log.count == 1, "logout cost the Backend UI no line: \(peer.log)")
  }

  /// A libwebsockets protocol with a 10-byte buffer pongs only the first 10 bytes of a ping:
  /// the probe's payload is shorter than that, so the pong it waits for is whole.
  @Test func aServerThatPongsOnlyTenBytesIsHealthy() throws {
    let server = try WebSocketTestServer(.pongsAtMost(bytes: 10))
    defer { server.stop() }
    let sandbox = try CommandSandbox()
    let outcome = try sandbox.check("ws://127.0.0.1:\(server.port)/", ["--ping", "--timeout", "2"])
    #expect(outcome.standardOutput.hasPrefix("[Info] WebSocket healthy (connect "), "\(outcome.lines)")
    #expect(outcome.standardOutput.contains(", ping "), "\(outcome.lines)")
    let pings = server.seen.withLockedValue { $0 }.filter { $0.hasPrefix("ping ") }
    #expect(pings.count == 1 && Int(pings[0].dropFirst(5))! <= 10, "\(pings)")
  }

  /// Compressed frames nobody negotiated are named as such, not shown as garbage.
  @Test func aServerThatCompressesUnaskedIsNamed() throws {
    let server = try WebSocketTestServer(.compressesUnasked)
    defer { server.stop() }
    let sandbox = try CommandSandbox()
    try sandbox.setState("4242:0")
    let outcome = try sandbox.check("ws://127.0.0.1:\(server.port)/", ["--send", "status?", "--timeout", "1"])
    #expect(
      outcome.standardOutput.contains(
        "(1/3): server broke the protocol: it sent compressed messages (RSV1, permessage-deflate) although none was "
          + "negotiated"), "\(outcome.lines)")
    #expect(!outcome.standardOutput.contains("last message skipped"), "\(outcome.lines)")
    #expect(sandbox.state == "4242:1")
  }

  @Test func insecureWarnsOnEveryRun() throws {
    let sandbox = try CommandSandbox()
    let outcome = try sandbox.run([
      "wss://127.0.0.1:\(try closedPort())/", "x.service", "--insecure", "--state-file", sandbox.statePath,
      "--log-file", sandbox.logPath,
    ])
    #expect(outcome.standardError.hasPrefix("[Warning] --insecure: the TLS certificate of 127.0.0.1 is not checked"))
  }

  /// A full disk is a common reason a Java service wedges: the log line that cannot be written
  /// must not keep the service from its restart. A 16 kB tmpfs, filled, holds the log.
  @Test(.enabled(if: geteuid() == 0, "mounting a small tmpfs needs root"))
  func aFullDiskForTheLogNeverCancelsTheRestart() throws {
    let sandbox = try CommandSandbox()
    let disk = try FullDisk(in: sandbox)
    defer { disk.unmount() }
    let log = "\(disk.path)/trigger.log"
    try disk.fill(keeping: [log: ""])
    try sandbox.setState("4242:2")
    let outcome = try sandbox.run([
      "ws://127.0.0.1:\(try closedPort())/", "openems.service", "--state-file", sandbox.statePath, "--log-file", log,
    ])
    #expect(sandbox.restartCalls == ["restart -- openems.service"], "the restart went ahead")
    #expect(outcome.status == 6, "\(outcome.lines)")
    #expect(
      outcome.standardError.contains("the restart went ahead without its trigger-log line (disk full?)"),
      "\(outcome.lines)")
    #expect(outcome.standardError.contains("No space left on device"), "\(outcome.lines)")
    #expect(sandbox.state == "4242:-1")
  }

  /// Where a user put the state file on a disk that filled up, the check cannot count: it says
  /// so in one line and exits 1 (as the reference does), restarts nothing, and the counter on
  /// disk stays whole, with no temporary file left beside it.
  @Test(.enabled(if: geteuid() == 0, "mounting a small tmpfs needs root"))
  func aFullDiskForTheStateSaysSoAndKeepsTheOldCount() throws {
    let sandbox = try CommandSandbox()
    let disk = try FullDisk(in: sandbox)
    defer { disk.unmount() }
    let state = "\(disk.path)/failcount"
    try disk.fill(keeping: [state: "4242:1"])
    let before = try FileManager.default.contentsOfDirectory(atPath: disk.path).sorted()
    let outcome = try sandbox.run([
      "ws://127.0.0.1:\(try closedPort())/", "openems.service", "--state-file", state, "--log-file", sandbox.logPath,
    ])
    #expect(outcome.status == 1, "\(outcome.lines)")
    #expect(outcome.standardError.contains(state) && outcome.standardError.contains("No space left on device"))
    #expect(outcome.standardError.split(separator: "\n").count == 1, "\(outcome.lines)")
    #expect(try String(contentsOfFile: state, encoding: .utf8) == "4242:1")
    #expect(try FileManager.default.contentsOfDirectory(atPath: disk.path).sorted() == before)
    #expect(sandbox.restartCalls.isEmpty)
  }

  /// The last check's file only informs `status`: when it cannot be written (here a directory
  /// stands in its way), the check still counts and restarts.
  @Test func aLastCheckFileThatCannotBeWrittenHoldsNothingBack() throws {
    let sandbox = try CommandSandbox()
    try sandbox.setState("4242:2")
    try FileManager.default.createDirectory(atPath: sandbox.statePath + ".last", withIntermediateDirectories: true)
    let outcome = try sandbox.check("ws://127.0.0.1:\(try closedPort())/")
    #expect(outcome.status == 0, "\(outcome.lines)")
    #expect(sandbox.restartCalls == ["restart -- openems.service"])
    #expect(sandbox.state == "4242:-1")
  }

  @Test func symlinkAtTheStatePathIsRefusedNotFollowed() throws {
    let sandbox = try CommandSandbox()
    let victim = sandbox.directory.appendingPathComponent("victim")
    try "precious".write(to: victim, atomically: false, encoding: .utf8)
    try FileManager.default.createDirectory(
      atPath: (sandbox.statePath as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
    try FileManager.default.createSymbolicLink(atPath: sandbox.statePath, withDestinationPath: victim.path)
    let outcome = try sandbox.check("ws://127.0.0.1:\(try closedPort())")
    #expect(outcome.status == 1)
    #expect(outcome.standardError.contains("is a symbolic link; refusing to follow it"))
    #expect(try String(contentsOf: victim, encoding: .utf8) == "precious")
    #expect(sandbox.restartCalls.isEmpty)
  }

  @Test func systemctlMissingIsOurErrorNotAFailure() throws {
    let sandbox = try CommandSandbox()
    try sandbox.setState("4242:2")
    let outcome = try sandbox.run(
      ["ws://127.0.0.1:1", "x.service", "--state-file", sandbox.statePath, "--log-file", sandbox.logPath],
      path: "/nonexistent")
    #expect(outcome.status == 1)
    #expect(outcome.standardError.contains("systemctl not found on PATH"))
    #expect(sandbox.state == "4242:2")
  }

  @Test func systemctlShowFailingStopsTheCheck() throws {
    let sandbox = try CommandSandbox()
    sandbox.touch("show-fails")
    let outcome = try sandbox.check("ws://127.0.0.1:1")
    #expect(outcome.status == 1)
    #expect(outcome.standardError.contains("Failed to connect to bus"))
    #expect(sandbox.restartCalls.isEmpty)
  }

  /// A healthy check that finds the count it would write leaves the file alone (no two fsyncs
  /// every 15 s on an SD card); any other text, even one that means the same, is written as
  /// the reference writes it.
  @Test func aHealthyCheckRewritesNothingThatIsAlreadySo() throws {
    let server = try WebSocketTestServer(.healthy)
    defer { server.stop() }
    let sandbox = try CommandSandbox()
    try sandbox.setState("4242:0")
    func identity() -> [Int] {
      var info = stat()
      guard stat(sandbox.statePath, &info) == 0 else { return [] }
      return [Int(info.st_ino), Int(info.st_mtim.tv_sec), Int(info.st_mtim.tv_nsec)]
    }
    let before = identity()
    usleep(20_000)
    var outcome = try sandbox.check("ws://127.0.0.1:\(server.port)")
    #expect(outcome.status == 0)
    #expect(sandbox.state == "4242:0")
    #expect(identity() == before, "the unchanged state file was written again")

    for (text, why) in [("4242:2", "a count"), ("4242:0\n", "a newline"), (" 4242:0", "a space")] {
      try sandbox.setState(text)
      outcome = try sandbox.check("ws://127.0.0.1:\(server.port)")
      #expect(outcome.status == 0)
      #expect(sandbox.state == "4242:0", "\(why) is written over")
    }
  }

  /// systemd's answer and the probe overlap: the stand-in answers only after the server has
  /// seen the probe, which a check asking systemd first would never get to.
  @Test func systemdIsAskedWhileTheProbeRuns() throws {
    let server = try WebSocketTestServer(.healthy)
    defer { server.stop() }
    let sandbox = try CommandSandbox()
    sandbox.touch("show-waits-for-probe")
    let running = try sandbox.start(
      [
        "ws://127.0.0.1:\(server.port)", "openems.service", "--state-file", sandbox.statePath, "--log-file",
        sandbox.logPath,
      ])
    #expect(Self.waitFor { server.connectionCount == 1 }, "the probe did not start before systemd answered")
    sandbox.touch("probe-seen")
    let outcome = running.finish()
    #expect(outcome.status == 0, "\(outcome.standardError)")
    #expect(outcome.standardOutput.hasPrefix("[Info] WebSocket healthy ("))
    #expect(sandbox.state == "4242:0")
  }

  /// When systemd cannot say the PID, the probe already under way is closed, not waited for:
  /// a wedged service would otherwise hold the error for the probe's whole timeout.
  @Test func systemdFailingEndsTheCheckWithoutWaitingForTheProbe() throws {
    let server = try WebSocketTestServer(.neverAnswer)
    defer { server.stop() }
    let sandbox = try CommandSandbox()
    try sandbox.setState("4242:1")
    sandbox.touch("show-waits-for-probe")
    sandbox.touch("show-fails")
    let running = try sandbox.start(
      [
        "ws://127.0.0.1:\(server.port)", "openems.service", "--state-file", sandbox.statePath, "--log-file",
        sandbox.logPath, "--timeout", "120",
      ])
    #expect(Self.waitFor { server.connectionCount == 1 }, "the probe did not start")
    sandbox.touch("probe-seen")
    // Far below the probe's 120 s: the check must not be waiting for it.
    let ended = Self.waitFor(seconds: 30) { !running.process.isRunning }
    if !ended { running.process.terminate() }
    let outcome = running.finish()
    #expect(ended, "the check waited for the wedged probe after systemd failed")
    #expect(outcome.status == 1)
    #expect(outcome.standardError.contains("Failed to connect to bus"))
    #expect(!outcome.standardOutput.contains("WebSocket"), "an abandoned probe is not reported")
    #expect(sandbox.state == "4242:1", "nothing is counted")
    #expect(sandbox.logLines.isEmpty)
    #expect(sandbox.restartCalls.isEmpty)
  }

  /// Polls `condition` every 20 ms for at most `seconds`.
  static func waitFor(seconds: Double = 10, _ condition: () -> Bool) -> Bool {
    let end = Date().addingTimeInterval(seconds)
    while Date() < end {
      if condition() { return true }
      usleep(20_000)
    }
    return condition()
  }

  @Test func unknownUnitIsNamedAsSuch() throws {
    let sandbox = try CommandSandbox()
    sandbox.setService(pid: 0, loadState: "not-found")
    let outcome = try sandbox.check("ws://127.0.0.1:1")
    #expect(outcome.status == 1)
    #expect(outcome.standardError.contains("systemd knows no unit openems.service"))
  }

  /// Deliberately unlike the reference: a failed restart exits non-zero so that
  /// `systemctl --failed` shows it, and the trigger log says so.
  @Test func failedRestartExitsThreeAndIsLogged() throws {
    let sandbox = try CommandSandbox()
    sandbox.touch("restart-fails")
    try sandbox.setState("4242:2")
    let outcome = try sandbox.check("ws://127.0.0.1:\(try closedPort())")
    #expect(outcome.status == 3)
    #expect(outcome.standardError.contains("Job for openems.service failed"))
    #expect(sandbox.restartCalls == ["restart -- openems.service"])
    #expect(sandbox.logLines.count == 2)
    #expect(sandbox.logLines.last?.contains("Restart failed! openems.service") == true)
  }

  /// Twenty checks at once on one state file: every failure is counted, none lost.
  @Test func twentyConcurrentChecksLoseNoUpdate() throws {
    let sandbox = try CommandSandbox()
    try sandbox.setState("4242:0")
    let port = try closedPort()
    let arguments = [
      "ws://127.0.0.1:\(port)", "openems.service", "--state-file", sandbox.statePath, "--log-file",
      sandbox.logPath, "--threshold", "1000",
    ]
    let runs = try (0..<20).map { _ in try sandbox.start(arguments) }
    let outcomes = runs.map { $0.finish() }
    #expect(outcomes.allSatisfy { $0.status == 0 })
    #expect(sandbox.state == "4242:20")
    let leftovers = try FileManager.default.contentsOfDirectory(
      atPath: (sandbox.statePath as NSString).deletingLastPathComponent)
    #expect(!leftovers.contains { $0.hasSuffix(".tmp") }, "no temp file is left behind: \(leftovers)")
    #expect(leftovers.contains("failcount"))
  }

  @Test func configFileGivesTheTargetAndTheCommandLineWins() throws {
    let server = try WebSocketTestServer(.healthy)
    defer { server.stop() }
    let sandbox = try CommandSandbox()
    let config = sandbox.directory.appendingPathComponent("edge.conf").path
    try """
    uri = ws://127.0.0.1:\(server.port)/websocket
    unit = edge.service
    threshold = 2
    state-file = \(sandbox.statePath)
    log-file = \(sandbox.logPath)
    """.write(toFile: config, atomically: false, encoding: .utf8)
    let fromFile = try sandbox.run(["check", "--config", config])
    #expect(fromFile.status == 0, "\(fromFile.standardError)")
    #expect(sandbox.state == "4242:0")
    #expect(sandbox.systemctlCalls.last?.hasSuffix("-- edge.service") == true)

    // The timer's bare form reads it too; here the command line's URI wins.
    let overridden = try sandbox.run(["--config", config, "ws://127.0.0.1:\(try closedPort())", "edge.service"])
    #expect(overridden.standardOutput.contains("(1/2): connection refused"), "\(overridden.lines)")
  }

  @Test func badConfigFileNamesFileLineAndKeyAndRestartsNothing() throws {
    let sandbox = try CommandSandbox()
    let config = sandbox.directory.appendingPathComponent("edge.conf").path
    try "uri = ws://127.0.0.1:1\nunit = edge.service\ntreshold = 3\n".write(
      toFile: config, atomically: false, encoding: .utf8)
    let outcome = try sandbox.run(["check", "--config", config])
    #expect(outcome.status == 1)
    #expect(
      outcome.standardError
        == "[Error] \(config):3: unknown key 'treshold'; known keys: \(TargetSetting.all.filter { $0.places.contains(.configFile) }.map(\.name).joined(separator: ", "))\n"
    )
    #expect(sandbox.systemctlCalls.isEmpty)
  }

  @Test func helpDocumentsExitStatusAndEveryOption() throws {
    let sandbox = try CommandSandbox()
    let root = try sandbox.run(["--help"])
    #expect(root.status == 0)
    for code in ["0  the check ran", "1  our own or this box's error", "2  the command line", "3  the threshold"] {
      #expect(root.standardOutput.contains(code), "\(code)")
    }
    // One line a code, as typed: a meaning too long for 80 columns wraps to the margin.
    let lines = root.standardOutput.split(separator: "\n", omittingEmptySubsequences: false)
    let table = lines.drop { $0 != "Exit status:" }.dropFirst().prefix { !$0.isEmpty }
    #expect(table.count == CheckExitStatus.allCases.count, "\(table)")
    for (line, status) in zip(table, CheckExitStatus.allCases) {
      #expect(line.hasPrefix("  \(status.rawValue)  "), "\(line)")
    }
    let check = try sandbox.run(["check", "--help"])
    for option in ["--state-file", "--threshold", "--log-file", "--dry-run", "--timeout", "--ca-file", "--config"] {
      #expect(check.standardOutput.contains(option), "\(option)")
    }
  }
}

/// A 16 kB tmpfs inside a sandbox, filled to the last block: the disk a Java service wedged on.
struct FullDisk {
  let path: String

  init(in sandbox: CommandSandbox) throws {
    path = sandbox.directory.appendingPathComponent("full").path
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    try Self.run("/bin/mount", ["-t", "tmpfs", "-o", "size=16k", "tmpfs", path])
  }

  /// Writes `files` (path: content), then fills what space is left.
  func fill(keeping files: [String: String]) throws {
    for (file, content) in files {
      #expect(FileManager.default.createFile(atPath: file, contents: Data(content.utf8)))
    }
    try? Self.run("/bin/dd", ["if=/dev/zero", "of=\(path)/filler", "bs=1k", "count=64"])
  }

  func unmount() { try? Self.run("/bin/umount", ["-l", path]) }

  private static func run(_ tool: String, _ arguments: [String]) throws {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: tool)
    process.arguments = arguments
    process.standardError = FileHandle.nullDevice
    process.standardOutput = FileHandle.nullDevice
    try process.run()
    process.waitUntilExit()
  }
}
