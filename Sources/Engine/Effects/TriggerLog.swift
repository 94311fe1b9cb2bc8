#if canImport(Glibc)
  import Glibc
#endif

/// A problem with the trigger log's path or a line that cannot be written: said on the
/// console; it never holds a due restart back.
public struct TriggerLogError: Error, Sendable, Equatable, CustomStringConvertible {
  public let message: String
  public var description: String { message }
  init(_ message: String) { self.message = message }
}

/// The action log: one line per trigger, `<local time>: <message>`, as the reference writes it.
///
/// Lines are appended with one `write` on an `O_APPEND` descriptor, so lines from the timer
/// and from a dashboard never interleave, and fsynced, because a trigger is rare and the line
/// is what an operator reads the morning after.
public struct TriggerLog: Sendable {
  public let path: String

  public init(path: String) throws(ConfigurationError) {
    guard !path.isEmpty, !path.hasSuffix("/") else {
      throw ConfigurationError(
        "log file '\(path)' is not a file path; give one like /var/log/websocket-health-check/trigger.log")
    }
    self.path = path
  }

  /// Makes sure a line could be appended, without writing one: the directory exists (it is
  /// created if missing) and the file, if present, is a writable regular file, not a link.
  public func prepare() throws(TriggerLogError) {
    let directory = splitPath(path).directory
    if let error = makeDirectories(directory, mode: 0o755) {
      throw TriggerLogError("\(error); choose a --log-file in a directory this user can write")
    }
    let fd = open(path, O_WRONLY | O_APPEND | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
    if fd >= 0 {
      defer { close(fd) }
      try checkRegularFile(fd)
      return
    }
    switch errno {
    case ENOENT:
      guard access(directory, W_OK | X_OK) == 0 else {
        throw TriggerLogError("cannot create log file \(path): \(errnoText()); choose a --log-file this user can write")
      }
    case ELOOP:
      throw TriggerLogError(
        "log file \(path) is a symbolic link; refusing to follow it. Remove it or choose another --log-file")
    default:
      throw TriggerLogError(
        "cannot write log file \(path): \(errnoText()); fix its permissions or choose another --log-file")
    }
  }

  /// Appends `<timestamp>: <message>` and a newline.
  public func append(_ message: String, at time: LocalTimestamp = .now()) throws(TriggerLogError) {
    let fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0o644)
    guard fd >= 0 else {
      if errno == ELOOP {
        throw TriggerLogError(
          "log file \(path) is a symbolic link; refusing to follow it. Remove it or choose another --log-file")
      }
      throw TriggerLogError("cannot write log file \(path): \(errnoText())")
    }
    defer { close(fd) }
    try checkRegularFile(fd)
    let line = "\(time): \(message)\n"
    guard writeAll(fd, Array(line.utf8)) else {
      throw TriggerLogError("cannot write log file \(path): \(errnoText()) (disk full?)")
    }
    fsync(fd)
  }

  private func checkRegularFile(_ fd: Int32) throws(TriggerLogError) {
    var info = stat()
    fstat(fd, &info)
    guard (info.st_mode & S_IFMT) == S_IFREG else {
      throw TriggerLogError("log file \(path) is not a regular file; choose another --log-file")
    }
    // Another name for the same file could be anyone's file: appending would write into it.
    guard info.st_nlink <= 1 else {
      throw TriggerLogError(
        "log file \(path) has \(info.st_nlink) names (hard links), so a line would land in another file too; "
          + "give it its own file (cp \(path) \(path).new && mv \(path).new \(path)) or choose another --log-file")
    }
  }
}
