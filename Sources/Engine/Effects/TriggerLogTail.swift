#if canImport(Glibc)
  import Glibc
#endif

/// The last lines of the trigger log, read from the end of the file.
///
/// It reads backwards in blocks until it has enough lines, so showing the tail of a 1 GB log
/// costs what it costs for a 1 kB one.
public struct TriggerLogTail: Sendable {
  public let path: String
  /// Bytes read per step backwards.
  static let block = 8192

  public init(path: String) {
    self.path = path
  }

  /// Up to `count` last lines, oldest first. A missing file has no lines.
  public func lastLines(_ count: Int) throws(TriggerLogError) -> [String] {
    let fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
    guard fd >= 0 else {
      if errno == ENOENT { return [] }
      throw TriggerLogError("cannot read log file \(path): \(errnoText())")
    }
    defer { close(fd) }
    var info = stat()
    fstat(fd, &info)
    return Self.lastLines(count, fd: fd, size: Int(info.st_size))
  }

  /// The last `count` lines of the first `size` bytes of `fd`.
  static func lastLines(_ count: Int, fd: Int32, size: Int) -> [String] {
    guard count > 0, size > 0 else { return [] }
    var end = size
    var tail: [UInt8] = []
    var newlines = 0
    // One more newline than lines wanted: the one before the first line we keep.
    while end > 0 && newlines <= count {
      let start = max(0, end - block)
      var chunk = [UInt8](repeating: 0, count: end - start)
      let read = chunk.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, off_t(start)) }
      guard read > 0 else { break }
      chunk.removeLast(chunk.count - read)
      newlines += chunk.lazy.filter { $0 == UInt8(ascii: "\n") }.count
      tail = chunk + tail
      end = start
    }
    var lines = tail.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
    if lines.last?.isEmpty == true { lines.removeLast() }
    if end > 0 && !lines.isEmpty { lines.removeFirst() }  // may be cut in the middle
    return lines.suffix(count).map { String(decoding: $0, as: UTF8.self) }
  }
}
