import NIOPosix

#if canImport(Glibc)
  import Glibc
#endif

/// The probe's random bytes (the handshake's key, the ping's payload, each frame's mask) from
/// the kernel's generator, as `SystemRandomNumberGenerator`'s, but drawn 4 KiB at a time into
/// a buffer of the thread's: a probe of the dashboard's with a ping draws five words, a hundred
/// targets a second, and one `getrandom` call then serves about a hundred probes instead of one.
/// A word is handed out once and never again.
struct ProbeEntropy: RandomNumberGenerator {
  private let pool = EntropyPool.ofThisThread

  mutating func next() -> UInt64 {
    pool.next()
  }
}

/// One thread's buffer of the kernel's random words. Only its thread reaches it: through the
/// thread-specific variable, and through the `ProbeEntropy` of a conversation, which lives on
/// the event loop that made it.
final class EntropyPool: @unchecked Sendable {
  private static let perThread = ThreadSpecificVariable<EntropyPool>()
  static let words = 512

  private let buffer = UnsafeMutableBufferPointer<UInt64>.allocate(capacity: words)
  private var taken = words

  static var ofThisThread: EntropyPool {
    if let pool = perThread.currentValue { return pool }
    let pool = EntropyPool()
    perThread.currentValue = pool
    return pool
  }

  deinit { buffer.deallocate() }

  func next() -> UInt64 {
    if taken == buffer.count { refill() }
    defer { taken += 1 }
    return buffer[taken]
  }

  private func refill() {
    let size = buffer.count * MemoryLayout<UInt64>.size
    if Self.getrandom(UnsafeMutableRawPointer(buffer.baseAddress!), size, 0) != size {
      // Interrupted, or an old kernel: the standard library's way, which cannot fail.
      var system = SystemRandomNumberGenerator()
      for index in buffer.indices { buffer[index] = system.next() }
    }
    taken = 0
  }

  // glibc's getrandom(2) wrapper, which Swift's Glibc module does not import; pointer and
  // integers only, so Swift's convention passes them as C's does.
  @_silgen_name("getrandom")
  private static func getrandom(_ buffer: UnsafeMutableRawPointer, _ length: Int, _ flags: UInt32) -> Int
}
