#if canImport(Glibc)
  import Glibc
#endif

/// The targets of a box: `/etc/websocket-health-check/NAME.conf`, one per
/// `websocket-health-check@NAME.timer`. `example.conf` is the packaged example, not a target.
public enum TargetDirectory {
  public static let defaultPath = "/etc/websocket-health-check"

  /// Where a target read from `NAME.conf` keeps its state and log unless the file says
  /// otherwise: the template unit's `RuntimeDirectory=` and `LogsDirectory=`. The timer, the
  /// dashboard, `status` and `approve` all find them the same way.
  ///
  /// The counter only means something for the service's current MainPID, so it lives under
  /// /run (memory, kept until reboot): a full /var, a common reason for a Java service to
  /// wedge, then cannot stop the watchdog from counting and restarting.
  public static func statePath(for name: String) -> String { "\(runtimeDirectory)/\(name).failcount" }
  public static let runtimeDirectory = "/run/websocket-health-check"
  public static func logPath(for name: String) -> String { "/var/log/websocket-health-check/\(name).log" }

  /// The timer of the template unit that reads `NAME.conf`.
  public static func timer(for name: String) -> UnitName {
    (try? UnitName(validating: "websocket-health-check@\(name).timer")) ?? plainTimer
  }

  /// The timer of the plain unit, which runs the reference's command line.
  public static let plainTimer = try! UnitName(validating: "websocket-health-check.timer")

  /// `DIRECTORY/NAME.conf`, where it exists; else an error that lists the names there are.
  public static func configFile(named name: String, in directory: String) throws(ConfigurationError) -> String {
    let path = "\(directory)/\(name).conf"
    if !name.contains("/"), !name.hasPrefix("."), access(path, F_OK) == 0 { return path }
    let names = (try? drafts(in: directory))?.compactMap {
      $0.configFile.map { TargetDraft.name(configFile: $0, unit: "") }
    }
    let known =
      switch names {
      case nil: "\(directory) cannot be read"
      case let names? where names.isEmpty: "there are none yet: copy example.conf there to NAME.conf"
      case let names?: "targets there: \(names.joined(separator: ", "))"
      }
    throw ConfigurationError(
      "no target named '\(name.prefix(60))' in \(directory) (no \(name.prefix(60)).conf); \(known); or give URI SERVICE, or --config FILE"
    )
  }

  /// One draft per `NAME.conf`, sorted by name.
  public static func drafts(in directory: String) throws(ConfigurationError) -> [TargetDraft] {
    guard let handle = opendir(directory) else {
      throw ConfigurationError(
        "cannot read config directory \(directory): \(String(cString: strerror(errno))); give one with --config-dir, or a target"
      )
    }
    defer { closedir(handle) }
    var names: [String] = []
    while let entry = readdir(handle) {
      let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
      guard name.hasSuffix(".conf"), name != "example.conf", !name.hasPrefix(".") else { continue }
      names.append(String(name.dropLast(5)))
    }
    return names.sorted().map { name in
      var draft = TargetDraft()
      draft.configFile = "\(directory)/\(name).conf"
      return draft
    }
  }
}
