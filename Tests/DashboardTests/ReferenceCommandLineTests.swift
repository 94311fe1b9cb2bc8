import ArgumentParser
import Engine
import Testing

@testable import Dashboard

/// The fast path for the timer's command line must read exactly what swift-argument-parser
/// reads, and hand everything else to it.
@Suite struct ReferenceCommandLineTests {
  static let understood: [[String]] = [
    ["ws://h:1", "u.service"],
    ["ws://h:1", "u.service", "--threshold", "6"],
    ["ws://h:1", "u.service", "--threshold=6", "--dry-run"],
    ["--threshold", "6", "ws://h:1", "--state-file", "/var/lib/x/failcount", "u.service"],
    ["ws://h:1", "u.service", "--log-file", "/var/log/x.log", "--timeout", "2.5", "--ca-file", "/etc/ca.pem"],
    ["ws://h:1", "u.service", "--state-file=/s", "--log-file=/l", "--timeout=3"],
    ["ws://h:1", "u.service", "--threshold", "0"],
    ["--config", "/etc/websocket-health-check/edge.conf"],
    ["--config=/etc/x.conf", "--state-file", "/var/lib/x", "ws://h:1", "u.service"],
    ["ws://h:1", "u.service", "--openems", "--header-file", "/etc/x.headers"],
    ["ws://h:1", "u.service", "--ping", "--subprotocol", "json", "--origin=https://o"],
    ["ws://h:1", "u.service", "--send", "{}", "--expect", "^ok", "--header", "A: 1", "--header=B: 2"],
    ["wss://h:1", "u.service", "--insecure", "--send-file", "/etc/msg.json"],
  ]

  @Test(arguments: understood)
  func readsWhatArgumentParserReads(arguments: [String]) throws {
    let fast = try #require(ReferenceCommandLine.parse(arguments))
    let full = try TargetOptions.parse(arguments).draft()
    #expect(fast == full)
  }

  static let handedOver: [[String]] = [
    [], ["ws://h:1"], ["--help"], ["-h"], ["check", "ws://h:1", "u"], ["demo"], ["help", "check"],
    ["ws://h:1", "u", "--threshold"], ["ws://h:1", "u", "--threshold", "three"], ["ws://h:1", "u", "--thresh", "3"],
    ["ws://h:1", "u", "--dry-run", "--dry-run"], ["ws://h:1", "u", "--threshold", "3", "--threshold", "4"],
    ["ws://h:1", "u", "extra"], ["ws://h:1", "u", "--version"], ["ws://h:1", "-u"], ["--config", "/x", "ws://h:1"],
    ["ws://h:1", "u", "--ping", "--ping"], ["ws://h:1", "u", "--ping=yes"], ["ws://h:1", "u", "--send"],
    ["ws://h:1", "u", "--uri", "ws://x"], ["ws://h:1", "u", "--mode", "auto"],
  ]

  /// Every option the engine describes is one swift-argument-parser declares, and no more:
  /// the command line and the config file cannot drift apart.
  @Test func argumentParserDeclaresExactlyTheEnginesSettings() {
    let help = TargetOptions.helpMessage(columns: 200)
    let declared = Set(
      help.split(whereSeparator: { !($0.isLetter || $0 == "-") })
        .filter { $0.hasPrefix("--") && $0 != "--help" }.map(String.init))
    let described = Set(TargetSetting.all.filter { $0.places.contains(.commandLine) }.map(\.option))
    #expect(declared == described.union(["--config"]))
    for setting in TargetSetting.all where setting.places.contains(.commandLine) {
      #expect(help.contains(setting.help.prefix(30)), "\(setting.name)")
    }
  }

  /// Every declaration is read back as its setting: a property named otherwise than its
  /// option would be parsed and then silently dropped.
  @Test func everyDeclaredOptionIsReadBackAsItsSetting() throws {
    for setting in TargetSetting.all where setting.places.contains(.commandLine) {
      // A value of the setting's kind: the first of these it takes.
      var words = ["1", "1m"]
      if case .words(let choices) = setting.completion { words = choices }
      var scratch = TargetDraft()
      let text = try #require(words.first { (try? setting.apply($0, to: &scratch, source: "")) != nil })
      let value = setting.kind == .flag ? [] : [text]
      let options = try TargetOptions.parse(["ws://h/", "x.service", setting.option] + value)
      let given = options.given.map { "\($0.setting.name)=\($0.text)" }
      #expect(given == ["\(setting.name)=\(setting.kind == .flag ? "true" : text)"], "\(setting.name)")
    }
  }

  /// `migrate foo` is the migrate command, not a check of a URI called "migrate": every
  /// subcommand, with one word after it as a URI-and-unit pair would have, is handed over.
  @Test func everySubcommandIsHandedOver() {
    let names = WebSocketHealthCheck.configuration.subcommands.compactMap { $0.configuration.commandName }
    #expect(names.contains("migrate") && names.contains("status"))
    for name in names {
      #expect(ReferenceCommandLine.parse([name, "edge"]) == nil, "\(name)")
    }
  }

  @Test(arguments: handedOver)
  func handsEverythingElseToArgumentParser(arguments: [String]) {
    #expect(ReferenceCommandLine.parse(arguments) == nil)
  }
}

@Suite struct DashboardCommandTests {
  @Test(arguments: [
    (["ws://h:1", "u.service"], "websocket-health-check.timer"),
    (["ws://h:1", "u.service", "--timer", "x.timer"], "x.timer"),
  ])
  func showsTheTimerThatRunsTheChecks(arguments: [String], timer: String) throws {
    let command = try DashboardCommand.parse(arguments)
    let settings = try command.target.draft().resolved().settings
    #expect(try command.timer.unit(for: settings).description == timer)
  }
}
