#if canImport(Glibc)
  import Glibc
#endif

/// What `stat` says of a file, to tell whether it must be read again: a dashboard looks at a
/// hundred targets' files every two seconds, and the timers write them every fifteen.
struct FileIdentity: Equatable {
  var device: UInt
  var inode: UInt
  var size: Int
  var modified: Int
  /// Status changes too (a chmod that makes the file unreadable).
  var changed: Int
  /// Changed less than two seconds ago: a second change within the file system's clock step
  /// could leave all of the above as they are, so such a file is read again anyway.
  var isRecent: Bool

  /// The file at `path` now; `nil` when there is none.
  static func of(_ path: String) -> FileIdentity? {
    var info = stat()
    guard stat(path, &info) == 0 else { return nil }
    var clock = timespec()
    clock_gettime(CLOCK_REALTIME, &clock)
    return FileIdentity(
      device: UInt(info.st_dev), inode: UInt(info.st_ino), size: Int(info.st_size),
      modified: Int(info.st_mtim.tv_nsec) + Int(info.st_mtim.tv_sec) * 1_000_000_000,
      changed: Int(info.st_ctim.tv_nsec) + Int(info.st_ctim.tv_sec) * 1_000_000_000,
      isRecent: Int(clock.tv_sec) - Int(max(info.st_mtim.tv_sec, info.st_ctim.tv_sec)) < 2)
  }

  /// Whether a file read when it was `before` must be read again now: it came, went or
  /// changed, or changed too recently to tell.
  static func mustReadAgain(_ now: FileIdentity?, since before: FileIdentity?) -> Bool {
    now != before || now?.isRecent == true
  }
}

/// One file followed by `stat`: whether it must be read, the first time and each time it changed.
struct FileWatch {
  /// What the last look saw; `nil` before the first look (`.some(nil)`: there was no file).
  private var seen: FileIdentity??

  /// Whether the file at `path` must be read now; remembers what it saw for the next look.
  mutating func mustRead(_ path: String) -> Bool {
    let now = FileIdentity.of(path)
    defer { seen = .some(now) }
    guard case .some(let before) = seen else { return true }
    return FileIdentity.mustReadAgain(now, since: before)
  }
}
