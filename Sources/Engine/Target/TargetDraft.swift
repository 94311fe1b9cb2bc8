#if canImport(Glibc)
  import Glibc
#endif

/// A target as the operator gave it, every value still optional: from the command line, from
/// a config file, or the one over the other. `resolved()` checks it and fills in defaults.
///
/// A config file (`/etc/websocket-health-check/NAME.conf`, what the template unit
/// `websocket-health-check@NAME` reads) holds `key = value` lines whose keys are the options'
/// names:
/// ```
/// # OpenEMS Edge UI API
/// uri = ws://localhost:8085/websocket
/// unit = openems.service
/// threshold = 6
/// openems-kind = edge
/// ```
public struct TargetDraft: Sendable, Equatable {
  public static let defaultStateFile = "/tmp/websocket-health-check/failcount"
  public static let defaultLogFile = "./trigger.log"
  public static let defaultThreshold = 3
  public static let defaultTimeout = 10.0

  /// The values given, by where a setting keeps them; read and written as `draft[.threshold]`.
  var values: [String: DraftValue] = [:]
  /// The config file the rest comes from, if any; its values lose to the ones set here.
  public var configFile: String?

  public init() {}

  /// The value of a setting, typed: `draft[.threshold]` is an `Int?`.
  public subscript<Value>(_ setting: TargetSetting.Typed<Value>) -> Value? {
    get { values[setting.row.storage]?.base.base as? Value }
    set { values[setting.row.storage] = newValue.map { DraftValue($0) } }
  }

  /// This draft's values, and `lower`'s where this one has none. A list adds up; an item given
  /// here replaces an item of `lower` that is the same (a header of the same name).
  public func over(_ lower: TargetDraft) -> TargetDraft {
    var merged = self
    merged.values = lower.values.merging(values) { _, upper in upper }
    for setting in TargetSetting.all where setting.kind == .list {
      guard let upper = values[setting.storage]?.base.base as? [String],
        let below = lower.values[setting.storage]?.base.base as? [String]
      else { continue }
      let replaced = Set(upper.map(setting.identity))
      merged.values[setting.storage] = DraftValue(below.filter { !replaced.contains(setting.identity($0)) } + upper)
    }
    return merged
  }

  // MARK: Config files

  /// Reads and parses a config file.
  public init(contentsOf path: String) throws(ConfigurationError) {
    let text = try BoundedFile.read(path, limit: 65536, what: "config file")
    try self.init(parsing: text, path: path)
  }

  /// Parses the text of a config file; `path` only names it in messages.
  public init(parsing text: String, path: String) throws(ConfigurationError) {
    var seen: Set<String> = []
    let keys = TargetSetting.all.filter { $0.places.contains(.configFile) }
    for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
      let location = "\(path):\(index + 1)"
      let line = Self.withoutComment(Substring(rawLine)).trimmingSpaces
      guard !line.isEmpty else { continue }
      guard let equals = line.firstIndex(of: "=") else {
        throw ConfigurationError("\(location): expected 'key = value', got '\(line.prefix(60))'")
      }
      let key = String(line[..<equals].trimmingSpaces)
      let value = String(line[line.index(after: equals)...].trimmingSpaces.trimmingQuotes)
      guard let setting = keys.first(where: { $0.name == key }) else {
        throw ConfigurationError(
          "\(location): unknown key '\(key)'; known keys: \(keys.map(\.name).joined(separator: ", "))")
      }
      guard setting.kind == .list || seen.insert(key).inserted else {
        throw ConfigurationError("\(location): key '\(key)' is set twice; keep one")
      }
      guard !value.isEmpty else {
        throw ConfigurationError("\(location): key '\(key)' has no value")
      }
      try setting.apply(value, to: &self, source: "\(location): \(key)")
    }
  }

  /// The line without its comment: a `#` that starts the line or follows white space, as in
  /// shell and systemd files; a value in quotes keeps every `#` inside them, so a message or a
  /// pattern can hold one (`send = '{"id": "#1"}'`). The line is read from its start, so a
  /// commented-out setting stays a comment whatever quotes its value has (`# expect = "ok"`).
  static func withoutComment(_ line: Substring) -> Substring {
    var quoted: Range<Substring.Index>?
    if let equals = line.firstIndex(of: "="),
      let valueStart = line[line.index(after: equals)...].firstIndex(where: { !$0.isWhitespace }),
      line[valueStart] == "\"" || line[valueStart] == "'",
      let close = line[line.index(after: valueStart)...].firstIndex(of: line[valueStart])
    {
      quoted = valueStart..<close
    }
    var previous: Character = " "
    for index in line.indices {
      if let quoted, quoted.contains(index) { continue }
      if line[index] == "#", previous.isWhitespace { return line[..<index] }
      previous = line[index]
    }
    return line
  }

  // MARK: Resolution

  /// A target's name: NAME of `NAME.conf` (as the template unit `websocket-health-check@NAME`
  /// has it), else the unit.
  public static func name(configFile: String?, unit: String) -> String {
    guard let configFile else { return unit }
    var name = Substring(configFile.split(separator: "/").last ?? "")
    if name.hasSuffix(".conf") { name = name.dropLast(5) }
    return name.isEmpty ? unit : String(name)
  }

  /// Every value decided and checked: this draft over its config file over the defaults.
  public func resolved() throws(ConfigurationError) -> ResolvedTarget {
    var file = TargetDraft()
    if let configFile { file = try TargetDraft(contentsOf: configFile) }
    let draft = over(file)
    let from = configFile.map { " (nor in \($0))" } ?? ""
    guard let uriText = draft[.uri] else {
      throw ConfigurationError("no URI given\(from): name the WebSocket to probe, e.g. ws://localhost:8085/websocket")
    }
    guard let unitText = draft[.unit] else {
      throw ConfigurationError("no service given\(from): name the unit to restart, e.g. openems.service")
    }
    let uri = try WebSocketURI(parsing: uriText)
    let unit = try UnitName(validating: unitText)
    let mode = draft[.mode] ?? .auto
    let name = Self.name(configFile: configFile, unit: unitText)
    // A target of a config file keeps its files where the template unit has them; the
    // reference's command line keeps the reference's defaults.
    let defaultState = configFile == nil ? Self.defaultStateFile : TargetDirectory.statePath(for: name)
    let defaultLog = configFile == nil ? Self.defaultLogFile : TargetDirectory.logPath(for: name)
    let stateStore = try StateStore(path: draft[.stateFile] ?? defaultState)
    let logPath = draft[.logFile] ?? defaultLog
    // What a person pastes: the same target, found the way this run found it.
    let target =
      configFile.map {
        "--config \($0)" + (self[.stateFile].map { " --state-file \($0)" } ?? "")
          + (self[.logFile].map { " --log-file \($0)" } ?? "")
      } ?? "\(uriText) \(unitText) --state-file \(stateStore.path) --log-file \(logPath)"
    let settings = CheckSettings(
      uri: uri, unit: unit,
      watchdog: try Watchdog(threshold: draft[.threshold] ?? Self.defaultThreshold),
      stateStore: stateStore,
      triggerLog: try TriggerLog(path: logPath),
      policy: try draft.restartPolicy(mode: mode),
      notifier: try draft[.notifyCommand].map { command throws(ConfigurationError) in
        guard command.hasPrefix("/") else {
          throw ConfigurationError(
            "--notify-command '\(command)' is not an absolute path; name the program, e.g. /usr/local/bin/page-oncall")
        }
        return Notifier(command: command, uri: uriText)
      },
      restartTimeout: try draft.checkedRestartTimeout(),
      approveCommand: "websocket-health-check approve \(target)",
      rejectCommand: "websocket-health-check reject \(target)",
      name: name,
      metricsFile: try draft[.metricsFile].map { path throws(ConfigurationError) in try MetricsFile(path: path) },
      timer: configFile == nil ? TargetDirectory.plainTimer : TargetDirectory.timer(for: name),
      incidents: draft.incidentPlan(name: name, uri: uriText, stateFile: self[.stateFile] ?? file[.stateFile]))
    let options = try draft.probeOptions(for: uri)
    var warnings: [String] = []
    if options.insecure {
      warnings.append(
        "--insecure: the TLS certificate of \(uri.host) is not checked; anyone between here and the service "
          + "could answer for it. Trust its certificate with --ca-file instead.")
    }
    return ResolvedTarget(settings: settings, probeOptions: options, warnings: warnings)
  }

  /// Reports under the state directory the units have (`/var/lib`, kept over reboots), or,
  /// for a state file a person chose, beside it, so a test or a manual run keeps its own.
  private func incidentPlan(name: String, uri: String, stateFile: String?) -> IncidentPlan? {
    guard self[.incidentReport] ?? true else { return nil }
    let directory =
      self[.reportDirectory] ?? stateFile.map { "\(splitPath($0).directory)/reports/\(name)" }
      ?? ReportShelf.defaultDirectory(target: name)
    return IncidentPlan(
      shelf: ReportShelf(directory: directory),
      collector: EvidenceCollector(threadDump: self[.threadDump] ?? true), target: name, uri: uri)
  }

  private func restartPolicy(mode: RestartMode) throws(ConfigurationError) -> RestartPolicy {
    var budget: RestartBudget?
    switch (self[.maxRestarts], self[.within]) {
    case (let maximum?, let window?): budget = try RestartBudget(maximum: maximum, window: window)
    case (nil, nil): budget = nil
    case (_?, nil): throw ConfigurationError("--max-restarts needs --within: the window it counts in, e.g. --within 1h")
    case (nil, _?): throw ConfigurationError("--within needs --max-restarts: how many restarts the window allows")
    }
    let approvalTimeout = self[.approvalTimeout]
    let fallbackRestarts = self[.approvalFallback]
    if approvalTimeout != nil || fallbackRestarts != nil, mode != .approve {
      throw ConfigurationError("--approval-timeout and --approval-fallback apply to --restart-mode approve only")
    }
    if let approvalTimeout, approvalTimeout <= .zero {
      throw ConfigurationError("--approval-timeout must be longer than 0, e.g. 30m")
    }
    if fallbackRestarts == true, approvalTimeout == nil {
      throw ConfigurationError("--approval-fallback auto needs --approval-timeout: how long to wait for a person")
    }
    let rearmAfter = self[.rearmAfter]
    if self[.rearmMax] != nil, rearmAfter == nil {
      throw ConfigurationError("--rearm-max needs --rearm-after: the first wait before re-arming")
    }
    let maximum = self[.rearmMax] ?? .seconds(300)
    if let rearmAfter, rearmAfter > maximum {
      throw ConfigurationError(
        "--rearm-after \(DurationSyntax.text(rearmAfter)) is longer than --rearm-max \(DurationSyntax.text(maximum)); raise --rearm-max"
      )
    }
    return RestartPolicy(
      mode: mode, budget: budget, rearmAfter: rearmAfter, rearmMaximum: maximum, approvalTimeout: approvalTimeout,
      approvalFallbackRestarts: fallbackRestarts ?? false)
  }

  private func checkedRestartTimeout() throws(ConfigurationError) -> Duration {
    let timeout = self[.restartTimeout] ?? .seconds(90)
    guard timeout >= .seconds(1), timeout <= .seconds(3600) else {
      throw ConfigurationError("--restart-timeout \(DurationSyntax.text(timeout)) is not between 1s and 1h")
    }
    return timeout
  }

  private func probeOptions(for uri: WebSocketURI) throws(ConfigurationError) -> ProbeOptions {
    let seconds = self[.timeout] ?? Self.defaultTimeout
    guard seconds.isFinite, seconds > 0, seconds <= 3600 else {
      throw ConfigurationError(
        "timeout \(seconds) is not a number of seconds between 0 and 3600; the reference's is 10")
    }
    var options = ProbeOptions(
      timeout: .milliseconds(Int64(seconds * 1000)), trustedCertificatesFile: self[.caFile],
      insecure: self[.insecure] ?? false)
    options.depth = try depth(for: uri)

    for line in self[.header] ?? [] {
      options.headers.append(try HeaderFile.field(line, isSecret: false, source: "--header"))
    }
    if let headerFile = self[.headerFile] {
      let secret = try HeaderFile.read(headerFile)
      let names = Set(secret.map { $0.name.lowercased() })
      options.headers = options.headers.filter { !names.contains($0.name.lowercased()) } + secret
    }
    if case .openEMS = options.depth, let apikey = options.headers.first(where: { $0.name.lowercased() == "apikey" }) {
      // With an Edge's apikey the probe would log in to the Backend as that Edge.
      throw ConfigurationError(
        "the OpenEMS probe never sends an apikey (the Backend would take it for that Edge); remove the '\(apikey.name)' header"
      )
    }
    if let subprotocol = self[.subprotocol] {
      guard HeaderField.isToken(subprotocol) else {
        throw ConfigurationError(
          "subprotocol '\(subprotocol.prefix(40))' is not a token; give the name the server expects")
      }
      options.subprotocol = subprotocol
    }
    if let origin = self[.origin] {
      guard !origin.isEmpty, origin.allSatisfy({ $0.isASCII && !$0.isNewline && $0.asciiValue! >= 32 }) else {
        throw ConfigurationError("origin '\(origin.prefix(40))' is not a URL; give one like https://openems.example")
      }
      options.origin = origin
    }
    return options
  }

  /// What the probe asks after the upgrade: one depth at most. `openems-kind` implies
  /// `openems`; without it the kind is the one OpenEMS's defaults put on the URI's port.
  private func depth(for uri: WebSocketURI) throws(ConfigurationError) -> ProbeDepth {
    let send = self[.send]
    let sendFile = self[.sendFile]
    let kind = self[.openemsKind]
    let openEMS = self[.openems] == true || kind != nil
    let depths = [
      ("--ping", self[.ping] == true), ("--send", send != nil), ("--send-file", sendFile != nil),
      (kind == nil ? "--openems" : "--openems-kind", openEMS),
    ].filter(\.1).map(\.0)
    guard depths.count <= 1 else {
      throw ConfigurationError(
        "\(depths.joined(separator: " and ")) each choose what the probe asks after the upgrade; give one")
    }
    if self[.openems] == false, let kind {
      throw ConfigurationError(
        "openems-kind \(kind.rawValue) probes OpenEMS, but openems is set to no; remove one of them")
    }
    if let expect = self[.expect], send == nil, sendFile == nil {
      throw ConfigurationError("--expect '\(expect)' needs --send or --send-file: it matches the reply to that message")
    }
    if self[.ping] == true { return .ping }
    if openEMS {
      return .openEMS(kind ?? OpenEMSEndpoint(port: uri.port), assumed: kind == nil)
    }
    guard send != nil || sendFile != nil else { return .handshake }
    var text = send ?? ""
    if let sendFile { text = try BoundedFile.read(sendFile, limit: 1 << 20, what: "--send-file") }
    guard !text.isEmpty else { throw ConfigurationError("the message to send is empty; give some text to send") }
    return .message(
      text: text,
      expect: try self[.expect].map { pattern throws(ConfigurationError) in
        try ReplyPattern(pattern)
      })
  }
}

/// A target ready to check: what the check needs, how to probe, what to warn about each run.
public struct ResolvedTarget: Sendable {
  public var settings: CheckSettings
  public var probeOptions: ProbeOptions
  /// Lines for the console at every run (`--insecure`).
  public var warnings: [String]
}

extension Substring {
  /// `"value"` or `'value'` without the quotes, as systemd's environment files allow.
  fileprivate var trimmingQuotes: Substring {
    guard count >= 2, let first, first == "\"" || first == "'", last == first else { return self }
    return dropFirst().dropLast()
  }
}
