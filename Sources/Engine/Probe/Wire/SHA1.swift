/// SHA-1 and base64, only for `Sec-WebSocket-Accept` (RFC 6455 4.2.2), where the protocol
/// fixes the hash; nothing here is used for security.
///
/// Every probe computes one, so both work on fixed buffers: no growing arrays, no text until
/// a test asks for it.
enum AcceptKey {
  static let guid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

  /// The `Sec-WebSocket-Accept` value a server must answer to `key`.
  static func expected(for key: String) -> String {
    String(decoding: expected(forKey: Array(key.utf8)), as: UTF8.self)
  }

  /// The same for a key given as its base64 bytes, as bytes: what the server's field is
  /// compared with.
  static func expected(forKey key: [UInt8]) -> [UInt8] {
    var message = key
    message.append(contentsOf: guid.utf8)
    return base64(sha1(message))
  }

  static func sha1(_ message: [UInt8]) -> [UInt8] {
    var h: (UInt32, UInt32, UInt32, UInt32, UInt32) = (0x6745_2301, 0xEFCD_AB89, 0x98BA_DCFE, 0x1032_5476, 0xC3D2_E1F0)
    // The message, 0x80, zeros, and its length in bits: a whole number of 64-byte blocks.
    let length = (message.count + 8) / 64 * 64 + 64
    withUnsafeTemporaryAllocation(of: UInt8.self, capacity: length) { padded in
      padded.initialize(repeating: 0)
      message.withUnsafeBufferPointer { source in
        for index in source.indices { padded[index] = source[index] }
      }
      padded[message.count] = 0x80
      let bits = UInt64(message.count) * 8
      for index in 0..<8 { padded[length - 1 - index] = UInt8(truncatingIfNeeded: bits >> UInt64(index * 8)) }
      withUnsafeTemporaryAllocation(of: UInt32.self, capacity: 80) { w in
        for chunk in stride(from: 0, to: length, by: 64) {
          for i in 0..<16 {
            let b = chunk + i * 4
            w[i] =
              UInt32(padded[b]) << 24 | UInt32(padded[b + 1]) << 16 | UInt32(padded[b + 2]) << 8
              | UInt32(padded[b + 3])
          }
          for i in 16..<80 {
            let x = w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16]
            w[i] = x << 1 | x >> 31
          }
          var (a, b, c, d, e) = h
          // The four kinds of round, twenty each, in their own loops: no choice per round.
          func round(_ f: UInt32, _ k: UInt32, _ word: UInt32) {
            let temp = (a << 5 | a >> 27) &+ f &+ e &+ k &+ word
            (e, d, c, b, a) = (d, c, b << 30 | b >> 2, a, temp)
          }
          for i in 0..<20 { round((b & c) | (~b & d), 0x5A82_7999, w[i]) }
          for i in 20..<40 { round(b ^ c ^ d, 0x6ED9_EBA1, w[i]) }
          for i in 40..<60 { round((b & c) | (b & d) | (c & d), 0x8F1B_BCDC, w[i]) }
          for i in 60..<80 { round(b ^ c ^ d, 0xCA62_C1D6, w[i]) }
          h = (h.0 &+ a, h.1 &+ b, h.2 &+ c, h.3 &+ d, h.4 &+ e)
        }
      }
    }
    // Five words, big-endian, laid out one after the other: the 20-byte digest.
    return withUnsafeBytes(of: (h.0.bigEndian, h.1.bigEndian, h.2.bigEndian, h.3.bigEndian, h.4.bigEndian)) {
      Array($0)
    }
  }

  /// Base64 (RFC 4648, with padding) as ASCII bytes.
  static func base64(_ bytes: [UInt8]) -> [UInt8] {
    let length = (bytes.count + 2) / 3 * 4
    return [UInt8](unsafeUninitializedCapacity: length) { out, count in
      var index = 0
      var written = 0
      while index < bytes.count {
        let taken = min(3, bytes.count - index)
        var value = UInt32(bytes[index]) << 16
        if taken > 1 { value |= UInt32(bytes[index + 1]) << 8 }
        if taken > 2 { value |= UInt32(bytes[index + 2]) }
        for position in 0..<4 {
          out[written + position] =
            position <= taken ? digit(UInt8(truncatingIfNeeded: value >> UInt32(18 - position * 6)) & 0x3F) : 61
        }
        written += 4
        index += 3
      }
      count = written
    }
  }

  /// The base64 alphabet's character for a six-bit value.
  private static func digit(_ value: UInt8) -> UInt8 {
    switch value {
    case 0..<26: 65 + value
    case 26..<52: 97 + value - 26
    case 52..<62: 48 + value - 52
    case 62: 43
    default: 47
    }
  }
}
