import Foundation
import Testing

@testable import Engine

/// The evidence kept before a restart: the thread dump read back as values, the report's text,
/// where reports are kept and how many, and that the restart never waits on any of it.
@Suite struct IncidentReportTests {
  /// What OpenJDK 17 prints on SIGQUIT for a wedged service: ten pool threads parked on one
  /// lock inside the application's handler, one holding it asleep, the VM's own threads.
  static let dump: [String] = {
    var lines = [
      "2026-12-02 19:20:11",
      "Full thread dump OpenJDK 64-Bit Server VM (17.0.15+6-Debian-1deb12u1 mixed mode, sharing):",
      "",
      "Threads class SMR info:",
      "_java_thread_list=0x00007f, length=14, elements={",
      "}",
      "",
      "\"main\" #1 prio=5 os_prio=0 cpu=80.12ms elapsed=40.01s tid=0x00007f nid=0x1a2b waiting on condition  [0x00007f]",
      "   java.lang.Thread.State: TIMED_WAITING (sleeping)",
      "\tat java.lang.Thread.sleep(java.base@17.0.15/Native Method)",
      "\tat Wedge.main(Wedge.java:40)",
      "",
      "\"holder\" #12 prio=5 os_prio=0 cpu=1.00ms elapsed=39.00s tid=0x00007f nid=0x1a2c waiting on condition  [0x00007f]",
      "   java.lang.Thread.State: TIMED_WAITING (sleeping)",
      "\tat java.lang.Thread.sleep(java.base@17.0.15/Native Method)",
      "\tat Wedge.lambda$main$0(Wedge.java:22)",
      "\t- locked <0x0000000089a1> (a java.util.concurrent.locks.ReentrantLock$NonfairSync)",
      "",
    ]
    for index in 1...10 {
      lines += [
        "\"pool-2-thread-\(index)\" #\(13 + index) prio=5 os_prio=0 cpu=0.50ms elapsed=30.00s tid=0x00007f nid=0x1a3\(index) waiting on condition  [0x00007f]",
        "   java.lang.Thread.State: WAITING (parking)",
        "\tat jdk.internal.misc.Unsafe.park(java.base@17.0.15/Native Method)",
        "\t- parking to wait for  <0x0000000089a1> (a java.util.concurrent.locks.ReentrantLock$NonfairSync)",
        "\tat java.util.concurrent.locks.LockSupport.park(java.base@17.0.15/LockSupport.java:211)",
        "\tat java.util.concurrent.locks.ReentrantLock.lock(java.base@17.0.15/ReentrantLock.java:322)",
        "\tat io.openems.common.websocket.OnMessageHandler.run(OnMessageHandler.java:41)",
        "\tat java.util.concurrent.ThreadPoolExecutor.runWorker(java.base@17.0.15/ThreadPoolExecutor.java:1136)",
        "",
      ]
    }
    lines += [
      "\"VM Thread\" os_prio=0 cpu=2.01ms elapsed=40.00s tid=0x00007f nid=0x1a2d runnable",
      "",
      "\"GC Thread#0\" os_prio=0 cpu=0.20ms elapsed=40.00s tid=0x00007f nid=0x1a2e runnable",
      "",
      "JNI global refs: 6, weak refs: 0",
      "",
      "Heap",
      " garbage-first heap   total 258048K, used 4096K [0x0000000084, 0x0000000100000000)",
    ]
    return lines
  }()

  @Test func aDumpIsReadAsThreadsWithTheirStatesAndFrames() throws {
    let dump = try #require(ThreadDump(lines: ["unrelated line before"] + Self.dump))
    #expect(dump.threads.count == 14)
    #expect(dump.javaThreads.count == 12, "the VM's own threads have no Java state")
    let worker = try #require(dump.threads.first { $0.name == "pool-2-thread-7" })
    #expect(worker.state == "WAITING")
    #expect(worker.frames.first == "jdk.internal.misc.Unsafe.park")
    #expect(!dump.deadlock)
  }

  @Test func theSummaryGroupsAPoolStuckAtTheSameFrame() throws {
    let summary = try #require(ThreadDump(lines: Self.dump)).summary
    #expect(summary.first == "12 Java threads: 10 WAITING, 2 TIMED_WAITING")
    #expect(summary.contains("10 of 10 threads of pool-2 WAITING at io.openems.common.websocket.OnMessageHandler.run"))
    #expect(!summary.contains { $0.contains("holder") }, "one thread alone is no group")
  }

  @Test(arguments: [
    ("pool-2-thread-7", "pool-2"), ("qtp123-45", "qtp123"), ("Worker-3", "Worker"), ("main", "main"),
    ("GC Thread#0", "GC Thread"), ("42", "42"),
  ])
  func aThreadsPoolIsItsNameWithoutItsNumber(name: String, pool: String) {
    #expect(ThreadDump.pool(of: name) == pool)
  }

  @Test func noDumpInTheLinesIsNone() {
    #expect(ThreadDump(lines: ["Exception in thread \"main\"", "\tat Foo.bar(Foo.java:1)"]) == nil)
  }

  @Test func aDeadlockTheJVMFoundIsSaid() throws {
    let lines =
      Self.dump.dropLast(4) + ["Found one Java-level deadlock:", "=============================", "JNI global refs: 1"]
    #expect(try #require(ThreadDump(lines: Array(lines))).summary.contains { $0.contains("Java-level deadlock") })
  }

  @Test(arguments: [
    // executable, files that exist → a JVM's home, or why not
    (
      "/usr/lib/jvm/java-17-openjdk-amd64/bin/java", ["/usr/lib/jvm/java-17-openjdk-amd64/lib/server/libjvm.so"],
      "/usr/lib/jvm/java-17-openjdk-amd64"
    ),
    ("/opt/jdk8/jre/bin/java", ["/opt/jdk8/jre/lib/amd64/server/libjvm.so"], "/opt/jdk8/jre"),
    ("/usr/bin/python3.11", [], "not a JVM"),
    ("/usr/local/bin/java", [], "no libjvm.so"),
    ("/usr/lib/jvm/x/bin/java (deleted)", ["/usr/lib/jvm/x/lib/server/libjvm.so"], "is gone"),
  ])
  func aJVMIsToldByItsExecutableNotItsName(executable: String, files: [String], expected: String) {
    let result = EvidenceCollector.javaHome(executable: executable, exists: { files.contains($0) })
    switch result {
    case .success(let home): #expect(home == expected)
    case .failure(let why): #expect(why.description.contains(expected), "\(why)")
    }
  }

  @Test func anUnreadableExecutableIsNoJVM() {
    guard case .failure(let why) = EvidenceCollector.javaHome(executable: nil, exists: { _ in true }) else {
      Issue.record("taken for a JVM")
      return
    }
    #expect(why.description.contains("could not be read"))
  }

  func report(at seconds: Int = 1_800_000_000) -> IncidentReport {
    var report = IncidentReport(
      trigger: "threshold reached (fail count 3): restarting", target: "edge", unit: "openems.service",
      uri: "ws://127.0.0.1:8085/websocket", time: LocalTimestamp(seconds: seconds, microseconds: 0))
    report.episode = [
      CheckHistory.Entry(
        unixMilliseconds: Int64(seconds - 45) * 1000, healthy: true, phases: [(.upgrade, 2)], reason: ""),
      CheckHistory.Entry(
        unixMilliseconds: Int64(seconds - 30) * 1000, healthy: false, phases: [(.upgrade, 2), (.reply, 2000)],
        reason: "no reply to the JSON-RPC request within 2 s"),
    ]
    report.journal = ["2026-12-02T19:20:00+0000 box java[42]: \u{1B}]0;owned\u{07}hello"]
    report.threadDump = .taken(ThreadDump(lines: Self.dump)!, lines: Self.dump)
    return report
  }

  @Test func theTextHasEverySectionAndNothingATerminalWouldActOn() {
    let text = report().text
    for section in [
      "== summary ==", "== episode", "== service (systemd) ==", "== box ==", "== journal", "== thread dump ==",
    ] {
      #expect(text.contains(section), "\(section)")
    }
    #expect(text.contains("FAILED  upgrade 2.0 ms, reply 2000.0 ms  no reply to the JSON-RPC request within 2 s"))
    #expect(text.contains("10 of 10 threads of pool-2 WAITING at io.openems.common.websocket.OnMessageHandler.run"))
    #expect(!text.contains("\u{1B}") && text.contains("^[]0;owned^G"), "escapes shown as what they are")
    #expect(!text.contains("\t") && text.contains("    at io.openems"), "the dump's tabs kept as spaces")
  }

  func shelf(keep: Int = 3, maximumBytes: Int = 1 << 20) -> (ReportShelf, String) {
    let directory = NSTemporaryDirectory() + "whc-reports-\(UUID())"
    return (ReportShelf(directory: "\(directory)/reports/edge", keep: keep, maximumBytes: maximumBytes), directory)
  }

  @Test func reportsAreKeptPrivateBoundedAndOldestGoFirst() throws {
    let (shelf, root) = shelf()
    defer { try? FileManager.default.removeItem(atPath: root) }
    var paths: [String] = []
    for index in 0..<5 {
      let path = shelf.path(for: LocalTimestamp(seconds: 1_800_000_000 + index * 60, microseconds: 0))
      try shelf.store(report(at: 1_800_000_000 + index * 60), at: path)
      paths.append(path)
    }
    #expect(shelf.reports() == Array(paths.suffix(3)), "the oldest two removed")
    #expect(shelf.latest == paths.last)
    let file = try FileManager.default.attributesOfItem(atPath: paths.last!)
    #expect((file[.posixPermissions] as? Int) == 0o600)
    let directory = try FileManager.default.attributesOfItem(atPath: shelf.directory)
    #expect((directory[.posixPermissions] as? Int) == 0o700)
    #expect(
      try String(contentsOfFile: paths.last!, encoding: .utf8).hasPrefix("websocket-health-check incident report"))
  }

  @Test func twoReportsInOneSecondKeepBothInOrder() throws {
    let (shelf, root) = shelf()
    defer { try? FileManager.default.removeItem(atPath: root) }
    let time = LocalTimestamp(seconds: 1_800_000_000, microseconds: 0)
    let first = shelf.path(for: time)
    try shelf.store(report(), at: first)
    let second = shelf.path(for: time)
    try shelf.store(report(), at: second)
    #expect(first != second)
    #expect(shelf.reports() == [first, second])
  }

  @Test func aReportOverItsBoundIsCutAndSaysSo() throws {
    let (shelf, root) = shelf(maximumBytes: 4096)
    defer { try? FileManager.default.removeItem(atPath: root) }
    let path = shelf.path(for: LocalTimestamp(seconds: 1_800_000_000, microseconds: 0))
    try shelf.store(report(), at: path)
    let text = try String(contentsOfFile: path, encoding: .utf8)
    #expect(text.utf8.count <= 4096)
    #expect(text.hasSuffix("(report cut at 4096 bytes)\n"))
  }

  // MARK: - before the restart, and never holding it back

  final class RecordingService: ServiceManager, @unchecked Sendable {
    private let lock = NSLock()
    private var seen: [[String]] = []
    let reports: ReportShelf
    init(reports: ReportShelf) { self.reports = reports }
    /// What the shelf held at each restart.
    var atRestart: [[String]] { lock.withLock { seen } }
    func status(of unit: UnitName) throws(ServiceManagerError) -> ServiceStatus {
      ServiceStatus(mainPID: 100, activeState: "active")
    }
    func restart(_ unit: UnitName) throws(ServiceManagerError) {
      let held = reports.reports()
      lock.withLock { seen.append(held) }
    }
    func restartCommand(for unit: UnitName) -> String { "systemctl restart -- \(unit)" }
  }

  func restarter(mode: RestartMode, shelf: ReportShelf, service: RecordingService, in directory: String) throws
    -> Restarter
  {
    var owner = Restarter(
      unit: try UnitName(validating: "openems.service"), watchdog: try Watchdog(threshold: 2),
      policy: RestartPolicy(mode: mode), stateStore: try StateStore(path: "\(directory)/state/failcount"),
      triggerLog: try TriggerLog(path: "\(directory)/trigger.log"), serviceManager: service)
    var collector = EvidenceCollector(budget: .seconds(2), threadDump: true)
    // No process of the test's own: nothing is signalled, /proc says nothing.
    collector.proc = "\(directory)/no-proc"
    owner.incidents = IncidentPlan(shelf: shelf, collector: collector, target: "edge", uri: "ws://127.0.0.1:1/")
    return owner
  }

  static let healthy = ProbeResult(failure: nil, timings: PhaseTimings())
  static let failed = ProbeResult(
    failure: .timedOut(phase: .upgrade, after: .seconds(2)), timings: PhaseTimings(),
    exchange: {
      var exchange = ProbeExchange()
      exchange.send(Array("GET / HTTP/1.1\r\nHost: 127.0.0.1:1\r\n\r\n".utf8))
      return exchange
    }())

  @Test func theReportExistsBeforeTheRestartAndTheLogNamesIt() throws {
    let (shelf, root) = shelf()
    defer { try? FileManager.default.removeItem(atPath: root) }
    let service = RecordingService(reports: shelf)
    let owner = try restarter(mode: .auto, shelf: shelf, service: service, in: root)
    _ = try owner.check(pid: 100, probe: Self.healthy)
    let first = try owner.check(pid: 100, probe: Self.failed)
    #expect(first.incident == nil, "no report below the threshold")
    #expect(shelf.reports().isEmpty)
    let second = try owner.check(pid: 100, probe: Self.failed)
    guard case .written(let path, let summary)? = second.incident else {
      Issue.record("no report: \(String(describing: second.incident))")
      return
    }
    #expect(service.atRestart == [[path]], "written before systemctl restart ran")
    #expect(summary.first == "threshold reached (fail count 2): restarting")
    #expect(
      summary.contains { $0.hasPrefix("failing since ") && $0.hasSuffix("(2 checks): upgrade timed out after 2 s") })
    #expect(summary.contains { $0.hasPrefix("thread dump: none") }, "\(summary)")
    let log = try String(contentsOfFile: "\(root)/trigger.log", encoding: .utf8)
    #expect(
      log.contains(
        "Triggered restart! (fail count: 2) openems.service: upgrade timed out after 2 s (incident report: \(path))"))
    let text = try String(contentsOfFile: path, encoding: .utf8)
    #expect(text.contains("== episode"))
    #expect(
      text.contains(
        "== the failing probe's exchange (→ sent, ← received; bounded, secrets shown as (secret)) ==\n→ GET / HTTP/1.1\n→ Host: 127.0.0.1:1\n← (nothing came back)\n"
      ), "\(text)")
    #expect(
      text.contains("ok    ") && text.components(separatedBy: "FAILED").count == 3, "the good check, then two failed")
  }

  @Test func aHealthyCheckNeverWritesOne() throws {
    let (shelf, root) = shelf()
    defer { try? FileManager.default.removeItem(atPath: root) }
    let owner = try restarter(mode: .auto, shelf: shelf, service: RecordingService(reports: shelf), in: root)
    for _ in 0..<5 { #expect(try owner.check(pid: 100, probe: Self.healthy).incident == nil) }
    #expect(shelf.reports().isEmpty)
  }

  @Test func aReportThatCannotBeWrittenHoldsNoRestartBack() throws {
    let root = NSTemporaryDirectory() + "whc-reports-\(UUID())"
    defer { try? FileManager.default.removeItem(atPath: root) }
    try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
    // A file where the report directory should be: nothing can be written under it.
    try "".write(toFile: "\(root)/blocked", atomically: false, encoding: .utf8)
    let shelf = ReportShelf(directory: "\(root)/blocked/reports")
    let service = RecordingService(reports: shelf)
    let owner = try restarter(mode: .auto, shelf: shelf, service: service, in: root)
    _ = try owner.check(pid: 100, probe: Self.healthy)
    _ = try owner.check(pid: 100, probe: Self.failed)
    let report = try owner.check(pid: 100, probe: Self.failed)
    #expect(service.atRestart.count == 1, "restarted all the same")
    guard case .notWritten(let why)? = report.incident else {
      Issue.record("\(String(describing: report.incident))")
      return
    }
    #expect(why.contains("the restart goes ahead without it"), "\(why)")
    let log = try String(contentsOfFile: "\(root)/trigger.log", encoding: .utf8)
    #expect(log.contains("Incident report not written openems.service: "), "\(log)")
  }

  @Test func anApprovalRequestWritesOneAndItsApprovalNone() throws {
    let (shelf, root) = shelf()
    defer { try? FileManager.default.removeItem(atPath: root) }
    let service = RecordingService(reports: shelf)
    let owner = try restarter(mode: .approve, shelf: shelf, service: service, in: root)
    _ = try owner.check(pid: 100, probe: Self.healthy)
    _ = try owner.check(pid: 100, probe: Self.failed)
    let asked = try owner.check(pid: 100, probe: Self.failed)
    guard case .written(let path, _)? = asked.incident else {
      Issue.record("no report at the request")
      return
    }
    #expect(service.atRestart.isEmpty)
    let still = try owner.check(pid: 100, probe: Self.failed)
    #expect(still.incident == nil, "one report an episode, not one a check while it waits")
    let approved = try owner.approve(by: Requester(name: "alice", place: "cli"))
    #expect(approved.incident == nil)
    #expect(service.atRestart == [[path]])
  }
}

/// sysinfo(2) read by its layout agrees with /proc, where this test can read both.
@Suite struct SystemInfoTests {
  @Test func theFiguresAgreeWithProc() throws {
    let system = try #require(SystemInfo.now())
    let meminfo = try String(contentsOfFile: "/proc/meminfo", encoding: .utf8)
    let total = try #require(
      meminfo.split(separator: "\n").first { $0.hasPrefix("MemTotal:") }?.split(separator: " ").dropFirst().first)
    #expect(system.totalBytes == Int(total)! * 1024)
    #expect(system.freeBytes > 0 && system.freeBytes <= system.totalBytes)
    let load = try String(contentsOfFile: "/proc/loadavg", encoding: .utf8).split(separator: " ")
    #expect(abs(system.loads[0] - Double(load[0])!) < 1.0, "\(system.loads) vs \(load)")
  }
}
