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
    // Under systemd a `<4>` prefix gives the line warning priority (sd-daemon(3)), so
    // `journalctl -p warning` shows what a person must act on; on a terminal it would be noise.
    let prefix = line.urgent && isJournal(fd) ? "<4>" : ""
    write(prefix + line.description, to: fd)
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
