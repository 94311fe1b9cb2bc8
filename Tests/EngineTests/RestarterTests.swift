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
