#if canImport(Glibc)
  import Glibc
#endif

/// A target's settings in a file, one per watched service: what the template unit
/// `websocket-health-check@NAME` reads from `/etc/websocket-health-check/NAME.conf`.
///
/// ```
/// # OpenEMS Edge UI API
/// uri = ws://localhost:8085/websocket
/// unit = openems.service
/// threshold = 6
/// mode = auto          # or dry-run
/// timeout = 10
/// ```
///
/// Keys are the command line's option names; options given on the command line win. A
/// mistake names the file, the line and the key, and stops the check before it probes.
public struct TargetConfigFile: Sendable, Equatable {
  public static let keys = ["uri", "unit", "threshold", "mode", "timeout", "state-file", "log-file", "ca-file"]

  public var uri: String?
  public var unit: String?
  public var threshold: Int?
  public var mode: RestartMode?
  public var timeout: Double?
  public var stateFile: String?
  public var logFile: String?
  public var caFile: String?

  public init() {}

  /// Reads and parses `path`.
  public init(contentsOf path: String) throws(ConfigurationError) {
    let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
    guard fd >= 0 else {
      throw ConfigurationError("cannot read config file \(path): \(String(cString: strerror(errno)))")
    }
    defer { close(fd) }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 4096)
    while true {
      let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
      guard count > 0 else { break }
      bytes += chunk[..<count]
      guard bytes.count <= 65536 else {
        throw ConfigurationError("config file \(path) is over 64 kB; is it the right file?")
      }
    }
    try self.init(parsing: String(decoding: bytes, as: UTF8.self), path: path)
  }

  /// Parses the text of a config file; `path` only names it in messages.
  public init(parsing text: String, path: String) throws(ConfigurationError) {
    var seen: Set<String> = []
    for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
      let location = "\(path):\(index + 1)"
      var line = Substring(rawLine)
      if let hash = line.firstIndex(of: "#") { line = line[..<hash] }
      line = line.trimmingSpaces
      guard !line.isEmpty else { continue }
      guard let equals = line.firstIndex(of: "=") else {
        throw ConfigurationError("\(location): expected 'key = value', got '\(line)'")
      }
      let key = String(line[..<equals].trimmingSpaces)
      let value = String(line[line.index(after: equals)...].trimmingSpaces.trimmingQuotes)
      guard Self.keys.contains(key) else {
        throw ConfigurationError("\(location): unknown key '\(key)'; known keys: \(Self.keys.joined(separator: ", "))")
      }
      guard seen.insert(key).inserted else {
        throw ConfigurationError("\(location): key '\(key)' is set twice; keep one")
      }
      guard !value.isEmpty else {
        throw ConfigurationError("\(location): key '\(key)' has no value")
      }
      switch key {
      case "uri": uri = value
      case "unit": unit = value
      case "threshold":
        guard let number = Int(value) else {
          throw ConfigurationError("\(location): threshold '\(value)' is not a whole number")
        }
        threshold = number
      case "mode":
        guard let parsed = RestartMode(rawValue: value) else {
          throw ConfigurationError("\(location): mode '\(value)' is not one of: auto, dry-run")
        }
        mode = parsed
      case "timeout":
        guard let seconds = Double(value) else {
          throw ConfigurationError("\(location): timeout '\(value)' is not a number of seconds")
        }
        timeout = seconds
      case "state-file": stateFile = value
      case "log-file": logFile = value
      default: caFile = value
      }
    }
  }
}

extension Substring {
  /// `"value"` or `'value'` without the quotes, as systemd's environment files allow.
  fileprivate var trimmingQuotes: Substring {
    guard count >= 2, let first, first == "\"" || first == "'", last == first else { return self }
    return dropFirst().dropLast()
  }
}
