import Engine
import Foundation
import Testing

@testable import Dashboard

/// Following a target's files as the timer and logrotate change them.
@Suite struct TargetFilesTests {
  let directory: URL
  let settings: CheckSettings

  init() throws {
    directory = FileManager.default.temporaryDirectory.appendingPathComponent("whc-files-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    settings = CheckSettings(
      uri: try WebSocketURI(parsing: "ws://localhost:8085/"), unit: try UnitName(validating: "openems.service"),
      watchdog: try Watchdog(threshold: 6),
      stateStore: try StateStore(path: directory.appendingPathComponent("failcount").path),
      triggerLog: try TriggerLog(path: directory.appendingPathComponent("trigger.log").path))
  }

  func write(_ text: String, to name: String) throws {
    try text.write(to: directory.appendingPathComponent(name), atomically: false, encoding: .utf8)
  }

  func append(_ text: String, to name: String) throws {
    let handle = try FileHandle(forWritingTo: directory.appendingPathComponent(name))
    defer { try? handle.close() }
    try handle.seekToEnd()
    try handle.write(contentsOf: Data(text.utf8))
  }

  @Test func theStateAndTheLogAreReadAgainWhenTheyChange() throws {
    var files = TargetFiles(settings: settings)
    var model = DashboardModel(target: DashboardFixtures.target())
    _ = files.refresh(&model)  // the first look: no files yet
    var changed = files.refresh(&model)
    #expect(changed == false)
    try write("8123:2", to: "failcount")
    try write("one\n", to: "trigger.log")
    changed = files.refresh(&model)
    #expect(changed)
    #expect(model.state == .counter(FailureCounter(pid: 8123, count: 2)))
    #expect(model.logLines == ["one"])
    changed = files.refresh(&model)
    #expect(changed == false)
    try append("two\n", to: "trigger.log")
    changed = files.refresh(&model)
    #expect(changed)
    #expect(model.logLines == ["one", "two"])
  }

  /// A state file rewritten in place, same size, in quick succession, is seen at each look
  /// (whether `stat` tells the writes apart depends on the clock step; `FileIdentityTests`
  /// holds the rule that covers the case where it cannot).
  @Test func aStateRewrittenInPlaceAtOnceIsStillSeen() throws {
    var files = TargetFiles(settings: settings)
    var model = DashboardModel(target: DashboardFixtures.target())
    try write("8123:1", to: "failcount")
    _ = files.refresh(&model)
    #expect(model.state == .counter(FailureCounter(pid: 8123, count: 1)))
    for count in 2...4 {
      try write("8123:\(count)", to: "failcount")
      let changed = files.refresh(&model)
      #expect(changed)
      #expect(model.state == .counter(FailureCounter(pid: 8123, count: count)))
    }
  }

  /// Once the files have settled they are not read again, yet the next change shows: the
  /// timer renames a new state file into place, and the check writes a report.
  @Test func settledFilesStillShowTheNextChange() throws {
    let reports = directory.appendingPathComponent("reports").path
    var settings = settings
    settings.incidents = IncidentPlan(
      shelf: ReportShelf(directory: reports), collector: EvidenceCollector(), target: "edge",
      uri: "ws://localhost:8085/")
    var files = TargetFiles(settings: settings)
    var model = DashboardModel(target: DashboardFixtures.target())
    let shelf = settings.incidents!.shelf
    let first = IncidentReport(
      trigger: "first", target: "edge", unit: "openems.service", uri: "ws://localhost:8085/",
      time: LocalTimestamp(seconds: 1_800_000_000, microseconds: 0))
    try shelf.store(first, at: shelf.path(for: first.time))
    try write("8123:1", to: "failcount")
    _ = files.refresh(&model)
    // Past the two seconds in which a file counts as just changed.
    Thread.sleep(forTimeInterval: 2.2)
    _ = files.refresh(&model)
    var changed = files.refresh(&model)
    #expect(changed == false)
    // A state directory others may write is refused, although no file in it changed.
    let mode = try #require(
      try FileManager.default.attributesOfItem(atPath: directory.path)[.posixPermissions] as? Int)
    try FileManager.default.setAttributes([.posixPermissions: 0o777], ofItemAtPath: directory.path)
    _ = files.refresh(&model)
    #expect(model.stateError != nil)
    try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: directory.path)
    _ = files.refresh(&model)
    #expect(model.stateError == nil)
    try write("8123:2", to: ".failcount.tmp")
    #expect(
      rename(
        directory.appendingPathComponent(".failcount.tmp").path, directory.appendingPathComponent("failcount").path)
        == 0)
    let second = IncidentReport(
      trigger: "second", target: "edge", unit: "openems.service", uri: "ws://localhost:8085/",
      time: LocalTimestamp(seconds: 1_800_000_060, microseconds: 0))
    try shelf.store(second, at: shelf.path(for: second.time))
    changed = files.refresh(&model)
    #expect(changed)
    #expect(model.state == .counter(FailureCounter(pid: 8123, count: 2)))
    #expect(model.latestReport?.summary.first == "second")
  }

  @Test func aRotatedOrTruncatedLogIsReadAgainFromItsStart() throws {
    var files = TargetFiles(settings: settings)
    var model = DashboardModel(target: DashboardFixtures.target())
    try write("old one\nold two\n", to: "trigger.log")
    var changed = files.refresh(&model)
    // logrotate's `create`: the old file moves away, a new one takes its name.
    try FileManager.default.moveItem(
      at: directory.appendingPathComponent("trigger.log"), to: directory.appendingPathComponent("trigger.log.1"))
    try write("new\n", to: "trigger.log")
    changed = files.refresh(&model)
    #expect(changed)
    #expect(model.logLines == ["new"])
    // logrotate's `copytruncate`: the same file, emptied.
    try write("", to: "trigger.log")
    changed = files.refresh(&model)
    #expect(changed)
    #expect(model.logLines.isEmpty)
    try FileManager.default.removeItem(at: directory.appendingPathComponent("trigger.log"))
    try write("x\n", to: "trigger.log")
    try FileManager.default.removeItem(at: directory.appendingPathComponent("trigger.log"))
    changed = files.refresh(&model)
    #expect(changed)
    #expect(model.logLines.isEmpty)
  }

  @Test func anUnreadableStateIsShownAndClearsWhenFixed() throws {
    var files = TargetFiles(settings: settings)
    var model = DashboardModel(target: DashboardFixtures.target())
    try FileManager.default.createDirectory(
      at: directory.appendingPathComponent("failcount"), withIntermediateDirectories: false)
    var changed = files.refresh(&model)
    #expect(changed)
    #expect(model.stateError != nil)
    try FileManager.default.removeItem(at: directory.appendingPathComponent("failcount"))
    try write("8123:1", to: "failcount")
    changed = files.refresh(&model)
    #expect(changed)
    #expect(model.stateError == nil && model.state == .counter(FailureCounter(pid: 8123, count: 1)))
  }
}

/// When a followed file must be read again.
@Suite struct FileIdentityTests {
  static func identity(inode: UInt = 7, size: Int = 6, recent: Bool = false) -> FileIdentity {
    FileIdentity(device: 1, inode: inode, size: size, modified: 100, changed: 100, isRecent: recent)
  }

  @Test(
    arguments: [
      (identity(), identity(), false, "the same settled file"),
      (identity(recent: true), identity(recent: true), true, "the same file, changed just now"),
      (identity(inode: 8), identity(), true, "renamed into place"),
      (identity(size: 7), identity(), true, "grown"),
      (nil, identity(), true, "gone"),
      (identity(), nil, true, "come"),
      (nil, nil, false, "still none"),
    ] as [(FileIdentity?, FileIdentity?, Bool, String)])
  func mustReadAgain(now: FileIdentity?, before: FileIdentity?, expected: Bool, why: String) {
    #expect(FileIdentity.mustReadAgain(now, since: before) == expected, "\(why)")
  }

  @Test func aWatchReadsAtItsFirstLookAndRemembers() throws {
    let path = NSTemporaryDirectory() + "whc-watch-\(UUID())"
    defer { try? FileManager.default.removeItem(atPath: path) }
    var watch = FileWatch()
    var looks: [Bool] = []
    looks.append(watch.mustRead(path))  // the first look, even at no file
    looks.append(watch.mustRead(path))  // still no file
    try "4242:0".write(toFile: path, atomically: false, encoding: .utf8)
    looks.append(watch.mustRead(path))  // a file came
    looks.append(watch.mustRead(path))  // written just now: too recent to tell
    #expect(looks == [true, false, true, true])
  }
}
