import Engine

#if canImport(Glibc)
  import Glibc
#endif

/// Whether a config directory's targets changed: a `NAME.conf` added, removed, renamed or
/// written. A look is one `readdir` and a `stat` a file, every two seconds: cheaper than the
/// state files the dashboard already follows, and needing nothing inotify would (a watch
/// descriptor per directory, limits per user).
struct ConfigDirectoryWatch {
  let directory: String
  private var last: [String: FileIdentity]

  struct FileIdentity: Equatable {
    var inode: UInt
    var size: Int
    var modified: Int
  }

  init(directory: String) {
    self.directory = directory
    last = Self.look(at: directory)
  }

  /// Looks again; whether anything changed since the last look.
  mutating func changed() -> Bool {
    let now = Self.look(at: directory)
    defer { last = now }
    return now != last
  }

  private static func look(at directory: String) -> [String: FileIdentity] {
    guard let handle = opendir(directory) else { return [:] }
    defer { closedir(handle) }
    var files: [String: FileIdentity] = [:]
    while let entry = readdir(handle) {
      let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
      guard name.hasSuffix(".conf"), name != "example.conf", !name.hasPrefix(".") else { continue }
      var info = stat()
      guard stat("\(directory)/\(name)", &info) == 0 else { continue }
      files[name] = FileIdentity(
        inode: UInt(info.st_ino), size: Int(info.st_size),
        modified: Int(info.st_mtim.tv_sec) * 1_000_000_000 + Int(info.st_mtim.tv_nsec))
    }
    return files
  }
}
