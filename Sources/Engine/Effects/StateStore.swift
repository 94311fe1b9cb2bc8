#if canImport(Glibc)
  import Glibc
#endif

/// A problem with the state file or its directory. Our error, never the service's: the
/// check stops without restarting anything.
public struct StateFileError: Error, Sendable, Equatable, CustomStringConvertible {
  public let message: String
  public var description: String { message }
  init(_ message: String) { self.message = message }
}

/// The reference's `<pid>:<count>` file, shared safely by the timer, the dashboard and manual runs.
///
/// - Every read-modify-write holds an exclusive `flock` on the state directory, so two
///   checks at once never lose an update.
/// - A write goes to a temp file, is fsynced, then renamed over the old one: a crash leaves
///   the old content or the new, never a torn file.
/// - A symbolic link at the state file's path is refused, never followed, and so is a
///   directory (or a link to one) that belongs to another user or that others can write
///   without the sticky bit: otherwise a local user could make root overwrite any file, the
///   reference's weak spot in `/tmp`.
public struct StateStore: Sendable {
  public let path: String
  private let directory: String
  private let name: String
  /// How long to wait for another check's lock before giving up.
  public var lockTimeout: Duration = .seconds(5)

  public init(path: String) throws(ConfigurationError) {
    guard !path.isEmpty, !path.hasSuffix("/") else {
      throw ConfigurationError(
        "state file '\(path)' is not a file path; give one like /run/websocket-health-check/failcount")
    }
    self.path = path
    (directory, name) = splitPath(path)
    guard name != "." && name != ".." else {
      throw ConfigurationError("state file '\(path)' is not a file path")
    }
  }

  /// What the state file held.
  public enum Content: Sendable, Equatable {
    /// No file: disarmed, as on a first run.
    case missing
    /// A valid `<pid>:<count>`.
    case counter(FailureCounter)
    /// `-1` alone, empty, or not `<pid>:<count>`: disarmed. Holds the text for the warning
    /// (empty and `-1` are written by the reference itself and are not warned about).
    case other(String)

    public var counter: FailureCounter? {
      if case .counter(let counter) = self { return counter }
      return nil
    }

    /// Whether this content deserves a warning: neither missing nor written by a tool.
    public var isGarbage: Bool {
      if case .other(let text) = self { return !(text.isEmpty || text == "-1") }
      return false
    }
  }

  /// Creates the directory if needed and checks that it is safe; takes no lock.
  /// Run it before probing, so a bad path is reported before anything else happens.
  public func prepare() throws(StateFileError) {
    let fd = try openDirectory()
    close(fd)
  }

  /// Reads the state file without locking: for displays only, never to decide.
  public func peek() throws(StateFileError) -> Content {
    let fd = try openDirectory()
    defer { close(fd) }
    return try read(in: fd)
  }

  /// The restart record beside the state file (`failcount.policy`): what the reference does
  /// not know (a pending request, restarts done, the re-arm schedule).
  public var recordPath: String { path + ".policy" }
  /// The directory the state, the record and their lock live in.
  public var directoryPath: String { directory }
  private var recordName: String { name + ".policy" }

  /// What the record file held.
  public enum RecordContent: Sendable, Equatable {
    case missing
    case record(RestartRecord)
    /// Not a record: read as empty, with a warning.
    case garbage(String)

    public var record: RestartRecord? {
      if case .record(let record) = self { return record }
      return nil
    }
  }

  /// Reads the state file and the record without locking, opening the directory once: for
  /// displays that look at many targets often, never to decide.
  public func peekBoth() throws(StateFileError) -> (Content, RecordContent) {
    // A display creates nothing: no directory yet is no state yet.
    guard let fd = try openDirectory(creating: false) else { return (.missing, .missing) }
    defer { close(fd) }
    return (try read(in: fd), try readRecord(in: fd))
  }

  /// Writes what a decision under the lock changed.
  public struct Writer {
    public let counter: (FailureCounter) throws(StateFileError) -> Void
    public let record: (RestartRecord) throws(StateFileError) -> Void
    /// Atomic (rename) but not fsynced: what it holds decides nothing.
    public let lastCheck: (RestartRecord.LastCheck) throws(StateFileError) -> Void
    /// Appended, not fsynced, cut back past its bound: see `CheckHistory`.
    public let history: (CheckHistory.Entry) throws(StateFileError) -> Void
  }

  public var historyPath: String { path + ".history" }
  private var historyName: String { name + ".history" }

  /// The checks the history holds, oldest first; none before the first, or when the file
  /// is not one.
  public func peekHistory() throws(StateFileError) -> [CheckHistory.Entry] {
    guard let fd = try openDirectory(creating: false) else { return [] }
    defer { close(fd) }
    guard let text = try readTail(historyName, shownAs: historyPath, limit: CheckHistory.byteLimit, in: fd) else {
      return []
    }
    return CheckHistory.entries(in: Substring(text))
  }

  public var lastCheckPath: String { path + ".last" }
  private var lastCheckName: String { name + ".last" }

  /// The last check's time and verdict, for `status`; `nil` before the first, or when the file
  /// is not one.
  public func peekLastCheck() throws(StateFileError) -> RestartRecord.LastCheck? {
    // A display creates nothing: no directory yet is no check yet.
    guard let fd = try openDirectory(creating: false) else { return nil }
    defer { close(fd) }
    return try readFile(lastCheckName, shownAs: lastCheckPath, limit: 4096, in: fd).flatMap(
      RestartRecord.LastCheck.init(fileText:))
  }

  /// Runs `body` with the directory locked: read the state file and the restart record,
  /// decide, write, with no one in between.
  public func withLock<T>(_ body: (Content, RecordContent, Writer) throws -> T) throws -> T {
    let fd = try openDirectory()
    defer { close(fd) }
    try lock(fd)
    defer { flock(fd, LOCK_UN) }
    let text = try readText(in: fd)
    let content = Self.content(of: text)
    let record = try readRecord(in: fd)
    let writer = Writer(
      counter: { counter throws(StateFileError) in
        // The same bytes again would change nothing but cost two fsyncs: a healthy check every
        // 15 s, on the SD card or eMMC of a small box. The file stays as it is.
        guard text != counter.fileText else { return }
        try write(counter.fileText, in: fd)
      },
      record: { record throws(StateFileError) in try write(record.fileText, to: recordName, in: fd) },
      lastCheck: { check throws(StateFileError) in try write(check.fileText, to: lastCheckName, in: fd, durable: false)
      },
      history: { entry throws(StateFileError) in try appendHistory(entry.line, in: fd) })
    return try body(content, record, writer)
  }

  // MARK: - Pieces

  private func openDirectory() throws(StateFileError) -> Int32 {
    try openDirectory(creating: true)!
  }

  /// The state directory, checked as safe; created when `creating`, else `nil` when missing.
  private func openDirectory(creating: Bool) throws(StateFileError) -> Int32? {
    if creating, let error = makeDirectories(directory, mode: 0o700) {
      throw StateFileError("\(error); choose a --state-file in a directory this user can write")
    }
    var link = stat()
    if lstat(directory, &link) == 0, (link.st_mode & S_IFMT) == S_IFLNK, !Self.trusted(owner: link.st_uid) {
      throw StateFileError(
        "state directory \(directory) is a symbolic link owned by uid \(link.st_uid); refusing to follow it. Remove it or choose another --state-file"
      )
    }
    let fd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
    guard fd >= 0 else {
      if !creating && errno == ENOENT { return nil }
      throw StateFileError("cannot open state directory \(directory): \(errnoText())")
    }
    var info = stat()
    fstat(fd, &info)
    guard Self.trusted(owner: info.st_uid) else {
      close(fd)
      throw StateFileError(
        "state directory \(directory) belongs to uid \(info.st_uid), not to this user (uid \(effectiveUserID)) or root; someone could plant files there. Remove it or choose another --state-file"
      )
    }
    let othersMayWrite = info.st_mode & (S_IWGRP | S_IWOTH) != 0
    if othersMayWrite && info.st_mode & S_ISVTX == 0 {
      close(fd)
      throw StateFileError(
        "state directory \(directory) is writable by other users without the sticky bit; run chmod go-w \(directory) or choose another --state-file"
      )
    }
    return fd
  }

  private func lock(_ fd: Int32) throws(StateFileError) {
    let giveUp = Moment.now() + lockTimeout  // the boot clock: see ExternalCommand.run
    while flock(fd, LOCK_EX | LOCK_NB) != 0 {
      guard errno == EWOULDBLOCK || errno == EINTR else {
        throw StateFileError("cannot lock state directory \(directory): \(errnoText())")
      }
      guard Moment.now() < giveUp else {
        throw StateFileError(
          "another check has held the lock on \(directory) for over \(DurationText.seconds(lockTimeout)); is one stuck? see `ps aux | grep websocket-health-check`"
        )
      }
      usleep(2_000)
    }
  }

  private static func trusted(owner: uid_t) -> Bool {
    owner == effectiveUserID || owner == 0
  }

  private func read(in directoryFD: Int32) throws(StateFileError) -> Content {
    Self.content(of: try readText(in: directoryFD))
  }

  /// The state file's text; `nil` when there is none.
  private func readText(in directoryFD: Int32) throws(StateFileError) -> String? {
    // A real state file is a few bytes; read a little more to tell a garbage file.
    try readFile(name, shownAs: path, limit: 64, in: directoryFD)
  }

  private static func content(of text: String?) -> Content {
    guard let text else { return .missing }
    if let counter = FailureCounter(fileText: text) { return .counter(counter) }
    return .other(text)
  }

  private func readRecord(in directoryFD: Int32) throws(StateFileError) -> RecordContent {
    // A record is a few hundred bytes; 64 kB tells garbage without reading a huge file.
    guard let text = try readFile(recordName, shownAs: recordPath, limit: 65536, in: directoryFD) else {
      return .missing
    }
    if let record = RestartRecord(fileText: text) { return .record(record) }
    return .garbage(text)
  }

  /// A file of the state directory, at most `limit` bytes of it; `nil` when it is missing.
  private func readFile(_ file: String, shownAs shown: String, limit: Int, in directoryFD: Int32) throws(StateFileError)
    -> String?
  {
    let fd = openat(directoryFD, file, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
    if fd < 0 {
      switch errno {
      case ENOENT: return nil
      case ELOOP:
        throw StateFileError(
          "state file \(shown) is a symbolic link; refusing to follow it (it could make root overwrite another file). Remove it: rm \(shown)"
        )
      default:
        throw StateFileError("cannot read state file \(shown): \(errnoText())")
      }
    }
    defer { close(fd) }
    var info = stat()
    fstat(fd, &info)
    guard (info.st_mode & S_IFMT) == S_IFREG else {
      throw StateFileError("state file \(shown) is not a regular file; remove it or choose another --state-file")
    }
    guard Self.trusted(owner: info.st_uid) else {
      throw StateFileError(
        "state file \(shown) belongs to uid \(info.st_uid), not to this user or root; remove it or choose another --state-file"
      )
    }
    var buffer = [UInt8](repeating: 0, count: limit)
    var count = 0
    while count < limit {
      let got = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress! + count, limit - count) }
      if got < 0 && errno == EINTR { continue }
      guard got >= 0 else { throw StateFileError("cannot read state file \(shown): \(errnoText())") }
      if got == 0 { break }
      count += got
    }
    return String(decoding: buffer[..<count], as: UTF8.self)
  }

  /// Appends a line to the history, under the lock; past its bound the file is replaced by
  /// its newest lines. A file that is not this user's plain, single-named file is left alone.
  private func appendHistory(_ line: String, in directoryFD: Int32) throws(StateFileError) {
    let fd = openat(
      directoryFD, historyName, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0o644)
    guard fd >= 0 else { throw StateFileError("cannot write check history \(historyPath): \(errnoText())") }
    defer { close(fd) }
    var info = stat()
    fstat(fd, &info)
    // A hard link would make us append to another file; a FIFO or device is not a history.
    guard (info.st_mode & S_IFMT) == S_IFREG, info.st_nlink == 1, Self.trusted(owner: info.st_uid) else {
      throw StateFileError("check history \(historyPath) is not a plain file of this user; remove it")
    }
    guard Int(info.st_size) + line.utf8.count > CheckHistory.byteLimit else {
      guard writeAll(fd, Array(line.utf8)) else {
        throw StateFileError("cannot write check history \(historyPath): \(errnoText())")
      }
      return
    }
    let tail =
      try readTail(historyName, shownAs: historyPath, limit: CheckHistory.keptBytes, in: directoryFD) ?? ""
    // The cut lands inside a line: it starts after the first newline.
    let whole = tail.firstIndex(of: "\n").map { tail[tail.index(after: $0)...] } ?? ""
    try write(String(whole) + line, to: historyName, in: directoryFD, durable: false)
  }

  /// The last `limit` bytes of a file of the state directory (from its start when smaller);
  /// `nil` when it is missing.
  private func readTail(_ file: String, shownAs shown: String, limit: Int, in directoryFD: Int32)
    throws(StateFileError) -> String?
  {
    let fd = openat(directoryFD, file, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
    if fd < 0 {
      if errno == ENOENT { return nil }
      throw StateFileError("cannot read \(shown): \(errnoText())")
    }
    defer { close(fd) }
    var info = stat()
    fstat(fd, &info)
    guard (info.st_mode & S_IFMT) == S_IFREG, Self.trusted(owner: info.st_uid) else {
      throw StateFileError("\(shown) is not a regular file of this user; remove it")
    }
    var offset = max(0, Int(info.st_size) - limit)
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 65536)
    while bytes.count < limit {
      let got = chunk.withUnsafeMutableBytes {
        pread(fd, $0.baseAddress, min($0.count, limit - bytes.count), off_t(offset))
      }
      if got < 0 && errno == EINTR { continue }
      guard got > 0 else { break }
      bytes += chunk[..<got]
      offset += got
    }
    return String(decoding: bytes, as: UTF8.self)
  }

  private func write(_ text: String, in directoryFD: Int32) throws(StateFileError) {
    try write(text, to: name, in: directoryFD)
  }

  private func write(_ text: String, to name: String, in directoryFD: Int32, durable: Bool = true)
    throws(StateFileError)
  {
    let path = "\(directory)/\(name)"
    // One name per file, not per process: every write happens under the directory's lock, so
    // a leftover can only be a killed run's, and removing it first means none piles up.
    let temporary = ".\(name).tmp"
    unlinkat(directoryFD, temporary, 0)
    let fd = openat(directoryFD, temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o644)
    guard fd >= 0 else {
      throw StateFileError("cannot write state file \(path): \(errnoText()); check the directory's permissions")
    }
    let ok = writeAll(fd, Array(text.utf8)) && (!durable || fsync(fd) == 0)
    let writeError = errno
    close(fd)
    guard ok else {
      unlinkat(directoryFD, temporary, 0)
      throw StateFileError("cannot write state file \(path): \(errnoText(writeError)) (disk full?)")
    }
    guard renameat(directoryFD, temporary, directoryFD, name) == 0 else {
      let renameError = errno
      unlinkat(directoryFD, temporary, 0)
      throw StateFileError("cannot replace state file \(path): \(errnoText(renameError))")
    }
    // The rename itself must reach the disk too, or a power cut could bring back the old file.
    if durable { fsync(directoryFD) }
  }
}
