/// Reads the server's WebSocket frames from a byte stream, tolerantly and in bounded memory.
///
/// The probe judges a service, not the server's manners: what a server does wrong in frames
/// the probe did not ask for (oversized or fragmented control frames, reserved bits, a mask,
/// unknown opcodes, a stray continuation) is skipped, never an error. Frames of any length up
/// to RFC 6455's 2^63 bytes are accepted; payloads the probe does not need are counted past
/// without being kept, and those it needs are kept up to a bound.
struct FrameReader {
  /// What the probe learns from the stream.
  enum Event: Equatable {
    /// A whole text or binary message; `payload` holds at most `messageLimit` bytes of it.
    /// `compressed`: its first frame had RSV1 set, which means permessage-deflate; the probe
    /// never negotiates it, so its payload is not the text it seems.
    case message(isText: Bool, payload: [UInt8], truncated: Bool, compressed: Bool = false)
    case ping([UInt8])
    case pong([UInt8])
    /// A close frame: its code (none when the payload is shorter than two bytes) and reason.
    case close(code: UInt16?, reason: String)
  }

  /// Bytes kept of one data message; the rest is counted past. 1 MiB holds any JSON-RPC reply
  /// a health request gets; larger messages (an edge configuration) are judged by their start.
  static let defaultMessageLimit = 1 << 20
  /// Bytes kept of a control frame's payload; RFC 6455 allows 125, servers sometimes send more.
  static let controlLimit = 4096

  /// Whether data messages are wanted at all; when not, their payloads are not even kept.
  var keepsMessages: Bool
  let messageLimit: Int

  private var header: [UInt8] = []
  private var frame: Frame?
  private var message: PartialMessage?

  private struct Frame {
    var opcode: UInt8
    var fin: Bool
    var rsv1: Bool
    var mask: [UInt8]?
    var remaining: UInt64
    var offset: UInt64 = 0
    var kept: [UInt8] = []
    var limit: Int
  }

  private struct PartialMessage {
    var isText: Bool
    var compressed: Bool
    var payload: [UInt8] = []
    var truncated = false
  }

  init(keepsMessages: Bool, messageLimit: Int = FrameReader.defaultMessageLimit) {
    self.keepsMessages = keepsMessages
    self.messageLimit = messageLimit
  }

  /// Consumes bytes; returns the events they completed, in order.
  mutating func feed(_ bytes: some Collection<UInt8>) -> [Event] {
    var events: [Event] = []
    var index = bytes.startIndex
    while index != bytes.endIndex {
      if frame == nil {
        header.append(bytes[index])
        index = bytes.index(after: index)
        if let parsed = Self.parseHeader(header) {
          header.removeAll(keepingCapacity: true)
          frame = start(parsed)
          if frame!.remaining == 0 { events += finishFrame() }
        }
        continue
      }
      // Payload bytes: keep up to the frame's limit, count past the rest.
      let available = bytes.distance(from: index, to: bytes.endIndex)
      let take = Int(min(UInt64(available), frame!.remaining))
      let end = bytes.index(index, offsetBy: take)
      let room = max(0, frame!.limit - frame!.kept.count)
      if room > 0 {
        let keepEnd = bytes.index(index, offsetBy: min(room, take))
        var chunk = Array(bytes[index..<keepEnd])
        if let mask = frame!.mask {
          for position in chunk.indices {
            chunk[position] ^= mask[Int((frame!.offset + UInt64(position)) % 4)]
          }
        }
        frame!.kept += chunk
      }
      frame!.offset += UInt64(take)
      frame!.remaining -= UInt64(take)
      index = end
      if frame!.remaining == 0 { events += finishFrame() }
    }
    return events
  }

  private struct Header {
    var fin: Bool
    var rsv1: Bool
    var opcode: UInt8
    var mask: [UInt8]?
    var length: UInt64
  }

  /// A header once all its bytes (2 to 14) are there, else `nil`.
  private static func parseHeader(_ bytes: [UInt8]) -> Header? {
    guard bytes.count >= 2 else { return nil }
    let masked = bytes[1] & 0x80 != 0
    let short = UInt64(bytes[1] & 0x7F)
    let lengthBytes = short == 126 ? 2 : short == 127 ? 8 : 0
    let needed = 2 + lengthBytes + (masked ? 4 : 0)
    guard bytes.count >= needed else { return nil }
    var length = short
    if lengthBytes > 0 {
      length = 0
      for byte in bytes[2..<(2 + lengthBytes)] { length = length << 8 | UInt64(byte) }
    }
    let mask = masked ? Array(bytes[(2 + lengthBytes)..<needed]) : nil
    return Header(
      fin: bytes[0] & 0x80 != 0, rsv1: bytes[0] & 0x40 != 0, opcode: bytes[0] & 0x0F, mask: mask, length: length)
  }

  private mutating func start(_ header: Header) -> Frame {
    let limit: Int
    switch header.opcode {
    case 0x8, 0x9, 0xA:
      limit = Self.controlLimit
    case 0x1, 0x2:
      // A new data frame while a message is open: the server interleaved; start afresh.
      message = PartialMessage(isText: header.opcode == 0x1, compressed: header.rsv1)
      limit = keepsMessages ? messageLimit : 0
    case 0x0:
      limit = keepsMessages && message != nil ? max(0, messageLimit - message!.payload.count) : 0
    default:
      limit = 0  // reserved opcodes: skipped
    }
    return Frame(
      opcode: header.opcode, fin: header.fin, rsv1: header.rsv1, mask: header.mask, remaining: header.length,
      limit: limit)
  }

  private mutating func finishFrame() -> [Event] {
    guard let done = frame else { return [] }
    frame = nil
    switch done.opcode {
    case 0x8:
      let code = done.kept.count >= 2 ? UInt16(done.kept[0]) << 8 | UInt16(done.kept[1]) : nil
      let reason = done.kept.count > 2 ? String(decoding: done.kept[2...], as: UTF8.self) : ""
      return [.close(code: code, reason: reason)]
    case 0x9:
      return [.ping(done.kept)]
    case 0xA:
      return [.pong(done.kept)]
    case 0x0, 0x1, 0x2:
      guard message != nil else { return [] }  // a continuation with no message open: skipped
      message!.payload += done.kept
      if done.offset > UInt64(done.kept.count) { message!.truncated = true }
      guard done.fin else { return [] }
      let whole = message!
      message = nil
      guard keepsMessages else { return [] }
      return [
        .message(isText: whole.isText, payload: whole.payload, truncated: whole.truncated, compressed: whole.compressed)
      ]
    default:
      return []
    }
  }
}

/// Client frames as RFC 6455 5.3 wants them: FIN set, masked with a fresh key.
enum ClientFrame {
  static let close: UInt8 = 0x8
  static let ping: UInt8 = 0x9
  static let pong: UInt8 = 0xA
  static let text: UInt8 = 0x1

  static func encode(opcode: UInt8, payload: [UInt8], mask: [UInt8]) -> [UInt8] {
    var bytes: [UInt8] = [0x80 | opcode]
    let count = payload.count
    if count < 126 {
      bytes.append(0x80 | UInt8(count))
    } else if count <= 0xFFFF {
      bytes += [0x80 | 126, UInt8(count >> 8), UInt8(count & 0xFF)]
    } else {
      bytes.append(0x80 | 127)
      for shift in stride(from: 56, through: 0, by: -8) {
        bytes.append(UInt8(truncatingIfNeeded: UInt64(count) >> UInt64(shift)))
      }
    }
    bytes += mask
    for (index, byte) in payload.enumerated() { bytes.append(byte ^ mask[index % 4]) }
    return bytes
  }

  /// Close 1000 "Health check", the reference's words.
  static func closePayload(code: UInt16 = 1000, reason: String = "Health check") -> [UInt8] {
    [UInt8(code >> 8), UInt8(code & 0xFF)] + Array(reason.utf8)
  }
}
