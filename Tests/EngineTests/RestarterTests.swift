import Foundation
import Testing

@testable import Engine

/// The restart owner reads the MainPID it decides on: a person's yes is judged against the
/// process systemd runs now, not one a screen showed a moment ago.
@Suite struct RestarterTests {
  final class ChangingService: ServiceManager, @unchecked Sendable {
    private let lock = NSLock()
    private var pid: Int
    private var restarted: [String] = []
    init(pid: Int) { self.pid = pid }

    func set(pid: Int) { lock.withLock { self.pid = pid } }
    var restarts: [String] { lock.withLock { restarted } }

    func status(of unit: UnitName) throws(ServiceManagerError) -> ServiceStatus {
      lock.withLock { ServiceStatus(mainPID: pid, activeState: "active") }
    }
    func restart(_ unit: UnitName) throws(ServiceManagerError) { lock.withLock { restarted.append("\(unit)") } }
    func restartCommand(for unit: UnitName) -> String { "systemctl restart -- \(unit)" }
  }

  func restarter(_ service: ChangingService, in directory: String) throws -> Restarter {
    Restarter(
      unit: try UnitName(validating: "openems.service"), watchdog: try Watchdog(threshold: 1),
      policy: RestartPolicy(mode: .approve), stateStore: try StateStore(path: "\(directory)/failcount"),
      triggerLog: try TriggerLog(path: "\(directory)/trigger.log"), serviceManager: service)
  }

  func requestFor(pid: Int, _ service: ChangingService, _ restarter: Restarter) throws {
    let healthy = ProbeResult(failure: nil, timings: PhaseTimings())
    let failed = ProbeResult(failure: .timedOut(phase: .upgrade, after: .seconds(2)), timings: PhaseTimings())
    _ = try restarter.check(pid: pid, probe: healthy)
    let asked = try restarter.check(pid: pid, probe: failed)
    guard case .awaitingApproval = asked.decision.outcome else {
      Issue.record("no request: \(asked.decision.outcome)")
      return
    }
  }

  @Test func anApprovalForAProcessRestartedSinceRestartsNothing() throws {
    let directory = NSTemporaryDirectory() + "whc-restarter-\(UUID())"
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let service = ChangingService(pid: 100)
    let owner = try restarter(service, in: directory)
    try requestFor(pid: 100, service, owner)
    // Someone restarted the unit by hand after the screen last read PID 100.
    service.set(pid: 200)
    let report = try owner.approve(by: Requester(name: "alice", place: "dashboard"))
    #expect(report.pid == 200)
    #expect(service.restarts.isEmpty, "approved a request made for PID 100 on PID 200")
    if case .restart = report.decision.outcome { Issue.record("restarted") }
  }

  @Test func anApprovalForTheProcessThatFailedRestartsOnce() throws {
    let directory = NSTemporaryDirectory() + "whc-restarter-\(UUID())"
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let service = ChangingService(pid: 100)
    let owner = try restarter(service, in: directory)
    try requestFor(pid: 100, service, owner)
    let report = try owner.approve(by: Requester(name: "alice", place: "dashboard"))
    #expect(report.pid == 100)
    #expect(service.restarts == ["openems.service"])
  }
}

/// A probe this box kept from being made (too many open files, a firewall here) is our
/// error: a restart of the service cannot cure it, so nothing is counted or restarted.
@Suite struct NotProbedTests {
  func cycle(probing failure: ProbeFailure, in directory: String) throws -> (CheckCycle, RestarterTests.ChangingService)
  {
    let service = RestarterTests.ChangingService(pid: 100)
    let settings = CheckSettings(
      uri: try WebSocketURI(parsing: "ws://127.0.0.1:8085/"), unit: try UnitName(validating: "openems.service"),
      watchdog: try Watchdog(threshold: 1), stateStore: try StateStore(path: "\(directory)/failcount"),
      triggerLog: try TriggerLog(path: "\(directory)/trigger.log"))
    // Armed by an earlier healthy check of the same process, so one failure reaches threshold 1.
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    try "100:0".write(toFile: "\(directory)/failcount", atomically: false, encoding: .utf8)
    let result = ProbeResult(failure: failure, timings: PhaseTimings())
    let cycle = CheckCycle(settings: settings, serviceManager: service) {
      StartedProbe(wait: { result }, abandon: {})
    }
    return (cycle, service)
  }

  @Test func aProbeThisBoxKeptFromBeingMadeCountsNothing() throws {
    let directory = NSTemporaryDirectory() + "whc-not-probed-\(UUID())"
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let notProbed = try #require(ProbeAttempt.onThisBox(errno: EMFILE, phase: .connect))
    let (cycle, service) = try cycle(probing: notProbed, in: directory)
    let report = cycle.run()
    #expect(report.exitStatus == .ourError)
    #expect(report.restart == nil)
    #expect(service.restarts.isEmpty)
    #expect(try String(contentsOfFile: "\(directory)/failcount", encoding: .utf8) == "100:0", "a failure was counted")
    #expect(!FileManager.default.fileExists(atPath: "\(directory)/trigger.log"))
    #expect(
      report.lines.map(\.text) == [
        "not probed, for a reason on this box: this program has too many files open (Too many open files); "
          + "raise LimitNOFILE= in its unit; nothing was counted"
      ])
  }

  /// The same cycle with the service's own failure restarts at threshold 1: the test above
  /// holds because of what the probe said, not because this cycle counts nothing.
  @Test func theServicesOwnFailureIsCountedByTheSameCycle() throws {
    let directory = NSTemporaryDirectory() + "whc-not-probed-\(UUID())"
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let (cycle, service) = try cycle(probing: .connectionRefused, in: directory)
    let report = cycle.run()
    #expect(report.error == nil)
    #expect(service.restarts == ["openems.service"])
  }
}
