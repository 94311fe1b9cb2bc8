import Engine
import Foundation
import Testing

/// A fresh directory under the system's temp dir, removed afterwards.
func temporaryDirectory() throws -> String {
  let path = FileManager.default.temporaryDirectory.appendingPathComponent("whc-\(UUID().uuidString.prefix(8))").path
  try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
  return path
}

@Suite struct StateStoreTests {
  @Test func missingDirectoryIsCreatedPrivate() throws {
    let root = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: root) }
    let store = try StateStore(path: "\(root)/a/b/failcount")
    try store.prepare()
    let attributes = try FileManager.default.attributesOfItem(atPath: "\(root)/a/b")
    #expect((attributes[.posixPermissions] as? Int) == 0o700)
    #expect(try store.peek() == .missing)
  }

  @Test func writeReplacesTheFileWholeAndLeavesNoTemporary() throws {
    let root = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: root) }
    let store = try StateStore(path: "\(root)/failcount")
    try store.withLock { _, _, write in try write.counter(FailureCounter(pid: 8123, count: 2)) }
    #expect(try String(contentsOfFile: "\(root)/failcount", encoding: .utf8) == "8123:2")
    try store.withLock { content, _, write in
      #expect(content == .counter(FailureCounter(pid: 8123, count: 2)))
      try write.counter(FailureCounter(pid: 8123, count: -1))
    }
    #expect(try String(contentsOfFile: "\(root)/failcount", encoding: .utf8) == "8123:-1")
    #expect(try FileManager.default.contentsOfDirectory(atPath: root) == ["failcount"])
  }

  @Test(arguments: [("", false), ("-1", false), ("garbage", true), ("8123:2:", true), ("8123", true)])
  func unreadableContentIsDisarmedAndOnlyGarbageIsWarnedAbout(text: String, warned: Bool) throws {
    let root = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: root) }
    try text.write(toFile: "\(root)/failcount", atomically: false, encoding: .utf8)
    let content = try StateStore(path: "\(root)/failcount").peek()
    #expect(content.counter == nil)
    #expect(content.isGarbage == warned)
  }

  @Test func symlinkIsRefusedAndItsTargetUntouched() throws {
    let root = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: root) }
    try "precious".write(toFile: "\(root)/victim", atomically: false, encoding: .utf8)
    try FileManager.default.createSymbolicLink(atPath: "\(root)/failcount", withDestinationPath: "\(root)/victim")
    let store = try StateStore(path: "\(root)/failcount")
    #expect(throws: StateFileError.self) {
      try store.withLock { _, _, write in try write.counter(FailureCounter(pid: 1, count: 0)) }
    }
    #expect(try String(contentsOfFile: "\(root)/victim", encoding: .utf8) == "precious")
  }

  @Test func directoryOthersCanWriteWithoutStickyBitIsRefused() throws {
    let root = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: root) }
    try FileManager.default.setAttributes([.posixPermissions: 0o777], ofItemAtPath: root)
    #expect(throws: StateFileError.self) { try StateStore(path: "\(root)/failcount").prepare() }
    // /tmp's own mode (sticky) is fine.
    try FileManager.default.setAttributes([.posixPermissions: 0o1777], ofItemAtPath: root)
    try StateStore(path: "\(root)/failcount").prepare()
  }

  /// A directory planted by another user (here: `nobody`) must not hold root's state.
  @Test(.enabled(if: geteuid() == 0, "needs root to give a directory to another user"))
  func directoryOwnedByAnotherUserIsRefused() throws {
    let root = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: root) }
    let planted = "\(root)/websocket-health-check"
    try FileManager.default.createDirectory(atPath: planted, withIntermediateDirectories: false)
    #expect(chown(planted, 65534, 65534) == 0)
    do {
      try StateStore(path: "\(planted)/failcount").prepare()
      Issue.record("a directory owned by uid 65534 was accepted")
    } catch {
      #expect("\(error)".contains("belongs to uid 65534"), "\(error)")
    }
  }

  @Test func regularFileAsDirectoryIsAClearError() throws {
    let root = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: root) }
    try "x".write(toFile: "\(root)/file", atomically: false, encoding: .utf8)
    do {
      try StateStore(path: "\(root)/file/failcount").prepare()
      Issue.record("accepted a file as directory")
    } catch {
      #expect("\(error)".contains("is not a directory"), "\(error)")
    }
  }

  @Test func lockIsExclusiveBetweenStores() async throws {
    let root = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: root) }
    var store = try StateStore(path: "\(root)/failcount")
    store.lockTimeout = .milliseconds(100)
    let holder = store
    // While one holds the lock, another gives up with a message naming the directory.
    try holder.withLock { _, _, _ in
      let result = Result { try store.withLock { _, _, _ in } }
      guard case .failure(let error as StateFileError) = result else {
        Issue.record("the second lock was granted")
        return
      }
      #expect(error.message.contains("held the lock"))
    }
  }
}

@Suite struct TriggerLogTests {
  @Test func appendsOneTimestampedLinePerCall() throws {
    let root = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: root) }
    let log = try TriggerLog(path: "\(root)/logs/trigger.log")
    try log.prepare()
    #expect(!FileManager.default.fileExists(atPath: "\(root)/logs/trigger.log"), "prepare writes nothing")
    let time = LocalTimestamp(seconds: 1_700_000_000, microseconds: 123_456)
    try log.append("Triggered restart!", at: time)
    try log.append("Dry run: Triggered restart! (fail count: 3)", at: time)
    let text = try String(contentsOfFile: "\(root)/logs/trigger.log", encoding: .utf8)
    #expect(text == "\(time): Triggered restart!\n\(time): Dry run: Triggered restart! (fail count: 3)\n")
  }

  @Test func symlinkIsRefused() throws {
    let root = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: root) }
    try "precious".write(toFile: "\(root)/victim", atomically: false, encoding: .utf8)
    try FileManager.default.createSymbolicLink(atPath: "\(root)/trigger.log", withDestinationPath: "\(root)/victim")
    let log = try TriggerLog(path: "\(root)/trigger.log")
    #expect(throws: TriggerLogError.self) { try log.prepare() }
    #expect(throws: TriggerLogError.self) { try log.append("x") }
    #expect(try String(contentsOfFile: "\(root)/victim", encoding: .utf8) == "precious")
  }

  @Test func directoryInsteadOfFileIsAClearError() throws {
    let root = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: root) }
    try FileManager.default.createDirectory(atPath: "\(root)/trigger.log", withIntermediateDirectories: false)
    #expect(throws: TriggerLogError.self) { try TriggerLog(path: "\(root)/trigger.log").prepare() }
  }
}

@Suite struct TriggerLogTailTests {
  @Test func lastLinesOfASmallFile() throws {
    let root = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: root) }
    try "a\nb\nc\n".write(toFile: "\(root)/log", atomically: false, encoding: .utf8)
    #expect(try TriggerLogTail(path: "\(root)/log").lastLines(2) == ["b", "c"])
    #expect(try TriggerLogTail(path: "\(root)/log").lastLines(10) == ["a", "b", "c"])
    #expect(try TriggerLogTail(path: "\(root)/missing").lastLines(10) == [])
  }

  /// Reading from the end: a line cut by a block edge never shows half.
  @Test func lastLinesOfALargeFileAcrossBlocks() throws {
    let root = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: root) }
    let lines = (1...5000).map { "2026-11-25 10:00:00.000001: Triggered restart! number \($0)" }
    try (lines.joined(separator: "\n") + "\n").write(toFile: "\(root)/log", atomically: false, encoding: .utf8)
    #expect(try TriggerLogTail(path: "\(root)/log").lastLines(300) == Array(lines.suffix(300)))
    #expect(try TriggerLogTail(path: "\(root)/log").lastLines(1) == [lines.last!])
  }

  @Test func lastLineWithoutNewlineIsShown() throws {
    let root = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: root) }
    try "a\nb".write(toFile: "\(root)/log", atomically: false, encoding: .utf8)
    #expect(try TriggerLogTail(path: "\(root)/log").lastLines(5) == ["a", "b"])
  }
}
