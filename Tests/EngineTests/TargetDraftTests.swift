import Foundation
import NIOPosix
import Testing

@testable import Engine

/// One description of a target: the config file, the command line's settings and their checks.
@Suite struct TargetDraftTests {
  @Test func configFileReadsEveryKeyWithCommentsQuotesAndBlankLines() throws {
    let text = """
      # OpenEMS Backend Edge.Application
      uri = ws://localhost:8081/
      unit=openems-backend.service   # the Java service

      threshold = 6
      mode = dry-run
      timeout = 2.5
      state-file = "/var/lib/websocket-health-check/edge.failcount"
      log-file = '/var/log/websocket-health-check/edge.log'
      ca-file = /etc/ssl/edge.pem
      openems = yes
      header = X-Probe: websocket-health-check
      header = X-Site: north
      header-file = /etc/websocket-health-check/backend.headers
      subprotocol = json
      origin = https://openems.example
      insecure = no
      """
    let draft = try TargetDraft(parsing: text, path: "edge.conf")
    #expect(draft[.uri] == "ws://localhost:8081/")
    #expect(draft[.unit] == "openems-backend.service")
    #expect(draft[.threshold] == 6)
    #expect(draft[.mode] == .dryRun)
    #expect(draft[.timeout] == 2.5)
    #expect(draft[.stateFile] == "/var/lib/websocket-health-check/edge.failcount")
    #expect(draft[.logFile] == "/var/log/websocket-health-check/edge.log")
    #expect(draft[.caFile] == "/etc/ssl/edge.pem")
    #expect(draft[.openems] == true)
    #expect(draft[.header] == ["X-Probe: websocket-health-check", "X-Site: north"])
    #expect(draft[.headerFile] == "/etc/websocket-health-check/backend.headers")
    #expect(draft[.subprotocol] == "json")
    #expect(draft[.origin] == "https://openems.example")
    #expect(draft[.insecure] == false)
  }

  @Test(arguments: [
    ("unit = openems.service   # the Java service", "openems.service"),
    ("unit = openems.service#not-a-comment", "openems.service#not-a-comment"),
    ("# unit = commented.service\nunit = x.service", "x.service"),
    ("   # indented comment\nunit = y.service", "y.service"),
  ])
  func aCommentStartsAtAHashAfterWhiteSpace(text: String, unit: String) throws {
    #expect(try TargetDraft(parsing: text, path: "edge.conf")[.unit] == unit)
  }

  @Test func aQuotedValueKeepsItsHashes() throws {
    let text = """
      send = '{"jsonrpc":"2.0","method":"#status"}'   # a comment after the quotes
      expect = "id.: .#1"
      """
    let draft = try TargetDraft(parsing: text, path: "edge.conf")
    #expect(draft[.send] == ##"{"jsonrpc":"2.0","method":"#status"}"##)
    #expect(draft[.expect] == "id.: .#1")
  }

  @Test(arguments: [
    ("uri = ws://x\ntreshold = 6", "edge.conf:2: unknown key 'treshold'; known keys: uri, unit"),
    ("threshold = six", "edge.conf:1: threshold 'six' is not a whole number"),
    ("mode = sometimes", "edge.conf:1: mode 'sometimes' is not one of: auto, dry-run"),
    ("timeout = soon", "edge.conf:1: timeout 'soon' is not a number of seconds"),
    ("\n\nuri ws://x", "edge.conf:3: expected 'key = value', got 'uri ws://x'"),
    ("unit = a\nunit = b", "edge.conf:2: key 'unit' is set twice"),
    ("unit =", "edge.conf:1: key 'unit' has no value"),
    ("ping = maybe", "edge.conf:1: ping 'maybe' is not yes or no"),
    ("dry-run = yes", "edge.conf:1: unknown key 'dry-run'"),
  ])
  func configFileMistakesNameFileLineAndKey(text: String, message: String) {
    #expect(throws: ConfigurationError.self) { try TargetDraft(parsing: text, path: "edge.conf") }
    do {
      _ = try TargetDraft(parsing: text, path: "edge.conf")
    } catch {
      #expect(error.message.hasPrefix(message), "\(error.message)")
    }
  }

  @Test func missingConfigFileIsAClearError() {
    do {
      _ = try TargetDraft(contentsOf: "/nonexistent/edge.conf")
      Issue.record("accepted a missing file")
    } catch {
      #expect(error.message.contains("cannot read config file /nonexistent/edge.conf"))
    }
  }

  @Test func commandLineWinsOverTheFileAndHeadersAddUp() throws {
    var file = TargetDraft()
    file[.uri] = "ws://file"
    file[.threshold] = 6
    file[.header] = ["X-A: file", "X-B: file"]
    var line = TargetDraft()
    line[.threshold] = 2
    line[.header] = ["x-b: line"]
    let merged = line.over(file)
    #expect(merged[.uri] == "ws://file")
    #expect(merged[.threshold] == 2)
    #expect(merged[.header] == ["X-A: file", "x-b: line"])
  }

  func draft(_ settings: [(String, String)]) throws -> TargetDraft {
    var draft = TargetDraft()
    draft[.uri] = "ws://127.0.0.1:8085/websocket"
    draft[.unit] = "openems.service"
    draft[.stateFile] = "/tmp/whc-draft-tests/failcount"
    draft[.logFile] = "/tmp/whc-draft-tests/trigger.log"
    for (name, text) in settings {
      let setting = TargetSetting.named(name)
      try setting.apply(text, to: &draft, source: setting.option)
    }
    return draft
  }

  @Test(arguments: [
    ([], ProbeDepth.handshake),
    ([("ping", "true")], .ping),
    // The draft's URI is on 8085, an Edge's port.
    ([("openems", "true")], .openEMS(.edge, assumed: true)),
    ([("openems-kind", "backend-ui")], .openEMS(.backendUI, assumed: false)),
    ([("openems", "yes"), ("openems-kind", "edge-app")], .openEMS(.edgeApp, assumed: false)),
    ([("send", "hello")], .message(text: "hello", expect: nil)),
    ([("send", "hello"), ("expect", "^ok")], .message(text: "hello", expect: try! ReplyPattern("^ok"))),
  ])
  func depthFollowsTheOptions(settings: [(String, String)], depth: ProbeDepth) throws {
    #expect(try draft(settings).resolved().probeOptions.depth == depth)
  }

  /// Without openems-kind, the kind OpenEMS's defaults put on the port: a request on the
  /// Edge.Application's 8081 would hold its pool, so that port gets no request.
  @Test(arguments: [
    ("ws://localhost:8081/", OpenEMSEndpoint.edgeApp), ("ws://localhost:8082/", .backendUI),
    ("ws://localhost:8085/websocket", .edge), ("ws://box.example/websocket", .edge),
    ("wss://box.example/websocket", .edge), ("ws://localhost:8092/", .edge),
  ])
  func theKindFollowsThePortUnlessGiven(uri: String, kind: OpenEMSEndpoint) throws {
    var target = try draft([("openems", "yes")])
    target[.uri] = uri
    #expect(try target.resolved().probeOptions.depth == .openEMS(kind, assumed: true))
    target[.openemsKind] = .backendUI
    #expect(try target.resolved().probeOptions.depth == .openEMS(.backendUI, assumed: false))
  }

  @Test(arguments: [
    ([("ping", "true"), ("openems", "true")], "--ping and --openems each choose what the probe asks"),
    ([("openems-kind", "edge"), ("send", "x")], "--send and --openems-kind each choose what the probe asks"),
    ([("openems", "no"), ("openems-kind", "edge")], "openems-kind edge probes OpenEMS, but openems is set to no"),
    (
      [("openems-kind", "edge-app"), ("header", "apikey: k-edge0")],
      "the OpenEMS probe never sends an apikey (the Backend would take it for that Edge); remove the 'apikey' header"
    ),
    ([("expect", "ok")], "--expect 'ok' needs --send or --send-file"),
    ([("send", "x"), ("expect", "(")], "--expect '(' is not a valid regular expression"),
    ([("header", "no colon")], "--header: expected 'Name: value', got 'no colon'"),
    ([("header", "Bad Name: x")], "--header: 'Bad Name' is not a header name"),
    ([("header", "Host: elsewhere")], "--header: header 'Host' is set by the probe itself"),
    (
      [("header", "Origin: x")],
      "--header: header 'Origin' is set by the probe itself and cannot be given; use --origin"
    ),
    ([("subprotocol", "two words")], "subprotocol 'two words' is not a token"),
    ([("origin", "")], "origin '' is not a URL"),
    ([("insecure", "true")], "--insecure only applies to wss:// URIs"),
    ([("timeout", "0")], "timeout 0.0 is not a number of seconds between 0 and 3600"),
    ([("send-file", "/nonexistent/message.json")], "cannot read --send-file /nonexistent/message.json"),
    ([("header-file", "/nonexistent/apikey")], "cannot read header file /nonexistent/apikey"),
  ])
  func nonsenseIsRefusedWithOneLine(settings: [(String, String)], message: String) throws {
    do {
      let resolved = try draft(settings).resolved()
      // --insecure is refused where the probe is built: ws:// has no certificate to skip.
      _ = try Probe(
        uri: resolved.settings.uri, options: resolved.probeOptions, group: MultiThreadedEventLoopGroup.singleton)
      Issue.record("accepted \(settings)")
    } catch let error as ConfigurationError {
      #expect(error.message.hasPrefix(message), "\(error.message)")
      #expect(!error.message.contains("\n"))
    }
  }

  /// The counter under /run, where a full /var cannot reach it; the log under /var/log; the
  /// reference's command line keeps the reference's own defaults.
  @Test func aConfigFilesTargetKeepsItsCounterUnderRunAndItsLogUnderVarLog() throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("whc-conf-\(UUID())")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let file = directory.appendingPathComponent("edge.conf").path
    try "uri = ws://localhost:8085/websocket\nunit = openems.service\n".write(
      toFile: file, atomically: false, encoding: .utf8)
    var fromFile = TargetDraft()
    fromFile.configFile = file
    let settings = try fromFile.resolved().settings
    #expect(settings.stateStore.path == "/run/websocket-health-check/edge.failcount")
    #expect(settings.triggerLog.path == "/var/log/websocket-health-check/edge.log")
    #expect(settings.timer.description == "websocket-health-check@edge.timer")
    var reference = TargetDraft()
    reference[.uri] = "ws://localhost:8085/websocket"
    reference[.unit] = "openems.service"
    #expect(try reference.resolved().settings.stateStore.path == "/tmp/websocket-health-check/failcount")
    #expect(try reference.resolved().settings.timer.description == "websocket-health-check.timer")
  }

  @Test func insecureWarnsOnEveryRun() throws {
    var target = try draft([("insecure", "yes")])
    target[.uri] = "wss://box.example/"
    let resolved = try target.resolved()
    #expect(resolved.probeOptions.insecure)
    #expect(resolved.warnings.count == 1)
    #expect(resolved.warnings[0].contains("box.example is not checked"))
  }

  @Test func everyCommandLineSettingHasAHelpLineAndAValueNameWhereItTakesAValue() {
    for setting in TargetSetting.all {
      #expect(!setting.help.isEmpty, "\(setting.name)")
      #expect((setting.kind == .flag) == setting.valueName.isEmpty, "\(setting.name)")
    }
  }
}

/// A header file holds secrets: refused when others can read it, never quoted in an error.
@Suite struct HeaderFileTests {
  func write(_ text: String, mode: mode_t) throws -> String {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("whc-headers-\(UUID())").path
    try text.write(toFile: path, atomically: false, encoding: .utf8)
    chmod(path, mode)
    return path
  }

  @Test func readsNamesAndValuesAsSecrets() throws {
    let path = try write("# Backend Edge.Application\napikey: s3cret-key \r\n\nX-Site: north\n", mode: 0o600)
    defer { unlink(path) }
    let fields = try HeaderFile.read(path)
    #expect(fields.map(\.name) == ["apikey", "X-Site"])
    #expect(fields.map(\.value) == ["s3cret-key", "north"])
    #expect(fields.allSatisfy { $0.isSecret })
    #expect(fields[0].description == "apikey: (secret)")
  }

  @Test(arguments: [0o644, 0o640, 0o604] as [mode_t])
  func refusedWhenOthersCanReadIt(mode: mode_t) throws {
    let path = try write("apikey: s3cret-key\n", mode: mode)
    defer { unlink(path) }
    do {
      _ = try HeaderFile.read(path)
      Issue.record("accepted mode \(String(mode, radix: 8))")
    } catch {
      #expect(error.message.contains("can be read by others"), "\(error.message)")
      #expect(error.message.contains("chmod 600 \(path)"))
    }
  }

  @Test(arguments: ["apikey s3cret-key\n", "apikey: s3cret-key\rX: 1\n", "api key: s3cret-key\n"])
  func badLinesNeverQuoteTheSecret(text: String) throws {
    let path = try write(text, mode: 0o600)
    defer { unlink(path) }
    do {
      _ = try HeaderFile.read(path)
      Issue.record("accepted \(text.debugDescription)")
    } catch {
      #expect(error.message.hasPrefix("\(path):1:"), "\(error.message)")
      #expect(!error.message.contains("s3cret"), "\(error.message)")
    }
  }
}
