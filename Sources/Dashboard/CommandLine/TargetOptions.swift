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

  @Option(help: Self.help("state-file"), completion: Self.completion("state-file")) var stateFile: String?
  @Option(help: Self.help("threshold"), completion: Self.completion("threshold")) var threshold: Int?
  @Option(help: Self.help("log-file"), completion: Self.completion("log-file")) var logFile: String?
  @Flag(help: Self.help("dry-run")) var dryRun = false
  @Option(help: Self.help("restart-mode"), completion: Self.completion("restart-mode")) var restartMode: String?
  @Option(help: Self.help("approval-timeout"), completion: Self.completion("approval-timeout")) var approvalTimeout:
    String?
  @Option(help: Self.help("approval-fallback"), completion: Self.completion("approval-fallback")) var approvalFallback:
    String?
  @Option(help: Self.help("notify-command"), completion: Self.completion("notify-command")) var notifyCommand: String?
  @Option(help: Self.help("max-restarts"), completion: Self.completion("max-restarts")) var maxRestarts: Int?
  @Option(help: Self.help("within"), completion: Self.completion("within")) var within: String?
  @Option(help: Self.help("rearm-after"), completion: Self.completion("rearm-after")) var rearmAfter: String?
  @Option(help: Self.help("rearm-max"), completion: Self.completion("rearm-max")) var rearmMax: String?
  @Option(help: Self.help("restart-timeout"), completion: Self.completion("restart-timeout")) var restartTimeout:
    String?
  @Option(help: Self.help("metrics-file"), completion: Self.completion("metrics-file")) var metricsFile: String?
  @Option(help: Self.help("timeout"), completion: Self.completion("timeout")) var timeout: Double?
  @Flag(help: Self.help("ping")) var ping = false
  @Option(help: Self.help("send"), completion: Self.completion("send")) var send: String?
  @Option(help: Self.help("send-file"), completion: Self.completion("send-file")) var sendFile: String?
  @Option(help: Self.help("expect"), completion: Self.completion("expect")) var expect: String?
  @Flag(help: Self.help("openems")) var openems = false
  @Option(help: Self.help("header"), completion: Self.completion("header")) var header: [String] = []
  @Option(help: Self.help("header-file"), completion: Self.completion("header-file")) var headerFile: String?
  @Option(help: Self.help("subprotocol"), completion: Self.completion("subprotocol")) var subprotocol: String?
  @Option(help: Self.help("origin"), completion: Self.completion("origin")) var origin: String?
  @Option(help: Self.help("ca-file"), completion: Self.completion("ca-file")) var caFile: String?
  @Flag(help: Self.help("insecure")) var insecure = false

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

  private static func completion(_ name: String) -> CompletionKind {
    switch TargetSetting.named(name).completion {
    case .none: .default
    case .file(let extensions): .file(extensions: extensions)
    case .directory: .directory
    case .words(let words): .list(words)
    }
  }

  private static func help(_ name: String) -> ArgumentHelp {
    let setting = TargetSetting.named(name)
    return ArgumentHelp(setting.help, valueName: setting.valueName.isEmpty ? nil : setting.valueName)
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
    guard let uri, service == nil, config == nil, !uri.contains("://") else { return nil }
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

  /// The options given, as the engine's settings read them (`--name`, text).
  var given: [(name: String, text: String)] {
    var given: [(String, String?)] = [
      ("state-file", stateFile), ("threshold", threshold.map(String.init)), ("log-file", logFile),
      ("dry-run", dryRun ? "true" : nil), ("restart-mode", restartMode), ("approval-timeout", approvalTimeout),
      ("approval-fallback", approvalFallback), ("notify-command", notifyCommand),
      ("max-restarts", maxRestarts.map(String.init)), ("within", within), ("rearm-after", rearmAfter),
      ("rearm-max", rearmMax), ("restart-timeout", restartTimeout), ("metrics-file", metricsFile),
      ("timeout", timeout.map { "\($0)" }), ("ping", ping ? "true" : nil),
      ("send", send), ("send-file", sendFile), ("expect", expect), ("openems", openems ? "true" : nil),
    ]
    given += header.map { ("header", $0) }
    given += [
      ("header-file", headerFile), ("subprotocol", subprotocol), ("origin", origin), ("ca-file", caFile),
      ("insecure", insecure ? "true" : nil),
    ]
    return given.compactMap { name, text in text.map { (name, $0) } }
  }

  /// The target as given; a target's NAME is found in `configDirectory`.
  func draft(configDirectory: String? = nil) throws(ConfigurationError) -> TargetDraft {
    var draft = TargetDraft()
    if let name = targetName {
      draft.configFile = try TargetDirectory.configFile(
        named: name, in: configDirectory ?? TargetDirectory.defaultPath)
    } else {
      draft.uri = uri
      draft.unit = service
      draft.configFile = config
    }
    for (name, text) in given {
      let setting = TargetSetting.named(name)
      try setting.apply(text, to: &draft, source: setting.option)
    }
    return draft
  }
}
