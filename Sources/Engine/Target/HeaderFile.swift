#if canImport(Glibc)
  import Glibc
#endif

/// A file of upgrade-request headers that may hold secrets (OpenEMS's `apikey`): one
/// `Name: value` a line, `#` comments and blank lines skipped.
///
/// Refused when others than its owner may read it, as ssh refuses a readable private key, so
/// a secret is never one `chmod` away from every user. Its values never appear in a message.
public enum HeaderFile {
  public static func read(_ path: String) throws(ConfigurationError) -> [HeaderField] {
    var info = stat()
    guard stat(path, &info) == 0 else {
      throw ConfigurationError("cannot read header file \(path): \(String(cString: strerror(errno)))")
    }
    guard info.st_mode & S_IFMT == S_IFREG else {
      throw ConfigurationError("header file \(path) is not a regular file")
    }
    guard info.st_mode & 0o077 == 0 else {
      let mode = String(info.st_mode & 0o777, radix: 8)
      throw ConfigurationError(
        "header file \(path) can be read by others (mode \(mode)) and may hold secrets: chmod 600 \(path)")
    }
    return try fields(in: try BoundedFile.read(path, limit: 65536, what: "header file"), source: path)
  }

  /// Every `Name: value` line of a header file's text; blank lines and `#` comments skipped.
  static func fields(in text: String, source: String) throws(ConfigurationError) -> [HeaderField] {
    var fields: [HeaderField] = []
    for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
      var line = Substring(rawLine)
      if line.last == "\r" { line = line.dropLast() }
      guard !line.trimmingSpaces.isEmpty, line.trimmingSpaces.first != "#" else { continue }
      fields.append(try field(String(line), isSecret: true, source: "\(source):\(index + 1)"))
    }
    return fields
  }

  /// `Name: value` as a header; a secret's value never appears in the error.
  public static func field(_ line: String, isSecret: Bool, source: String) throws(ConfigurationError) -> HeaderField {
    guard let colon = line.firstIndex(of: ":") else {
      let shown = isSecret ? "" : ", got '\(line.prefix(40))'"
      throw ConfigurationError("\(source): expected 'Name: value'\(shown)")
    }
    return try HeaderField(
      name: String(line[..<colon].trimmingSpaces), value: String(line[line.index(after: colon)...].trimmingSpaces),
      isSecret: isSecret, source: source)
  }
}

/// A small text file read whole, refused past `limit` bytes (a wrong path to a big file should
/// not fill memory) and when it is not UTF-8.
public enum BoundedFile {
  public static func read(_ path: String, limit: Int, what: String) throws(ConfigurationError) -> String {
    let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
    guard fd >= 0 else {
      throw ConfigurationError("cannot read \(what) \(path): \(String(cString: strerror(errno)))")
    }
    defer { close(fd) }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 4096)
    while true {
      let count = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
      if count < 0 {
        throw ConfigurationError("cannot read \(what) \(path): \(String(cString: strerror(errno)))")
      }
      guard count > 0 else { break }
      bytes += chunk[..<count]
      guard bytes.count <= limit else {
        throw ConfigurationError("\(what) \(path) is over \(limit / 1024) kB; is it the right file?")
      }
    }
    guard let text = String(validating: bytes, as: UTF8.self) else {
      throw ConfigurationError("\(what) \(path) is not UTF-8 text")
    }
    return text
  }
}
