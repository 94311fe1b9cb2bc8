import Glibc
import Testing

@testable import Engine

/// The programs we start (systemctl, a restart hook) get our environment with the entries we
/// add replacing those of the same name, and we read all they print.
@Suite struct ExternalCommandTests {
  /// `env` prints the environment it was given, one `NAME=value` a line.
  private func environment(adding entries: [String]) throws -> [String] {
    let output = try ExternalCommand(arguments: ["/usr/bin/env"], timeout: .seconds(10), environment: entries).run()
    #expect(output.status == 0)
    return output.standardOutput.split(separator: "\n").map(String.init)
  }

  /// Other tests run beside these and start programs too: this process's own environment is
  /// read, never changed.
  @Test func anEntryReplacesTheVariableOfItsNameAndNoOther() throws {
    let path = try #require(getenv("PATH").map { String(cString: $0) })
    let lines = try environment(adding: ["PATH=/nowhere", "WHC_NEW=1"])
    #expect(lines.filter { $0.hasPrefix("PATH=") } == ["PATH=/nowhere"])
    #expect(lines.contains("WHC_NEW=1"))
    for other in ["PAT=shorter", "PATHS=longer", "path=lower"] {
      let lines = try environment(adding: [other])
      #expect(lines.contains("PATH=\(path)"), "\(other) is another variable")
      #expect(lines.contains(other))
    }
  }

  @Test func withNothingAddedTheEnvironmentGoesAlongWhole() throws {
    var ours: [String] = []
    var cursor = environ
    while let variable = cursor.pointee {
      ours.append(String(cString: variable))
      cursor += 1
    }
    #expect(try environment(adding: []) == ours.filter { !$0.contains("\n") })
  }

  /// Output longer than one read, on both streams.
  @Test func everythingPrintedIsRead() throws {
    let output = try ExternalCommand(
      arguments: ["sh", "-c", "seq 1 5000; seq 1 3000 >&2; exit 3"], timeout: .seconds(10)
    ).run()
    #expect(output.status == 3)
    #expect(output.standardOutput.split(separator: "\n").count == 5000)
    #expect(output.standardOutput.hasSuffix("4999\n5000\n"))
    #expect(output.standardError.split(separator: "\n").count == 3000)
    #expect(!output.timedOut)
  }
}
