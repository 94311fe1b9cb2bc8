import ArgumentParser
import Engine

/// What to watch and how, shared by `check` and `dashboard`. Names and help come from the
/// engine's `TargetSetting.all`, which the config file and the fast path read too; a test holds
/// this list to that one.
struct TargetOptions: ParsableArguments {
  @Argument(
    help: ArgumentHelp(
      "WebSocket URI to probe (ws:// or wss://); or alone, a target's NAME: NAME.conf of the config directory.",
      valueName: "uri"),
    completion: .custom { arguments, _, _ in TargetOptions.targetNames(arguments) })
  var uri: String?

  @Argument(help: ArgumentHelp("systemd unit to restart, e.g. openems.service.", valueName: "service"))
  var service: String?

  // One declaration per command-line setting of `TargetSetting.all`, named as its option;
  // each value stays text here, parsed once by its setting (`given`, `validate()`).
  @Option(setting: "state-file") var stateFile: String?
  @Option(setting: "threshold") var threshold: String?
  @Option(setting: "log-file") var logFile: String?
  @Flag(setting: "dry-run") var dryRun = false
  @Option(setting: "restart-mode") var restartMode: String?
  @Option(setting: "approval-timeout") var approvalTimeout: String?
  @Option(setting: "approval-fallback") var approvalFallback: String?
  @Option(setting: "notify-command") var notifyCommand: String?
  @Option(setting: "max-restarts") var maxRestarts: String?
  @Option(setting: "within") var within: String?
  @Option(setting: "rearm-after") var rearmAfter: String?
  @Option(setting: "rearm-max") var rearmMax: String?
  @Option(setting: "restart-timeout") var restartTimeout: String?
  @Option(setting: "metrics-file") var metricsFile: String?
  @Option(setting: "timeout") var timeout: String?
  @Flag(setting: "ping") var ping = false
  @Option(setting: "send") var send: String?
  @Option(setting: "send-file") var sendFile: String?
  @Option(setting: "expect") var expect: String?
  @Flag(setting: "openems") var openems = false
  @Option(setting: "openems-kind") var openemsKind: String?
  @Option(setting: "incident-report") var incidentReport: String?
  @Option(setting: "thread-dump") var threadDump: String?
  @Option(setting: "report-directory") var reportDirectory: String?
  @Option(setting: "header") var header: [String] = []
  @Option(setting: "header-file") var headerFile: String?
  @Option(setting: "subprotocol") var subprotocol: String?
  @Option(setting: "origin") var origin: String?
  @Option(setting: "ca-file") var caFile: String?
  @Flag(setting: "insecure") var insecure = false

  @Option(
    help: ArgumentHelp(
      "Read the target from this file (keys: the options' names, plus uri, unit and mode); options given here win.",
      valueName: "file"),
    completion: .file(extensions: ["conf"]))
  var config: String?

  /// The names of the targets a completion offers where the URI goes: `NAME.conf` of the
  /// config directory the command line names (`--config-dir`), else the default one.
  static func targetNames(_ arguments: [String]) -> [String] {
    var directory = TargetDirectory.defaultPath
    for (index, argument) in arguments.enumerated() {
      if argument == "--config-dir", index + 1 < arguments.count { directory = arguments[index + 1] }
      if argument.hasPrefix("--config-dir=") { directory = String(argument.dropFirst("--config-dir=".count)) }
    }
    let drafts = (try? TargetDirectory.drafts(in: directory)) ?? []
    return drafts.compactMap { $0.configFile.map { TargetDraft.name(configFile: $0, unit: "") } }
  }

  /// Whether a target was named (`URI SERVICE` or `--config`); a command that needs one calls
  /// this from its own `validate()` (`status` and `dashboard` can show a whole directory instead).
  func requireTarget() throws {
    guard config == nil, targetName == nil else { return }
    if uri == nil {
      throw ValidationError("Missing expected argument '<uri>' (or give a target's NAME, or --config FILE)")
    }
    if service == nil { throw ValidationError("Missing expected argument '<service>' (or give --config FILE)") }
  }

  var namesATarget: Bool { config != nil || uri != nil || service != nil }

  /// `approve edge`: a word alone where the URI goes names `edge.conf` of the config directory
  /// (a URI has its `://`).
  var targetName: String? {
    guard let uri, service == nil, config == nil, !WebSocketURI.hasSchemeSeparator(uri) else { return nil }
    return uri
  }

  /// For commands that show one target or a whole config directory: one or the other (a
  /// target's NAME is looked up in that directory).
  func requireTargetOrDirectory(_ configDir: String?) throws {
    if configDir != nil && namesATarget && targetName == nil {
      throw ValidationError("give either a target (URI SERVICE or --config) or --config-dir, not both")
    }
    if namesATarget { try requireTarget() }
  }

  /// A value a setting refuses is the command line's mistake: one line, exit 2, as
  /// argparse's own type checks in the reference. (Whether the values fit together is the
  /// target's to say when it is resolved.)
  func validate() throws {
    var draft = TargetDraft()
    for (setting, text) in given {
      do {
        try setting.apply(text, to: &draft, source: setting.option)
      } catch {
        throw ValidationError(error.message)
      }
    }
  }

  /// The settings given on the command line, with their text, in the order declared: read
  /// off the declarations above, each found by its property's name (`caFile` is `ca-file`).
  var given: [(setting: TargetSetting, text: String)] {
    Mirror(reflecting: self).children.flatMap { child -> [(setting: TargetSetting, text: String)] in
      guard let label = child.label, let setting = Self.declared[label] else { return [] }
      switch child.value {
      case let option as Option<String?>: return option.wrappedValue.map { [(setting, $0)] } ?? []
      case let option as Option<[String]>: return option.wrappedValue.map { (setting, $0) }
      case let flag as Flag<Bool>: return flag.wrappedValue ? [(setting, "true")] : []
      default: return []
      }
    }
  }

  /// The command line's settings by the name of the property that declares each (`_caFile`,
  /// as a property wrapper's storage is called).
  static let declared: [String: TargetSetting] = Dictionary(
    uniqueKeysWithValues: TargetSetting.all.filter { $0.places.contains(.commandLine) }.map { setting in
      let words = setting.name.split(separator: "-")
      return ("_" + words[0] + words.dropFirst().map(\.capitalized).joined(), setting)
    })

  /// The target as given; a target's NAME is found in `configDirectory`.
  func draft(configDirectory: String? = nil) throws(ConfigurationError) -> TargetDraft {
    var draft = TargetDraft()
    if let name = targetName {
      draft.configFile = try TargetDirectory.configFile(
        named: name, in: configDirectory ?? TargetDirectory.defaultPath)
    } else {
      draft[.uri] = uri
      draft[.unit] = service
      draft.configFile = config
    }
    for (setting, text) in given {
      try setting.apply(text, to: &draft, source: setting.option)
    }
    return draft
  }
}

extension Option where Value == String? {
  /// The command-line option of one of the engine's target settings: its name, help and
  /// completion from `TargetSetting.all`.
  init(setting name: String) {
    let setting = TargetSetting.named(name)
    self.init(name: .customLong(name), help: setting.argumentHelp, completion: setting.completionKind)
  }
}

extension Option where Value == [String] {
  init(wrappedValue: [String], setting name: String) {
    let setting = TargetSetting.named(name)
    self.init(
      wrappedValue: wrappedValue, name: .customLong(name), help: setting.argumentHelp,
      completion: setting.completionKind)
  }
}

extension Flag where Value == Bool {
  init(wrappedValue: Bool, setting name: String) {
    self.init(wrappedValue: wrappedValue, name: .customLong(name), help: TargetSetting.named(name).argumentHelp)
  }
}

extension TargetSetting {
  var argumentHelp: ArgumentHelp { ArgumentHelp(help, valueName: valueName.isEmpty ? nil : valueName) }

  var completionKind: CompletionKind {
    switch completion {
    case .none: .default
    case .file(let extensions): .file(extensions: extensions)
    case .directory: .directory
    case .words(let words): .list(words)
    }
  }
}
