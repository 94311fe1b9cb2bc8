#if canImport(Glibc)
  import Glibc
#endif

/// The probe's random bytes (the handshake's key, the ping's payload, each frame's mask) from
/// one `getrandom` call of 64 bytes instead of one call per eight: a probe of the dashboard's
/// with a ping draws five times, a hundred targets a second. The kernel's generator, as
/// `SystemRandomNumberGenerator`'s; only the calls are fewer.
struct ProbeEntropy: RandomNumberGenerator {
  private var words = [UInt64](repeating: 0, count: 8)
  private var taken = 8

  mutating func next() -> UInt64 {
    if taken == words.count { refill() }
    defer { taken += 1 }
    return words[taken]
  }

  private mutating func refill() {
    let size = words.count * MemoryLayout<UInt64>.size
    let filled = words.withUnsafeMutableBytes { Self.getrandom($0.baseAddress!, size, 0) }
    if filled != size {
      // Interrupted or an old kernel: the standard library's way, which cannot fail.
      var system = SystemRandomNumberGenerator()
      for index in words.indices { words[index] = system.next() }
    }
    taken = 0
  }

  // glibc's getrandom(2) wrapper, which Swift's Glibc module does not import; pointer and
  // integers only, so Swift's convention passes them as C's does.
  @_silgen_name("getrandom")
  private static func getrandom(_ buffer: UnsafeMutableRawPointer, _ length: Int, _ flags: UInt32) -> Int
}
