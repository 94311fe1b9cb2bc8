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
