/// One setting of a target: its command-line option, its config-file key, its help, and how
/// its text becomes part of a `TargetDraft`. The command line, its fast path and the config
/// file all read settings through `TargetSetting.all`, so a new option is added here once.
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

  /// The option without its dashes, and the config-file key: `state-file`.
  public let name: String
  public let kind: Kind
  public let places: Places
  public let valueName: String
  /// One line or two for `--help` and the config file's comments.
  public let help: String
  /// What a shell's completion offers for the value.
  public var completion: Completion = .none
  let apply: @Sendable (inout TargetDraft, String) throws(ConfigurationError) -> Void

  public var option: String { "--\(name)" }

  /// Reads `text` into `draft`; `source` names where it came from in messages
  /// (`--threshold`, `edge.conf:3`).
  public func apply(_ text: String, to draft: inout TargetDraft, source: String) throws(ConfigurationError) {
    do {
      try apply(&draft, text)
    } catch {
      throw ConfigurationError("\(source): \(error.message)")
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
    TargetSetting(
      name: "uri", kind: .value, places: .configFile, valueName: "uri",
      help: "WebSocket URI to probe (ws:// or wss://)."
    ) { draft, text in draft.uri = text },
    TargetSetting(
      name: "unit", kind: .value, places: .configFile, valueName: "service",
      help: "systemd unit to restart, e.g. openems.service."
    ) { draft, text in draft.unit = text },
    TargetSetting(
      name: "state-file", kind: .value, places: .both, valueName: "path",
      help: "Failure-count state file, shared with the timer. (default: \(TargetDraft.defaultStateFile))",
      completion: .file(extensions: [])
    ) { draft, text in draft.stateFile = text },
    TargetSetting(
      name: "threshold", kind: .value, places: .both, valueName: "n",
      help: "Failed checks in a row that trigger a restart, at least 1. (default: \(TargetDraft.defaultThreshold))"
    ) { draft, text throws(ConfigurationError) in
      guard let number = Int(text) else { throw ConfigurationError("threshold '\(text)' is not a whole number") }
      draft.threshold = number
    },
    TargetSetting(
      name: "log-file", kind: .value, places: .both, valueName: "path",
      help: "Trigger log: one line per restart or dry run. (default: \(TargetDraft.defaultLogFile))",
      completion: .file(extensions: [])
    ) { draft, text in draft.logFile = text },
    TargetSetting(
      name: "mode", kind: .value, places: .configFile, valueName: "mode",
      help: "auto restarts; dry-run only logs what it would do; approve waits for a person.",
      completion: .words(RestartMode.names)
    ) { draft, text throws(ConfigurationError) in draft.mode = try restartMode(text, "mode") },
    TargetSetting(
      name: "restart-mode", kind: .value, places: .commandLine, valueName: "mode",
      help: "At the threshold: auto restarts, dry-run only logs, approve waits for a person's yes. (default: auto)",
      completion: .words(RestartMode.names)
    ) { draft, text throws(ConfigurationError) in draft.mode = try restartMode(text, "--restart-mode") },
    TargetSetting(
      name: "dry-run", kind: .flag, places: .commandLine, valueName: "",
      help: "Log what would happen, never restart (the same as --restart-mode dry-run)."
    ) { draft, _ in draft.mode = .dryRun },
    TargetSetting(
      name: "approval-timeout", kind: .value, places: .both, valueName: "duration",
      help: "With approve: a request nobody answers this long expires (e.g. 30m). (default: never)"
    ) { draft, text throws(ConfigurationError) in draft.approvalTimeout = try duration(text, "approval-timeout") },
    TargetSetting(
      name: "approval-fallback", kind: .value, places: .both, valueName: "what",
      help:
        "Past --approval-timeout: expire (nothing restarts) or auto (restart as auto mode would). (default: expire)",
      completion: .words(["expire", "auto"])
    ) { draft, text throws(ConfigurationError) in
      guard text == "expire" || text == "auto" else {
        throw ConfigurationError("approval-fallback '\(text)' is not expire or auto")
      }
      draft.approvalFallbackRestarts = text == "auto"
    },
    TargetSetting(
      name: "notify-command", kind: .value, places: .both, valueName: "path",
      help: "Run this program (no shell) for each restart request, approval, rejection, withdrawal, expiry.",
      completion: .file(extensions: [])
    ) { draft, text in draft.notifyCommand = text },
    TargetSetting(
      name: "max-restarts", kind: .value, places: .both, valueName: "n",
      help: "Restart at most this many times within --within; past it, log once and wait. (default: no limit)"
    ) { draft, text throws(ConfigurationError) in
      guard let number = Int(text) else { throw ConfigurationError("max-restarts '\(text)' is not a whole number") }
      draft.maxRestarts = number
    },
    TargetSetting(
      name: "within", kind: .value, places: .both, valueName: "duration",
      help: "The window --max-restarts counts in (e.g. 1h)."
    ) { draft, text throws(ConfigurationError) in draft.within = try duration(text, "within") },
    TargetSetting(
      name: "rearm-after", kind: .value, places: .both, valueName: "duration",
      help: "Arm again a service still failing this long after its restart; each re-arm waits twice as long."
    ) { draft, text throws(ConfigurationError) in draft.rearmAfter = try duration(text, "rearm-after") },
    TargetSetting(
      name: "rearm-max", kind: .value, places: .both, valueName: "duration",
      help: "The longest wait between re-arms. (default: 5m)"
    ) { draft, text throws(ConfigurationError) in draft.rearmMax = try duration(text, "rearm-max") },
    TargetSetting(
      name: "restart-timeout", kind: .value, places: .both, valueName: "duration",
      help: "Give up waiting for systemctl restart after this long (exit 3). (default: 90s)"
    ) { draft, text throws(ConfigurationError) in draft.restartTimeout = try duration(text, "restart-timeout") },
    TargetSetting(
      name: "timeout", kind: .value, places: .both, valueName: "seconds",
      help:
        "Give up on a probe after this many seconds, all phases together. (default: \(Int(TargetDraft.defaultTimeout)))"
    ) { draft, text throws(ConfigurationError) in
      guard let seconds = Double(text) else { throw ConfigurationError("timeout '\(text)' is not a number of seconds") }
      draft.timeout = seconds
    },
    TargetSetting(
      name: "metrics-file", kind: .value, places: .both, valueName: "path",
      help: "Write Prometheus metrics here after each check, for node_exporter's textfile collector (*.prom).",
      completion: .file(extensions: ["prom"])
    ) { draft, text in draft.metricsFile = text },
    TargetSetting(
      name: "ping", kind: .flag, places: .both, valueName: "",
      help: "After the upgrade, send a ping; the matching pong must come."
    ) { draft, text throws(ConfigurationError) in draft.ping = try flag(text, "ping") },
    TargetSetting(
      name: "send", kind: .value, places: .both, valueName: "text",
      help: "After the upgrade, send this text message; a text reply must come (see --expect)."
    ) { draft, text in draft.send = text },
    TargetSetting(
      name: "send-file", kind: .value, places: .both, valueName: "path",
      help: "As --send, with the message read from this file (UTF-8, at most 1 MiB).",
      completion: .file(extensions: [])
    ) { draft, text in draft.sendFile = text },
    TargetSetting(
      name: "expect", kind: .value, places: .both, valueName: "regex",
      help: "With --send: only a reply matching this regular expression counts; others are skipped."
    ) { draft, text in draft.expect = text },
    TargetSetting(
      name: "openems", kind: .flag, places: .both, valueName: "",
      help: "OpenEMS: send one JSON-RPC request its request threads must answer (sees a wedged OpenEMS)."
    ) { draft, text throws(ConfigurationError) in draft.openEMS = try flag(text, "openems") },
    TargetSetting(
      name: "header", kind: .list, places: .both, valueName: "'name: value'",
      help: "Add a header to the upgrade request; repeatable. Not for secrets: use --header-file."
    ) { draft, text in draft.headers.append(text) },
    TargetSetting(
      name: "header-file", kind: .value, places: .both, valueName: "path",
      help: "Headers for the upgrade request, one 'Name: value' a line, e.g. OpenEMS's apikey; mode 600.",
      completion: .file(extensions: [])
    ) { draft, text in draft.headerFile = text },
    TargetSetting(
      name: "subprotocol", kind: .value, places: .both, valueName: "name",
      help: "Ask for this WebSocket subprotocol (Sec-WebSocket-Protocol)."
    ) { draft, text in draft.subprotocol = text },
    TargetSetting(
      name: "origin", kind: .value, places: .both, valueName: "url",
      help: "Send this Origin header, for servers that check it."
    ) { draft, text in draft.origin = text },
    TargetSetting(
      name: "ca-file", kind: .value, places: .both, valueName: "path",
      help: "PEM certificates to trust for wss:// besides the system's (e.g. a self-signed one).",
      completion: .file(extensions: [])
    ) { draft, text in draft.caFile = text },
    TargetSetting(
      name: "insecure", kind: .flag, places: .both, valueName: "",
      help: "wss:// without checking the certificate (warns on every run); prefer --ca-file."
    ) { draft, text throws(ConfigurationError) in draft.insecure = try flag(text, "insecure") },
  ]

  private static func restartMode(_ text: String, _ name: String) throws(ConfigurationError) -> RestartMode {
    guard let mode = RestartMode(rawValue: text) else {
      throw ConfigurationError(
        "\(name) '\(text)' is not one of: \(RestartMode.allCases.map(\.rawValue).joined(separator: ", "))")
    }
    return mode
  }

  private static func duration(_ text: String, _ name: String) throws(ConfigurationError) -> Duration {
    guard let duration = DurationSyntax.parse(text) else {
      throw ConfigurationError("\(name) '\(text)' is not a duration; write it as 90s, 5m, 1h or 1h30m")
    }
    return duration
  }

  /// A flag's value in a config file: yes/no, true/false, on/off, 1/0 (the command line gives "true").
  private static func flag(_ text: String, _ name: String) throws(ConfigurationError) -> Bool {
    switch text.lowercased() {
    case "yes", "true", "on", "1": return true
    case "no", "false", "off", "0": return false
    default: throw ConfigurationError("\(name) '\(text)' is not yes or no")
    }
  }
}
