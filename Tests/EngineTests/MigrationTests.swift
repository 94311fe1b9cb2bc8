import Foundation
import TestPeers
import Testing

@testable import Engine

/// Reading the Python reference's unit and turning it into a config file of ours.
@Suite struct MigrationTests {
  @Test func theReferencesOwnUnitReadsWithItsQuirks() throws {
    let unit = try ReferenceUnit(parsing: ReferenceUnits.service, path: "u")
    #expect(unit.program == "/opt/websocket-health-check/websocket-health-check.sh")
    #expect(unit.uri == "ws://localhost:8092")
    #expect(unit.unit == "openems-backend.service")
    #expect(unit.threshold == 6)
    #expect(unit.stateFile == "/tmp/websocket-health-check/failcount")
    #expect(unit.logFilePath == "/opt/websocket-health-check/trigger.log")
    #expect(unit.dryRun == false)
  }

  @Test func theReferencesOwnUnitBecomesAConfigFileAndTheCommandsToSwitch() throws {
    let plan = try MigrationPlan(
      reference: try ReferenceUnit(parsing: ReferenceUnits.service, path: "u"),
      unitFile: "/etc/systemd/system/websocket-health-check.service", timerText: ReferenceUnits.timer,
      programExists: false, name: nil, configDirectory: "/etc/websocket-health-check")
    #expect(plan.name == "openems-backend")
    #expect(plan.configPath == "/etc/websocket-health-check/openems-backend.conf")
    #expect(
      plan.configText.split(separator: "\n").filter { !$0.hasPrefix("#") } == [
        "uri = ws://localhost:8092", "unit = openems-backend.service", "threshold = 6", "mode = auto",
      ])
    let draft = try TargetDraft(parsing: plan.configText, path: plan.configPath)
    #expect(draft[.uri] == "ws://localhost:8092" && draft[.threshold] == 6 && draft[.mode] == .auto)
    #expect(plan.notes.count == 5)
    #expect(plan.notes[0].contains("/tmp/websocket-health-check/failcount"))
    #expect(plan.notes[0].contains("/run/websocket-health-check/openems-backend.failcount"))
    #expect(plan.notes[1].contains("the old lines stay in /opt/websocket-health-check/trigger.log"))
    #expect(plan.notes[2].contains("websocket-health-check.sh, which does not exist here"))
    #expect(plan.notes[3].contains("tied to openems-backend.service"))
    // The shipped units watch the Backend on 8092, a port OpenEMS's defaults do not name.
    #expect(
      plan.notes[4].contains(
        "Uncomment `openems-kind = backend-ui` in /etc/websocket-health-check/openems-backend.conf"))
    #expect(plan.notes[4].contains("write edge-app if Edges connect there"))
    #expect(draft[.openemsKind] == nil, "suggested, commented: the old check's depth until a person turns it on")
    #expect(plan.configText.contains("\n# openems-kind = backend-ui\n"))
    var uncommented = try TargetDraft(
      parsing: plan.configText.replacingOccurrences(of: "# openems-kind", with: "openems-kind"), path: plan.configPath
    )
    uncommented[.stateFile] = "/tmp/whc-migration/failcount"
    #expect(try uncommented.resolved().probeOptions.depth == .openEMS(.backendUI, assumed: false))
    #expect(
      plan.commands == [
        "systemctl disable --now websocket-health-check.timer websocket-health-check.service",
        "rm /etc/systemd/system/websocket-health-check.service /etc/systemd/system/websocket-health-check.timer",
        "systemctl daemon-reload",
        "systemctl reset-failed websocket-health-check.service websocket-health-check.timer",
        "systemctl enable --now websocket-health-check@openems-backend.timer",
        "websocket-health-check status --config /etc/websocket-health-check/openems-backend.conf",
      ])
  }

  @Test(arguments: [
    // argparse's forms: `=`, an unambiguous prefix, options before the positionals.
    ("ExecStart=/usr/bin/python3 /opt/w/check.py --thresh=4 --dry-run ws://h:1/ a.service", "a.service", 4, true),
    ("ExecStart=-/opt/w/check.py --dry ws://h:1/ 'b c.service'", "b c.service", nil, true),
    ("ExecStart=/opt/w/check.py ws://h:1/ c.service --log-file=/var/log/x.log --threshold 2", "c.service", 2, false),
    ("ExecStart=/opt/w/check.py -- ws://h:1/ d.service", "d.service", nil, false),
    ("ExecStart=@/opt/w/check.py health-check ws://h:1/ f.service", "f.service", nil, false),
    ("ExecStart=\nExecStart=/opt/w/check.py ws://h:1/ e%%.service", "e%.service", nil, false),
  ])
  func argparseFormsAreRead(execStart: String, unit: String, threshold: Int?, dryRun: Bool) throws {
    let reference = try ReferenceUnit(parsing: "[Service]\n\(execStart)\n", path: "u")
    #expect(reference.unit == unit)
    #expect(reference.threshold == threshold)
    #expect(reference.dryRun == dryRun)
    #expect(reference.uri == "ws://h:1/")
    #expect(reference.program.hasPrefix("/opt/w/"))
  }

  @Test(arguments: [
    ("[Unit]\nDescription=x\n", "u has no ExecStart= in its [Service] section"),
    ("[Service]\nExecStart=/a ws://h/ x.service\nExecStart=/b ws://h/ y.service", "u has 2 ExecStart= lines"),
    ("[Service]\nExecStart=/a ws://h/ x.service --verbose", "u: ExecStart= passes '--verbose'"),
    ("[Service]\nExecStart=/a ws://h/ x.service --threshold 0", "u: ExecStart= gives --threshold '0'"),
    ("[Service]\nExecStart=/a ws://h/ x.service --threshold", "u: ExecStart= ends after --threshold"),
    ("[Service]\nExecStart=/a ws://h/", "u: ExecStart= should give the reference a URI and a unit"),
    ("[Service]\nExecStart=/a $URI x.service", "u: ExecStart= uses a variable"),
    ("[Service]\nExecStart=/a ws://h/ %i.service", "u: ExecStart= uses a systemd specifier"),
    ("[Service]\nExecStart=/a \"ws://h/ x.service", "u: ExecStart= has a quote that is never closed"),
  ])
  func whatIsNotTheReferencesUnitIsSaidInOneLine(text: String, message: String) {
    do {
      _ = try ReferenceUnit(parsing: text, path: "u")
      Issue.record("accepted \(text)")
    } catch {
      #expect(error.message.hasPrefix(message), "\(error.message)")
      #expect(!error.message.contains("\n"))
    }
  }

  @Test(arguments: [
    ("ExecStart=/a http://h/ x.service", nil as String?, "only ws:// and wss:// can be probed"),
    ("ExecStart=/a ws://h/ x.service", "../etc", "'../etc' cannot name a target"),
    ("ExecStart=/a ws://h/ x.service", "example", "'example' cannot name a target"),
  ])
  func badValuesAreRefused(execStart: String, name: String?, message: String) throws {
    let reference = try ReferenceUnit(parsing: "[Service]\n\(execStart)\n", path: "u")
    do {
      _ = try MigrationPlan(
        reference: reference, unitFile: "u", timerText: nil, programExists: true, name: name, configDirectory: "/c")
      Issue.record("accepted")
    } catch {
      #expect(error.message.contains(message), "\(error.message)")
    }
  }

  /// Each OpenEMS unit gets the kind its port says (the Edge.Application gets no request, so
  /// it is suggested too); a Backend on a port OpenEMS does not name gets its UI endpoint and
  /// a word on why; other services get nothing.
  @Test(arguments: [
    ("ws://localhost:8081/", "openems-backend.service", "edge-app"),
    ("ws://localhost:8082/", "openems-backend.service", "backend-ui"),
    ("ws://localhost:8092", "openems-backend.service", "backend-ui"),
    ("ws://localhost:8085/websocket", "openems.service", "edge"),
    ("ws://localhost/websocket", "openems.service", "edge"),
    ("ws://localhost:9000/", "chat.service", nil),
  ])
  func theOpenEMSKindIsSuggestedForAnOpenEMSUnit(uri: String, unit: String, kind: String?) throws {
    let reference = try ReferenceUnit(parsing: "[Service]\nExecStart=/a \(uri) \(unit)\n", path: "u")
    let plan = try MigrationPlan(
      reference: reference, unitFile: "u", timerText: nil, programExists: true, name: nil, configDirectory: "/c")
    #expect(plan.configText.contains("openems-kind") == (kind != nil))
    if let kind {
      #expect(plan.configText.contains("\n# openems-kind = \(kind)\n"), "\(plan.configText)")
      #expect(plan.notes.contains { $0.contains("Uncomment `openems-kind = \(kind)`") })
    }
  }

  @Test func aDryRunReferenceStaysADryRunAndATemplateUnitGetsAUsableName() throws {
    let reference = try ReferenceUnit(
      parsing: "[Service]\nExecStart=/a --dry-run ws://h/ openems@edge.service\n", path: "u")
    let plan = try MigrationPlan(
      reference: reference, unitFile: "/opt/units/check.service", timerText: nil, programExists: true, name: nil,
      configDirectory: "/c")
    #expect(plan.name == "openems-edge")
    #expect(plan.configText.contains("mode = dry-run\n"))
    #expect(plan.notes.count == 3)  // the counter, the log, the OpenEMS depth; the program exists, no timer ties
    #expect(plan.commands.first == "systemctl disable --now check.timer check.service")
    #expect(!plan.commands.contains { $0.hasPrefix("rm ") })  // not under /etc/systemd: nothing shadows ours
  }
}
