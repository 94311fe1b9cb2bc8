import Engine

#if canImport(Glibc)
  import Glibc
#endif

/// Where a check's lines go: errors and warnings to stderr, the rest to stdout, as the
/// journal and a person at a terminal both expect. One `write` per line, unbuffered, so the
/// journal has every line even when the process is cut short.
enum Console {
  static func print(_ line: ConsoleLine) {
    let fd: Int32 =
      switch line.kind {
      case .error, .warning: 2
      case .info, .watchdog: 1
      }
    // Under systemd a `<N>` prefix gives the line its priority (sd-daemon(3)): on a terminal
    // it would be noise. `journalctl -p warning` shows what a person must act on; every line
    // of ours is at least notice, so the shipped units' LogLevelMax=notice keeps them and
    // drops only systemd's own info lines about each run (Starting…, Finished…).
    let prefix = isJournal(fd) ? "<\(priority(of: line))>" : ""
    write(prefix + line.description, to: fd)
  }

  /// syslog's levels: 3 error, 4 warning, 5 notice.
  static func priority(of line: ConsoleLine) -> Int {
    if line.urgent { return 4 }
    switch line.kind {
    case .error: return 3
    case .warning: return 4
    case .info, .watchdog: return 5
    }
  }

  /// Whether `fd` is the journal's stream: systemd says which in `JOURNAL_STREAM` (device:inode).
  static func isJournal(_ fd: Int32) -> Bool {
    guard let value = getenv("JOURNAL_STREAM") else { return false }
    var info = stat()
    guard fstat(fd, &info) == 0 else { return false }
    return String(cString: value) == "\(info.st_dev):\(info.st_ino)"
  }

  static func write(_ text: String, to fd: Int32) {
    var bytes = Array(text.utf8)
    if bytes.last != UInt8(ascii: "\n") { bytes.append(UInt8(ascii: "\n")) }
    var offset = 0
    while offset < bytes.count {
      let written = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + offset, $0.count - offset) }
      if written <= 0 {
        if written < 0 && errno == EINTR { continue }
        return
      }
      offset += written
    }
  }
}
