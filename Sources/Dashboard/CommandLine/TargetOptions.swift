import ArgumentParser
import Engine

/// What to watch and how, shared by `check` and `dashboard`. Names and help come from the
/// engine's `TargetSetting.all`, which the config file and the fast path read too; a test holds
/// this list to that one.
struct TargetOptions: ParsableArguments {
  @Argument(
    help: ArgumentHelp(
      "WebSocket URI to probe (ws:// or wss://); or alone, a target's NAME: NAME.conf of the config directory.",
      valueName: "uri"))
  var uri: String?

  @Argument(help: ArgumentHelp("systemd unit to restart, e.g. openems.service.", valueName: "service"))
  var service: String?

  @Option(help: Self.help("state-file")) var stateFile: String?
  @Option(help: Self.help("threshold")) var threshold: Int?
  @Option(help: Self.help("log-file")) var logFile: String?
  @Flag(help: Self.help("dry-run")) var dryRun = false
  @Option(help: Self.help("restart-mode")) var restartMode: String?
  @Option(help: Self.help("approval-timeout")) var approvalTimeout: String?
  @Option(help: Self.help("approval-fallback")) var approvalFallback: String?
  @Option(help: Self.help("notify-command")) var notifyCommand: String?
  @Option(help: Self.help("max-restarts")) var maxRestarts: Int?
  @Option(help: Self.help("within")) var within: String?
  @Option(help: Self.help("rearm-after")) var rearmAfter: String?
  @Option(help: Self.help("rearm-max")) var rearmMax: String?
  @Option(help: Self.help("restart-timeout")) var restartTimeout: String?
  @Option(help: Self.help("metrics-file")) var metricsFile: String?
  @Option(help: Self.help("timeout")) var timeout: Double?
  @Flag(help: Self.help("ping")) var ping = false
  @Option(help: Self.help("send")) var send: String?
  @Option(help: Self.help("send-file")) var sendFile: String?
  @Option(help: Self.help("expect")) var expect: String?
  @Flag(help: Self.help("openems")) var openems = false
  @Option(help: Self.help("header")) var header: [String] = []
  @Option(help: Self.help("header-file")) var headerFile: String?
  @Option(help: Self.help("subprotocol")) var subprotocol: String?
  @Option(help: Self.help("origin")) var origin: String?
  @Option(help: Self.help("ca-file")) var caFile: String?
  @Flag(help: Self.help("insecure")) var insecure = false

  @Option(
    help: ArgumentHelp(
      "Read the target from this file (keys: the options' names, plus uri, unit and mode); options given here win.",
      valueName: "file"))
  var config: String?

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
