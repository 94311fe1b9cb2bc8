import Engine
import Foundation
import Testing

/// The timer's past checks: one line each, read back as written, bounded, and safe to cut.
@Suite struct CheckHistoryTests {
  static func entry(_ seconds: Int64, _ healthy: Bool, reason: String = "") -> CheckHistory.Entry {
    CheckHistory.Entry(
      unixMilliseconds: seconds * 1000, healthy: healthy,
      phases: [(.connect, 0.12), (.upgrade, healthy ? 2.1 : 10_000)],
      reason: healthy ? "" : (reason.isEmpty ? "upgrade timed out after 10 s" : reason))
  }

  @Test func aLineReadsBackAsWritten() {
    let written = Self.entry(1_795_725_785, false, reason: "server closed\tthe WebSocket\nfake line")
    let line = written.line
    #expect(line == "1795725785000\tfailed\tconnect=0.12,upgrade=10000.00\tserver closed the WebSocket fake line\n")
    #expect(CheckHistory.Entry(line: line.dropLast()) == CheckHistory.Entry(line: Substring(written.line.dropLast())))
    #expect(CheckHistory.entries(in: Substring(line + line)).count == 2)
  }

  /// A crash mid-append leaves a line cut short: it and any garbage are skipped, the rest read.
  @Test(arguments: [
    ("1795725785000\tok\tconnect=0.1\t\n1795725800000\tfa", 1),
    ("garbage\n1795725785000\tok\tconnect=0.1\t\n", 1),
    ("1795725785000\tok\tconnect=x\t\n", 0),
    ("1795725785000\tmaybe\t\t\n", 0),
    ("-5\tok\t\t\n", 0),
    ("", 0),
  ])
  func aCutOrForeignLineIsSkipped(text: String, count: Int) {
    #expect(CheckHistory.entries(in: Substring(text)).count == count)
  }

  @Test(arguments: [
    ([true, true, false, false, false], 3 as Int?),
    ([false, true], nil),
    ([false, false], 2),
    ([], nil),
  ])
  func failingSinceIsTheNewestEpisode(outcomes: [Bool], checks: Int?) {
    let entries = outcomes.enumerated().map { Self.entry(Int64(1000 + $0.offset * 15), $0.element) }
    let since = CheckHistory.failingSince(entries)
    #expect(since?.checks == checks)
    if let checks { #expect(since?.unixMilliseconds == entries[entries.count - checks].unixMilliseconds) }
  }

  @Test func theSummaryCountsTheWindowOnly() {
    let entries = (0..<10).map { Self.entry(Int64($0 * 600), $0 != 8) }  // one every 10 min
    let hour = CheckHistory.summary(entries, now: 5400 * 1000, window: .seconds(3600))
    #expect(hour == CheckHistory.Summary(checks: 6, failed: 1, medianMilliseconds: 2.22))
    #expect(CheckHistory.describe(hour, window: "1 h") == "last 1 h: 6 checks, 1 failed, p50 2.2 ms")
    let none = CheckHistory.summary([], now: 0, window: .seconds(60))
    #expect(CheckHistory.describe(none, window: "24 h") == "last 24 h: no checks")
  }

  /// An hour in four columns: empty where no check ran, failed where any failed, else the
  /// span's slowest against the hour's slowest; checks outside the window left out.
  @Test func aSparklineBucketsTheWindow() {
    var entries = [Self.entry(0, false)]  // before the window
    entries += [Self.entry(100, true), Self.entry(1000, false), Self.entry(1100, true)]
    entries += [Self.entry(2800, true)]
    entries[4].phases = [(phase: .upgrade, milliseconds: 8.0)]
    let columns = CheckHistory.sparkline(entries, now: 3600 * 1000, window: .seconds(3600), columns: 4)
    #expect(columns == [.latency(2.22 / 8), .failed, .empty, .latency(1)], "\(columns)")
    #expect(CheckHistory.sparkline([], now: 0, window: .seconds(60), columns: 3) == [.empty, .empty, .empty])
  }

  /// A day of checks and more: the file stays under its bound, keeps the newest whole lines.
  @Test func theFileNeverOutgrowsItsBoundAndKeepsTheNewest() throws {
    let root = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: root) }
    let store = try StateStore(path: "\(root)/failcount")
    let reason = String(repeating: "x", count: 400)
    for second in 0..<2000 {
      try store.withLock { _, _, write in
        try write.history(Self.entry(Int64(1_000_000 + second), false, reason: reason))
      }
    }
    let size = try FileManager.default.attributesOfItem(atPath: store.historyPath)[.size] as? Int ?? 0
    #expect(size <= CheckHistory.byteLimit, "\(size)")
    let entries = try store.peekHistory()
    #expect(entries.last?.unixMilliseconds == Int64(1_000_000 + 1999) * 1000)
    #expect(entries.count > 500, "\(entries.count)")
    // Whole lines only, each one after the other.
    #expect(zip(entries, entries.dropFirst()).allSatisfy { $1.unixMilliseconds == $0.unixMilliseconds + 1000 })
  }

  /// A hard link at the history's path would make the check append to another file.
  @Test func aHardLinkIsNotWrittenThrough() throws {
    let root = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: root) }
    let store = try StateStore(path: "\(root)/failcount")
    try store.prepare()
    let victim = "\(root)/victim"
    try "precious\n".write(toFile: victim, atomically: false, encoding: .utf8)
    try FileManager.default.linkItem(atPath: victim, toPath: store.historyPath)
    #expect(throws: StateFileError.self) {
      try store.withLock { _, _, write in try write.history(Self.entry(1, true)) }
    }
    #expect(try String(contentsOfFile: victim, encoding: .utf8) == "precious\n")
  }
}
