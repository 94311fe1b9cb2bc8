import Foundation
import Testing

/// What an administrator meets in the first hour, through the real binary.
@Suite struct FirstHourTests {
  @Test func theScriptedDemoLeavesNothingBehind() throws {
    let sandbox = try CommandSandbox()
    let scratch = sandbox.directory.appendingPathComponent("tmp").path
    try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
    let outcome = try sandbox.run(["demo", "--script", "--interval", "0"], environment: ["TMPDIR": scratch])
    #expect(outcome.status == 0, "\(outcome.lines)")
    #expect(outcome.standardOutput.contains("state and log in \(scratch)/websocket-health-check-demo."))
    #expect(try FileManager.default.contentsOfDirectory(atPath: scratch) == [])
  }

  @Test func migrateWithAWordIsTheMigrateCommandNotACheck() throws {
    let sandbox = try CommandSandbox()
    let outcome = try sandbox.run(["migrate", "foo"])
    #expect(outcome.status == 2, "\(outcome.lines)")
    #expect(!outcome.standardError.contains("is not a WebSocket URI"), "\(outcome.lines)")
    #expect(outcome.standardError.contains("'foo'"), "\(outcome.lines)")
    #expect(sandbox.systemctlCalls.isEmpty, "ran a check")
  }
}
