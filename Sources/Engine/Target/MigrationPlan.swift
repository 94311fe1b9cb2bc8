/// Moving one target over from the Python reference's units: the config file of ours that
/// checks the same service the same way, what is deliberately not carried over and why, and
/// the commands a person runs to switch. Pure: the command that prints or writes it owns the
/// files.
public struct MigrationPlan: Equatable, Sendable {
  /// The target's name: `NAME.conf`, `websocket-health-check@NAME.timer`.
  public let name: String
  public let configPath: String
  public let configText: String
  /// What the old unit did that the new setup does differently, one sentence each.
  public let notes: [String]
  /// What a person runs afterwards, in order.
  public let commands: [String]

  /// - Parameters:
  ///   - timerText: the old timer unit beside the service, when there is one.
  ///   - programExists: whether the program the old `ExecStart=` names is there at all.
  public init(
    reference: ReferenceUnit, unitFile: String, timerText: String?, programExists: Bool, name: String?,
    configDirectory: String
  ) throws(ConfigurationError) {
    _ = try WebSocketURI(parsing: reference.uri)
    _ = try UnitName(validating: reference.unit)
    let unit = reference.unit
    let name = name ?? Self.name(for: reference.unit)
    try Self.validate(name: name)
    for value in [reference.uri, reference.unit] where value.contains("#") {
      throw ConfigurationError("'\(value)' holds a '#', which a config file reads as a comment; migrate it by hand")
    }
    self.name = name
    configPath = "\(configDirectory)/\(name).conf"
    let suggestion = Self.openEMSKind(uri: reference.uri, unit: unit)
    configText =
      """
      # Migrated by `websocket-health-check migrate` from \(unitFile),
      # the Python health check's unit. Every key is explained in example.conf.
      uri = \(reference.uri)
      unit = \(unit)
      threshold = \(reference.threshold ?? TargetDraft.defaultThreshold)
      mode = \(reference.dryRun ? "dry-run" : "auto")

      """
      + (suggestion.map { kind, why in
        """
        # The old check only opened the WebSocket, which a wedged OpenEMS still does. This asks
        # OpenEMS's request pool for its quietest proof of life (see example.conf)\(why):
        # openems-kind = \(kind.rawValue)

        """
      } ?? "")

    var notes: [String] = []
    notes.append(
      "The counter (old: \(reference.stateFile ?? TargetDraft.defaultStateFile)) now lives in "
        + "\(TargetDirectory.statePath(for: name)), in memory where a full disk cannot stop it and no other "
        + "user can plant a link; the new timer arms at its first healthy check.")
    notes.append(
      "New trigger-log lines go to \(TargetDirectory.logPath(for: name)) (the hardened unit may write only "
        + "there); the old lines stay in \(reference.logFilePath), in the same format.")
    if !programExists {
      notes.append(
        "The old ExecStart= runs \(reference.program), which does not exist here: the old timer has been "
          + "failing to start, so nothing has been watching \(unit).")
    }
    if let timerText {
      let ties = Self.ties(inTimer: timerText)
      if !ties.isEmpty {
        notes.append(
          "The old timer was tied to \(ties.joined(separator: ", ")) (PartOf=/Requires=): starting it started "
            + "the service. The new timer runs on its own; while \(unit) is stopped it has no MainPID and "
            + "nothing is counted.")
      }
    }
    if let (kind, why) = suggestion {
      notes.append(
        "The old check only opened the WebSocket; an OpenEMS whose request pool is wedged still does that. "
          + "Uncomment `openems-kind = \(kind.rawValue)` in \(configPath) to see it (the \(kind.title) endpoint\(why))."
      )
    }
    self.notes = notes

    let fileName = unitFile.split(separator: "/").last.map(String.init) ?? unitFile
    let oldTimer = (fileName.hasSuffix(".service") ? String(fileName.dropLast(8)) : fileName) + ".timer"
    let directory = unitFile.contains("/") ? String(unitFile[..<unitFile.lastIndex(of: "/")!]) : "."
    // Both: the reference's service is WantedBy=multi-user.target with Also= its timer.
    var commands = ["systemctl disable --now \(oldTimer) \(fileName)"]
    // Units under /etc shadow the package's units of the same names in /lib/systemd/system.
    if directory.hasPrefix("/etc/systemd/") {
      commands.append("rm \(unitFile) \(directory)/\(oldTimer)")
      commands.append("systemctl daemon-reload")
    }
    // The old service has often been failing (the shipped one names a program that is not
    // there); systemd keeps it in `systemctl --failed` until told otherwise.
    commands.append("systemctl reset-failed \(fileName) \(oldTimer)")
    commands.append("systemctl enable --now websocket-health-check@\(name).timer")
    commands.append("websocket-health-check status --config \(configPath)")
    self.commands = commands
  }

  /// The OpenEMS endpoint kind to suggest for an OpenEMS unit, and, where the port is not one
  /// OpenEMS's defaults name, why it is a guess: a Backend's unknown port is most likely its UI
  /// endpoint (an Edge.Application would be 8081), an Edge's its UI API.
  static func openEMSKind(uri: String, unit: String) -> (OpenEMSEndpoint, String)? {
    guard unit.lowercased().contains("openems"), let parsed = try? WebSocketURI(parsing: uri) else { return nil }
    let fromPort = OpenEMSEndpoint(port: parsed.port)
    guard unit.lowercased().contains("backend"), fromPort == .edge else { return (fromPort, "") }
    return (
      .backendUI,
      "; port \(parsed.port) is not one OpenEMS's defaults name: write edge-app if Edges connect there"
    )
  }

  /// `openems-backend.service` → `openems-backend`: what the instance checks, readable in
  /// `systemctl list-timers`.
  static func name(for unit: String) -> String {
    let name = unit.hasSuffix(".service") ? unit.dropLast(".service".count) : Substring(unit)
    return String(name.map { $0 == "@" ? "-" : $0 })
  }

  /// A name that is a file name and a systemd instance name, and not the example.
  static func validate(name: String) throws(ConfigurationError) {
    let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.:")
    guard !name.isEmpty, name.allSatisfy(allowed.contains), !name.hasPrefix("."), name != "example" else {
      throw ConfigurationError(
        "'\(name)' cannot name a target (NAME.conf, websocket-health-check@NAME.timer); give --name with letters, digits, - _ . or :"
      )
    }
  }

  /// The units a timer's `PartOf=` and `Requires=` name.
  static func ties(inTimer text: String) -> [String] {
    var units: [String] = []
    for line in ReferenceUnit.logicalLines(text) {
      for key in ["PartOf=", "Requires="] where line.hasPrefix(key) {
        for unit in line.dropFirst(key.count).split(separator: " ") where !units.contains(String(unit)) {
          units.append(String(unit))
        }
      }
    }
    return units
  }
}
