import Testing

@testable import Engine

/// What Tests/Fuzz/fuzz.sh found, kept as tests so it stays fixed.
@Suite struct FuzzFindingsTests {
  /// A last-check line whose summary holds tabs (two lines glued together) read back with
  /// them, but was written with spaces: what is read must be what would be written.
  @Test func aLastCheckWithTabsInItsSummaryReadsBackAsWritten() throws {
    let text = "1795728755\tok\thealthy (connect 0.1 ms\u{15}1795725785\tok\thealthy (connect 0.1 ms)\n"
    let last = try #require(RestartRecord.LastCheck(fileText: text))
    #expect(!last.summary.contains("\t"))
    #expect(RestartRecord.LastCheck(fileText: last.fileText) == last)
  }

  /// A vertical tab (a newline to Swift) in a request's wall time was kept on reading and
  /// turned to a space on writing.
  @Test func aRecordWithLineBreakingCharactersInItsTextReadsBackAsWritten() throws {
    let text = "boot\tb1\npending\t12.5\t4242\t6\t2026-11-26 \u{0B}03:12:09\tupgrade timed out\n"
    let record = try #require(RestartRecord(fileText: text))
    #expect(record.pending?.wallTime == "2026-11-26  03:12:09")
    #expect(RestartRecord(fileText: record.fileText) == record)
  }

  /// A re-arm delay of 1e300 s trapped converting to milliseconds: a damaged record would have
  /// crashed every check. Times that are not finite, or not the boot clock's, are garbage.
  @Test(arguments: [
    "boot\tb1\nrearm-delay\t1e300\n", "boot\tb1\nrearm-at\tnan\n", "boot\tb1\nrestarts\t1.0\tinf\n",
    "boot\tb1\nhealthy-since\t1e200\n",
  ])
  func timesOutOfRangeMakeTheRecordGarbageNotACrash(text: String) {
    #expect(RestartRecord(fileText: text) == nil)
  }

  /// A boot id ending in a carriage return was kept as read, and written back as one "\r\n"
  /// that no longer ended its line.
  @Test func aBootIDWithALineBreakReadsBackAsWritten() throws {
    let record = try #require(RestartRecord(fileText: "boot\tb\u{0}1\r\n"))
    #expect(RestartRecord(fileText: record.fileText) == record)
  }

  /// The bound is the options' own: a re-arm delay any `--rearm-max` allows reads back.
  @Test func aLongReArmDelayTheOptionsAllowReadsBack() {
    var record = RestartRecord()
    record.boot = "b1"
    record.rearmDelay = .seconds(400 * 86400)  // --rearm-after 400d
    #expect(RestartRecord(fileText: record.fileText) == record)
  }

  @Test func timesAreReadToTheMillisecondTheyAreWrittenTo() throws {
    let record = try #require(RestartRecord(fileText: "boot\tb1\nrearm-at\t12.5004\n"))
    #expect(record.rearmAt == Moment(seconds: 12.5))
    #expect(RestartRecord(fileText: record.fileText) == record)
  }
}
