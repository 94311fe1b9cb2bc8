import Foundation
import Testing

@testable import Dashboard

/// What makes the box's list read its directory again, and what does not.
@Suite struct ConfigDirectoryWatchTests {
  @Test func aTargetAddedWrittenRenamedOrRemovedIsSeenOtherFilesAreNot() throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("whc-watch-\(UUID())").path
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: directory) }
    func write(_ name: String, _ text: String) throws {
      try text.write(toFile: "\(directory)/\(name)", atomically: false, encoding: .utf8)
    }
    try write("edge.conf", "uri = ws://localhost:8085/\n")
    var watch = ConfigDirectoryWatch(directory: directory)
    func saw(_ expected: Bool, _ what: Comment) {
      let changed = watch.changed()
      #expect(changed == expected, what)
    }
    saw(false, "nothing happened")
    try write("example.conf", "uri = ws://x/\n")
    try write("notes.txt", "hello\n")
    try write(".edge.conf.swp", "vim\n")
    saw(false, "example.conf, other files and editors' swap files are not targets")
    try write("backend.conf", "uri = ws://localhost:8082/\n")
    saw(true, "added")
    saw(false, "seen once")
    try write("edge.conf", "uri = ws://localhost:8085/websocket\n")
    saw(true, "written in place")
    try FileManager.default.moveItem(atPath: "\(directory)/backend.conf", toPath: "\(directory)/ui.conf")
    saw(true, "renamed")
    try FileManager.default.removeItem(atPath: "\(directory)/ui.conf")
    saw(true, "removed")
  }
}
