/// One setting of a target: its command-line option, its config-file key, its help, and the
/// one parser that turns its text into a typed value. The command line, its fast path, the
/// config file, `--help`, the man page and the shell completions all read `TargetSetting.all`;
/// a new setting is one row here, one declaration where the command line lists its options,
/// one line in the list of `Typed` members at the end, and the code that reads it as
/// `draft[.name]`.
public struct TargetSetting: Sendable {
  public enum Kind: Sendable {
    /// `--name VALUE`, `name = value`
    case value
    /// `--name`, `name = yes`
    case flag
    /// `--name VALUE`, repeatable; `name = value` on several lines.
    case list
  }

  /// What a value can be, for shell completion.
  public enum Completion: Sendable, Equatable {
    case none
    /// A file, of these extensions where any are named.
    case file(extensions: [String])
    case directory
    /// One of these words.
    case words([String])
  }

  /// Where the setting can be given.
  public struct Places: OptionSet, Sendable {
    public let rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }
    public static let commandLine = Places(rawValue: 1)
    public static let configFile = Places(rawValue: 2)
    public static let both: Places = [.commandLine, .configFile]
  }

  /// A setting's value as a draft holds it, with its type: `draft[.threshold]` is an `Int?`.
  public struct Typed<Value: Hashable & Sendable>: Sendable {
    public let row: TargetSetting
  }

  /// The option without its dashes, and the config-file key: `state-file`.
  public let name: String
  public let kind: Kind
  public let places: Places
  public let valueName: String
  /// One line or two for `--help` and the config file's comments.
  public let help: String
  /// What a shell's completion offers for the value.
  public let completion: Completion
  /// Where a draft keeps the value: settings that say one thing in different words share it
  /// (`mode`, `--restart-mode`, `--dry-run`).
  let storage: String
  /// The text as a value; a message starts with the text in quotes (`'six' is not a whole
  /// number`), after the setting's name.
  let parse: @Sendable (String) throws(ConfigurationError) -> DraftValue
  /// For a list: what makes two items the same, so that an item given over a config file
  /// replaces the file's item instead of adding to it (a header's name).
  let identity: @Sendable (String) -> String

  public var option: String { "--\(name)" }

  /// Reads `text` into `draft`; `source` names where it came from in messages (`--threshold`,
  /// `edge.conf:3: threshold`).
  public func apply(_ text: String, to draft: inout TargetDraft, source: String) throws(ConfigurationError) {
    let value: DraftValue
    do {
      value = try parse(text)
    } catch {
      throw ConfigurationError("\(source) \(error.message)")
    }
    if kind == .list {
      let items = (draft.values[storage]?.base.base as? [String]) ?? []
      draft.values[storage] = DraftValue(items + [value.base.base as! String])
    } else {
      draft.values[storage] = value
    }
  }

  public static func named(_ name: String) -> TargetSetting {
    guard let setting = all.first(where: { $0.name == name }) else {
      preconditionFailure("no target setting named \(name)")
    }
    return setting
  }

  /// Every setting, in the order `--help` shows them.
  public static let all: [TargetSetting] = [
    uri.row, unit.row, stateFile.row, threshold.row, logFile.row, mode.row, restartMode.row, dryRun.row,
    approvalTimeout.row, approvalFallback.row, notifyCommand.row, maxRestarts.row, within.row, rearmAfter.row,
    rearmMax.row, restartTimeout.row, timeout.row, metricsFile.row, ping.row, send.row, sendFile.row, expect.row,
    openems.row, openemsKind.row, header.row, headerFile.row, subprotocol.row, origin.row, caFile.row, insecure.row,
    incidentReport.row, threadDump.row, reportDirectory.row,
  ]

  public static let uri = setting(
    "uri", .text, places: .configFile, valueName: "uri", help: "WebSocket URI to probe (ws:// or wss://).")
  public static let unit = setting(
    "unit", .text, places: .configFile, valueName: "service", help: "systemd unit to restart, e.g. openems.service.")
  public static let stateFile = setting(
    "state-file", .path(), valueName: "path",
    help: "Failure-count state file, shared with the timer. (default: \(TargetDraft.defaultStateFile))")
  public static let threshold = setting(
    "threshold", .wholeNumber, valueName: "n",
    help: "Failed checks in a row that trigger a restart, at least 1. (default: \(TargetDraft.defaultThreshold))")
  public static let logFile = setting(
    "log-file", .path(), valueName: "path",
    help: "Trigger log: one line per restart or dry run. (default: \(TargetDraft.defaultLogFile))")
  public static let mode = setting(
    "mode", .oneOf(RestartMode.allCases.map { ($0.rawValue, $0) }), places: .configFile, valueName: "mode",
    help: "auto restarts; dry-run only logs what it would do; approve waits for a person.")
  public static let restartMode = setting(
    "restart-mode", .oneOf(RestartMode.allCases.map { ($0.rawValue, $0) }), places: .commandLine, valueName: "mode",
    help: "At the threshold: auto restarts, dry-run only logs, approve waits for a person's yes. (default: auto)",
    storage: "mode")
  public static let dryRun = setting(
    "dry-run", .flag(meaning: RestartMode.dryRun), places: .commandLine,
    help: "Log what would happen, never restart (the same as --restart-mode dry-run).", storage: "mode")
  public static let approvalTimeout = setting(
    "approval-timeout", .duration, valueName: "duration",
    help: "With approve: a request nobody answers this long expires (e.g. 30m). (default: never)")
  /// Whether a request nobody answers restarts (`auto`) or only expires.
  public static let approvalFallback = setting(
    "approval-fallback", .oneOf([("expire", false), ("auto", true)]), valueName: "what",
    help: "Past --approval-timeout: expire (nothing restarts) or auto (restart as auto mode would). (default: expire)")
  public static let notifyCommand = setting(
    "notify-command", .path(), valueName: "path",
    help: "Run this program (no shell) for each restart request, approval, rejection, withdrawal, expiry.")
  public static let maxRestarts = setting(
    "max-restarts", .wholeNumber, valueName: "n",
    help: "Restart at most this many times within --within; past it, log once and wait. (default: no limit)")
  public static let within = setting(
    "within", .duration, valueName: "duration", help: "The window --max-restarts counts in (e.g. 1h).")
  public static let rearmAfter = setting(
    "rearm-after", .duration, valueName: "duration",
    help: "Arm again a service still failing this long after its restart; each re-arm waits twice as long.")
  public static let rearmMax = setting(
    "rearm-max", .duration, valueName: "duration", help: "The longest wait between re-arms. (default: 5m)")
  public static let restartTimeout = setting(
    "restart-timeout", .duration, valueName: "duration",
    help: "Give up waiting for systemctl restart after this long (exit 3). (default: 90s)")
  public static let timeout = setting(
    "timeout", .seconds, valueName: "seconds",
    help:
      "Give up on a probe after this many seconds, all phases together. (default: \(Int(TargetDraft.defaultTimeout)))")
  public static let metricsFile = setting(
    "metrics-file", .path(extensions: ["prom"]), valueName: "path",
    help: "Write Prometheus metrics here after each check, for node_exporter's textfile collector (*.prom).")
  public static let ping = setting(
    "ping", .yesNo, help: "After the upgrade, send a ping; the matching pong must come.")
  public static let send = setting(
    "send", .text, valueName: "text",
    help: "After the upgrade, send this text message; a text reply must come (see --expect).")
  public static let sendFile = setting(
    "send-file", .path(), valueName: "path",
    help: "As --send, with the message read from this file (UTF-8, at most 1 MiB).")
  public static let expect = setting(
    "expect", .text, valueName: "regex",
    help: "With --send: only a reply matching this regular expression counts; others are skipped.")
  public static let openems = setting(
    "openems", .yesNo,
    help: "OpenEMS: prove its request pool answers, the quietest way its endpoint allows (sees a wedged OpenEMS).")
  public static let openemsKind = setting(
    "openems-kind", .oneOf(OpenEMSEndpoint.allCases.map { ($0.rawValue, $0) }), valueName: "kind",
    help: "Which OpenEMS endpoint: edge (Edge UI), backend-ui or edge-app (Backend's Edge.Application). "
      + "Implies --openems. (default: from the port: 8081 edge-app, 8082 backend-ui, else edge)")
  public static let header = TargetSetting(
    name: "header", kind: .list, places: .both, valueName: "'name: value'",
    help: "Add a header to the upgrade request; repeatable. Not for secrets: use --header-file.", completion: .none,
    storage: "header", parse: { text in DraftValue(text) },
    identity: { String($0.prefix { $0 != ":" }.trimmingSpaces).lowercased() }
  ).typed([String].self)
  public static let headerFile = setting(
    "header-file", .path(), valueName: "path",
    help: "Headers for the upgrade request, one 'Name: value' a line, e.g. OpenEMS's apikey; mode 600.")
  public static let subprotocol = setting(
    "subprotocol", .text, valueName: "name", help: "Ask for this WebSocket subprotocol (Sec-WebSocket-Protocol).")
  public static let origin = setting(
    "origin", .text, valueName: "url", help: "Send this Origin header, for servers that check it.")
  public static let caFile = setting(
    "ca-file", .path(), valueName: "path",
    help: "PEM certificates to trust for wss:// besides the system's (e.g. a self-signed one).")
  public static let insecure = setting(
    "insecure", .yesNo, help: "wss:// without checking the certificate (warns on every run); prefer --ca-file.")

  public static let incidentReport = setting(
    "incident-report", .oneOf([("yes", true), ("no", false)]), valueName: "yes|no",
    help: "At the threshold, before the restart, write what it would destroy to a report. (default: yes)")
  public static let threadDump = setting(
    "thread-dump", .oneOf([("yes", true), ("no", false)]), valueName: "yes|no",
    help: "In the report, a JVM's thread dump: SIGQUIT to the main process when its executable is a JVM. (default: yes)"
  )
  public static let reportDirectory = setting(
    "report-directory", .path(), valueName: "path",
    help: "Where the target's reports are kept, 10 at most. (default: /var/lib/websocket-health-check/reports/NAME)")

  private static func setting<Value>(
    _ name: String, _ syntax: ValueSyntax<Value>, places: Places = .both, valueName: String = "", help: String,
    storage: String? = nil
  ) -> Typed<Value> {
    let parse = syntax.parse
    return TargetSetting(
      name: name, kind: syntax.isFlag ? .flag : .value, places: places, valueName: valueName, help: help,
      completion: syntax.completion, storage: storage ?? name,
      parse: { text throws(ConfigurationError) in DraftValue(try parse(text)) }, identity: { $0 }
    ).typed(Value.self)
  }

  private func typed<Value>(_ type: Value.Type) -> Typed<Value> { Typed(row: self) }
}

/// How a setting's text becomes its value; a message names the text, not the setting (the
/// caller adds where it came from).
struct ValueSyntax<Value: Hashable & Sendable>: Sendable {
  var isFlag = false
  var completion: TargetSetting.Completion = .none
  let parse: @Sendable (String) throws(ConfigurationError) -> Value
}

extension ValueSyntax where Value == String {
  static var text: Self { ValueSyntax { $0 } }
  static func path(extensions: [String] = []) -> Self {
    ValueSyntax(completion: .file(extensions: extensions)) { $0 }
  }
}

extension ValueSyntax where Value == Int {
  static var wholeNumber: Self {
    ValueSyntax { text throws(ConfigurationError) in
      guard let number = Int(text) else { throw ConfigurationError("'\(text)' is not a whole number") }
      return number
    }
  }
}

extension ValueSyntax where Value == Double {
  static var seconds: Self {
    ValueSyntax { text throws(ConfigurationError) in
      guard let seconds = Double(text) else { throw ConfigurationError("'\(text)' is not a number of seconds") }
      return seconds
    }
  }
}

extension ValueSyntax where Value == Duration {
  static var duration: Self {
    ValueSyntax { text throws(ConfigurationError) in
      guard let duration = DurationSyntax.parse(text) else {
        throw ConfigurationError("'\(text)' is not a duration; write it as 90s, 5m, 1h or 1h30m")
      }
      return duration
    }
  }
}

extension ValueSyntax where Value == Bool {
  /// A flag: `--ping` on the command line (which gives "true"), `ping = yes` in a config file,
  /// which also takes no, true/false, on/off, 1/0.
  static var yesNo: Self {
    ValueSyntax(isFlag: true) { text throws(ConfigurationError) in
      switch text.lowercased() {
      case "yes", "true", "on", "1": return true
      case "no", "false", "off", "0": return false
      default: throw ConfigurationError("'\(text)' is not yes or no")
      }
    }
  }
}

extension ValueSyntax {
  /// One of these words, each meaning a value.
  static func oneOf(_ words: [(String, Value)]) -> Self {
    // The closure keeps `names` too: held only inside the enum, whose spare bits tag the
    // pointer, LeakSanitizer would take the static rows' arrays for leaks.
    let names = words.map(\.0)
    return ValueSyntax(completion: .words(names)) { text throws(ConfigurationError) in
      guard let value = words.first(where: { $0.0 == text })?.1 else {
        let list =
          names.count == 2 ? "\(names[0]) or \(names[1])" : "one of: \(names.joined(separator: ", "))"
        throw ConfigurationError("'\(text)' is not \(list)")
      }
      return value
    }
  }

  /// A flag that means one value (`--dry-run` is the dry-run mode).
  static func flag(meaning value: Value) -> Self {
    ValueSyntax(isFlag: true) { _ in value }
  }
}

/// A setting's value in a draft, whatever its type. Only a `Typed` setting's `Sendable` value
/// goes in, and `TargetDraft`'s subscript reads it back as that type.
struct DraftValue: @unchecked Sendable, Equatable {
  let base: AnyHashable
  init(_ value: some Hashable & Sendable) { base = AnyHashable(value) }
}

// `draft[.threshold]`: each setting again as a member of `Typed`, where the subscript's argument
// is looked up. Key paths (`draft[.threshold]`) read as well, but each is built at run time on
// first use: a check's hundred of them cost it about 0.5 ms, a fifth of its instructions.
extension TargetSetting.Typed {
  public static var uri: TargetSetting.Typed<String> { TargetSetting.uri }
  public static var unit: TargetSetting.Typed<String> { TargetSetting.unit }
  public static var stateFile: TargetSetting.Typed<String> { TargetSetting.stateFile }
  public static var threshold: TargetSetting.Typed<Int> { TargetSetting.threshold }
  public static var logFile: TargetSetting.Typed<String> { TargetSetting.logFile }
  public static var mode: TargetSetting.Typed<RestartMode> { TargetSetting.mode }
  public static var restartMode: TargetSetting.Typed<RestartMode> { TargetSetting.restartMode }
  public static var dryRun: TargetSetting.Typed<RestartMode> { TargetSetting.dryRun }
  public static var approvalTimeout: TargetSetting.Typed<Duration> { TargetSetting.approvalTimeout }
  public static var approvalFallback: TargetSetting.Typed<Bool> { TargetSetting.approvalFallback }
  public static var notifyCommand: TargetSetting.Typed<String> { TargetSetting.notifyCommand }
  public static var maxRestarts: TargetSetting.Typed<Int> { TargetSetting.maxRestarts }
  public static var within: TargetSetting.Typed<Duration> { TargetSetting.within }
  public static var rearmAfter: TargetSetting.Typed<Duration> { TargetSetting.rearmAfter }
  public static var rearmMax: TargetSetting.Typed<Duration> { TargetSetting.rearmMax }
  public static var restartTimeout: TargetSetting.Typed<Duration> { TargetSetting.restartTimeout }
  public static var timeout: TargetSetting.Typed<Double> { TargetSetting.timeout }
  public static var metricsFile: TargetSetting.Typed<String> { TargetSetting.metricsFile }
  public static var ping: TargetSetting.Typed<Bool> { TargetSetting.ping }
  public static var send: TargetSetting.Typed<String> { TargetSetting.send }
  public static var sendFile: TargetSetting.Typed<String> { TargetSetting.sendFile }
  public static var expect: TargetSetting.Typed<String> { TargetSetting.expect }
  public static var openems: TargetSetting.Typed<Bool> { TargetSetting.openems }
  public static var openemsKind: TargetSetting.Typed<OpenEMSEndpoint> { TargetSetting.openemsKind }
  public static var header: TargetSetting.Typed<[String]> { TargetSetting.header }
  public static var headerFile: TargetSetting.Typed<String> { TargetSetting.headerFile }
  public static var subprotocol: TargetSetting.Typed<String> { TargetSetting.subprotocol }
  public static var origin: TargetSetting.Typed<String> { TargetSetting.origin }
  public static var caFile: TargetSetting.Typed<String> { TargetSetting.caFile }
  public static var insecure: TargetSetting.Typed<Bool> { TargetSetting.insecure }
  public static var incidentReport: TargetSetting.Typed<Bool> { TargetSetting.incidentReport }
  public static var threadDump: TargetSetting.Typed<Bool> { TargetSetting.threadDump }
  public static var reportDirectory: TargetSetting.Typed<String> { TargetSetting.reportDirectory }
}
