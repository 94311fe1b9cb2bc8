import Engine
import Testing

/// The reference's failure policy, as a table of (stored, pid, probe) → (write, decision).
@Suite struct WatchdogTests {
  struct Row: CustomTestStringConvertible, Sendable {
    let name: String
    let stored: FailureCounter?
    let pid: Int
    let probeSucceeded: Bool
    let write: FailureCounter?
    let decision: WatchdogDecision
    var testDescription: String { name }
  }

  static let threshold3: [Row] = [
    Row(
      name: "first success arms", stored: nil, pid: 8123, probeSucceeded: true,
      write: FailureCounter(pid: 8123, count: 0), decision: .healthy),
    Row(
      name: "failure before any success counts nothing", stored: nil, pid: 8123, probeSucceeded: false,
      write: nil, decision: .notArmed(.neverAnswered)),
    Row(
      name: "disarmed stays disarmed on failure", stored: .disarmed(pid: 8123), pid: 8123, probeSucceeded: false,
      write: nil, decision: .notArmed(.disarmedAtThreshold)),
    Row(
      name: "success re-arms a disarmed counter", stored: .disarmed(pid: 8123), pid: 8123, probeSucceeded: true,
      write: FailureCounter(pid: 8123, count: 0), decision: .healthy),
    Row(
      name: "armed failure counts one", stored: FailureCounter(pid: 8123, count: 0), pid: 8123, probeSucceeded: false,
      write: FailureCounter(pid: 8123, count: 1), decision: .counted(count: 1, threshold: 3)),
    Row(
      name: "second failure counts two", stored: FailureCounter(pid: 8123, count: 1), pid: 8123, probeSucceeded: false,
      write: FailureCounter(pid: 8123, count: 2), decision: .counted(count: 2, threshold: 3)),
    Row(
      name: "third failure triggers and disarms", stored: FailureCounter(pid: 8123, count: 2), pid: 8123,
      probeSucceeded: false, write: .disarmed(pid: 8123), decision: .trigger(count: 3, threshold: 3)),
    Row(
      name: "success resets the count", stored: FailureCounter(pid: 8123, count: 2), pid: 8123, probeSucceeded: true,
      write: FailureCounter(pid: 8123, count: 0), decision: .healthy),
    Row(
      name: "a count above the threshold still triggers", stored: FailureCounter(pid: 8123, count: 9), pid: 8123,
      probeSucceeded: false, write: .disarmed(pid: 8123), decision: .trigger(count: 10, threshold: 3)),
    Row(
      name: "another PID's count is ignored on failure", stored: FailureCounter(pid: 7000, count: 2), pid: 8123,
      probeSucceeded: false, write: nil, decision: .notArmed(.neverAnswered)),
    Row(
      name: "the PID that replaced a disarmed one is not counted yet", stored: .disarmed(pid: 7000), pid: 8123,
      probeSucceeded: false, write: nil, decision: .notArmed(.replacedAfterThreshold)),
    Row(
      name: "another PID's count is replaced on success", stored: FailureCounter(pid: 7000, count: 2), pid: 8123,
      probeSucceeded: true, write: FailureCounter(pid: 8123, count: 0), decision: .healthy),
    Row(
      name: "a stopped service (PID 0) arms like any other", stored: nil, pid: 0, probeSucceeded: true,
      write: FailureCounter(pid: 0, count: 0), decision: .healthy),
  ]

  @Test(arguments: threshold3)
  func decidesAsTheReference(row: Row) throws {
    let watchdog = try Watchdog(threshold: 3)
    let step = watchdog.decide(stored: row.stored, pid: row.pid, probeSucceeded: row.probeSucceeded)
    #expect(step.write == row.write)
    #expect(step.decision == row.decision)
  }

  @Test func thresholdOneTriggersOnTheFirstArmedFailure() throws {
    let watchdog = try Watchdog(threshold: 1)
    let step = watchdog.decide(stored: FailureCounter(pid: 5, count: 0), pid: 5, probeSucceeded: false)
    #expect(step.decision == .trigger(count: 1, threshold: 1))
    #expect(step.write == .disarmed(pid: 5))
  }

  @Test(arguments: [0, -1, -100])
  func thresholdBelowOneIsRefused(threshold: Int) {
    #expect(throws: ConfigurationError.self) { try Watchdog(threshold: threshold) }
  }

  /// One failing episode restarts at most once: after the trigger, failures count nothing
  /// until a success, even for the same PID.
  @Test func oneEpisodeRestartsAtMostOnce() throws {
    let watchdog = try Watchdog(threshold: 2)
    var stored: FailureCounter? = FailureCounter(pid: 1, count: 0)
    var triggers = 0
    for _ in 0..<10 {
      let step = watchdog.decide(stored: stored, pid: 1, probeSucceeded: false)
      if case .trigger = step.decision { triggers += 1 }
      if let write = step.write { stored = write }
    }
    #expect(triggers == 1)
    #expect(stored == .disarmed(pid: 1))
  }
}

@Suite struct FailureCounterTests {
  @Test(arguments: [
    ("8123:2", FailureCounter(pid: 8123, count: 2)),
    ("8123:0", FailureCounter(pid: 8123, count: 0)),
    ("8123:-1", FailureCounter(pid: 8123, count: -1)),
    ("0:0", FailureCounter(pid: 0, count: 0)),
    (" 8123 : 2\n", FailureCounter(pid: 8123, count: 2)),
  ])
  func readsWhatTheReferenceWrites(text: String, counter: FailureCounter) {
    #expect(FailureCounter(fileText: text) == counter)
  }

  @Test(arguments: ["", "-1", "8123", "8123:", ":2", "a:b", "8123:2:3", "8123:-2", "-5:1", "8123:99999999999999999999"])
  func readsAnythingElseAsNothing(text: String) {
    #expect(FailureCounter(fileText: text) == nil)
  }

  @Test func writesExactlyPidColonCountWithoutNewline() {
    #expect(FailureCounter(pid: 8123, count: 2).fileText == "8123:2")
    #expect(FailureCounter.disarmed(pid: 42).fileText == "42:-1")
  }
}
