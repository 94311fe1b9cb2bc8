import Engine

#if canImport(Glibc)
  import Glibc
#endif

/// Where a check's lines go: errors and warnings to stderr, the rest to stdout, as the
/// journal and a person at a terminal both expect. One `write` per line, unbuffered, so the
/// journal has every line even when the process is cut short.
enum Console {
  static func print(_ line: ConsoleLine) {
    switch line.kind {
    case .error, .warning: write(line.description, to: 2)
    case .info, .watchdog: write(line.description, to: 1)
    }
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
