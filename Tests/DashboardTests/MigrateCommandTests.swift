import Engine
import Foundation
import TestPeers
import Testing

/// `migrate` as someone replacing the Python reference runs it.
@Suite struct MigrateCommandTests {
  let sandbox: CommandSandbox
  let unitFile: String
  let configDirectory: String

  init() throws {
    sandbox = try CommandSandbox()
    let units = sandbox.directory.appendingPathComponent("system")
    try FileManager.default.createDirectory(at: units, withIntermediateDirectories: true)
    unitFile = units.appendingPathComponent("websocket-health-check.service").path
    try ReferenceUnits.service.write(toFile: unitFile, atomically: false, encoding: .utf8)
    configDirectory = sandbox.directory.appendingPathComponent("conf").path
    try FileManager.default.createDirectory(atPath: configDirectory, withIntermediateDirectories: true)
  }

  var configFile: String { "\(configDirectory)/openems-backend.conf" }

  @Test func withoutWriteItSaysEverythingAndChangesNothing() throws {
    let outcome = try sandbox.run(["migrate", "--unit-file", unitFile, "--config-dir", configDirectory])
    #expect(outcome.status == 0, "\(outcome.lines)")
    #expect(outcome.standardOutput.contains("Would write \(configFile):"))
    #expect(outcome.standardOutput.contains("  threshold = 6"))
    #expect(outcome.standardOutput.contains("  systemctl enable --now websocket-health-check@openems-backend.timer"))
    #expect(outcome.standardOutput.contains("Nothing was changed."))
    // The steps start with writing the file the others need.
    let steps = outcome.lines.drop { $0 != "Then, to switch:" }.dropFirst()
    #expect(
      steps.first
        == "  websocket-health-check migrate --unit-file \(unitFile) --config-dir \(configDirectory) --write",
      "\(outcome.lines)")
    #expect(steps.contains("  systemctl reset-failed websocket-health-check.service websocket-health-check.timer"))
    #expect(try FileManager.default.contentsOfDirectory(atPath: configDirectory).isEmpty)
  }

  @Test func writeWritesAConfigFileTheChecksReadAndNeverOverwritesOne() throws {
    let outcome = try sandbox.run(["migrate", "--unit-file", unitFile, "--config-dir", configDirectory, "--write"])
    #expect(outcome.status == 0, "\(outcome.lines)")
    #expect(outcome.standardOutput.contains("Wrote \(configFile)."))
    var draft = TargetDraft()
    draft.configFile = configFile
    let settings = try draft.resolved().settings
    #expect(settings.unit.description == "openems-backend.service")
    #expect(settings.watchdog.threshold == 6)
    #expect(settings.stateStore.path == "/run/websocket-health-check/openems-backend.failcount")
    let written = try String(contentsOfFile: configFile, encoding: .utf8)
    #expect(written.contains("uri = ws://localhost:8092\nunit = openems-backend.service\nthreshold = 6\nmode = auto\n"))
    let mode = try FileManager.default.attributesOfItem(atPath: configFile)[.posixPermissions] as? Int
    #expect(mode == 0o644)

    try "uri = ws://elsewhere/\nunit = other.service\n".write(toFile: configFile, atomically: false, encoding: .utf8)
    let again = try sandbox.run(["migrate", "--unit-file", unitFile, "--config-dir", configDirectory, "--write"])
    #expect(again.status == 1)
    #expect(again.standardError.contains("\(configFile) already exists; nothing was written"))
    #expect(try String(contentsOfFile: configFile, encoding: .utf8) == "uri = ws://elsewhere/\nunit = other.service\n")
    #expect(try FileManager.default.contentsOfDirectory(atPath: configDirectory) == ["openems-backend.conf"])
  }

  @Test func aMissingUnitFileIsOneLineAndExit1() throws {
    let outcome = try sandbox.run(["migrate", "--unit-file", "/nonexistent/x.service", "--config-dir", configDirectory])
    #expect(outcome.status == 1)
    #expect(
      outcome.standardError
        == "[Error] cannot read unit file /nonexistent/x.service: No such file or directory; give the reference's unit with --unit-file\n"
    )
    #expect(outcome.standardOutput.isEmpty)
  }
}
