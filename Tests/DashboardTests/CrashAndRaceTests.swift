import Engine
import Foundation
import TestPeers
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// The state files under a watchdog that is killed at random moments, and under many runs at
/// once: never torn, never lost, never stuck.
@Suite struct CrashAndRaceTests {
  /// A failing check of an armed counter with a threshold it never reaches: every run moves
  /// the count by one, so the file's content says which runs got to write.
  func countingArguments(_ sandbox: CommandSandbox, port: Int) -> [String] {
    [
      "ws://127.0.0.1:\(port)/", "openems.service", "--state-file", sandbox.statePath, "--log-file", sandbox.logPath,
      "--threshold", "100000",
    ]
  }

  func count(_ sandbox: CommandSandbox) -> Int? {
    guard let text = sandbox.state, text.hasPrefix("4242:") else { return nil }
    return Int(text.dropFirst(5))
  }

  func temporaryFiles(_ sandbox: CommandSandbox) throws -> [String] {
    let directory = (sandbox.statePath as NSString).deletingLastPathComponent
    return try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".tmp") }
  }

  @Test func aCheckKilledAtAnyMomentLeavesTheOldOrTheNewCountNeverATornOne() throws {
    let sandbox = try CommandSandbox()
    try sandbox.setState("4242:0")
    let arguments = countingArguments(sandbox, port: try closedPort())
    // How long one run takes here, so the kills land all over its life.
    let clock = ContinuousClock()
    let began = clock.now
    #expect(try sandbox.run(arguments).status == 0)
    let lifetime = clock.now - began
    let microseconds = max(
      1000, Int(lifetime.components.attoseconds / 1_000_000_000_000) + 1_000_000 * Int(lifetime.components.seconds))
    var expected = 1
    var killedBeforeWriting = 0
    for _ in 0..<300 {
      #expect(count(sandbox) == expected)
      let running = try sandbox.start(arguments)
      usleep(UInt32.random(in: 0...UInt32(microseconds)))
      kill(running.process.processIdentifier, SIGKILL)
      _ = running.finish()
      guard let now = count(sandbox), now == expected || now == expected + 1 else {
        Issue.record(
          "after a SIGKILL the state file holds \(String(describing: sandbox.state)), not 4242:\(expected) or 4242:\(expected + 1)"
        )
        return
      }
      if now == expected { killedBeforeWriting += 1 }
      expected = now
      if let record = try? String(contentsOfFile: sandbox.statePath + ".policy", encoding: .utf8) {
        #expect(RestartRecord(fileText: record) != nil, "a torn restart record: \(record)")
      }
    }
    // Both kinds of moment were hit: before the write and after it.
    #expect(killedBeforeWriting > 0 && killedBeforeWriting < 300, "\(killedBeforeWriting) of 300 killed before writing")
    // The next whole run removes what a killed run left half-made.
    #expect(try sandbox.run(arguments).status == 0)
    #expect(count(sandbox) == expected + 1)
    let left = try temporaryFiles(sandbox)
    #expect(left.isEmpty, "\(left)")
  }

  @Test func fiftyChecksAnApproveAndAStatusAtOnceLoseNoCount() throws {
    let sandbox = try CommandSandbox()
    try sandbox.setState("4242:0")
    let arguments = countingArguments(sandbox, port: try closedPort())
    let runs = try (0..<50).map { _ in try sandbox.start(arguments) }
    let approve = try sandbox.start(["approve"] + Array(arguments.dropLast(2)))
    let status = try sandbox.start(["status"] + Array(arguments.dropLast(2)))
    let outcomes = runs.map { $0.finish() }
    #expect(outcomes.allSatisfy { $0.status == 0 }, "\(outcomes.filter { $0.status != 0 }.map(\.lines))")
    #expect(approve.finish().status == 4)  // nothing pending; it still had to take the lock
    let statusOutcome = status.finish()
    #expect([0, 5].contains(statusOutcome.status), "\(statusOutcome.lines)")
    #expect(sandbox.state == "4242:50", "every one of 50 counts is there")
    #expect(try temporaryFiles(sandbox).isEmpty)
  }

  /// A check stuck inside the lock (here: the test holds it) makes the next one wait a bounded
  /// time and say what to look for, not hang with the timer.
  @Test func aHeldLockIsWaitedForABoundedTimeAndSaidSo() throws {
    let sandbox = try CommandSandbox()
    try sandbox.setState("4242:0")
    let directory = (sandbox.statePath as NSString).deletingLastPathComponent
    let fd = open(directory, O_RDONLY | O_DIRECTORY)
    #expect(flock(fd, LOCK_EX) == 0)
    defer { close(fd) }
    let clock = ContinuousClock()
    let began = clock.now
    let outcome = try sandbox.run(countingArguments(sandbox, port: try closedPort()))
    let waited = clock.now - began
    #expect(outcome.status == 1)
    #expect(
      outcome.standardError.contains("another check has held the lock on \(directory) for over 5 s"), "\(outcome.lines)"
    )
    #expect(waited < .seconds(30), "gave up after \(waited)")
    #expect(sandbox.state == "4242:0")
  }
}
