/// What a probe sent and what came back, as the incident report shows it: the upgrade request
/// and the server's answer as text lines, each WebSocket frame as one line (`→ text frame, 62
/// bytes: {"jsonrpc"…`), server text shown safe, bounded both in bytes kept and in lines.
///
/// Kept only where asked (`ProbeOptions.recordsExchange`: the check, whose one probe may be
/// the one a restart follows), never by the dashboard's probes every second.
public struct ProbeExchange: Sendable, Equatable {
  /// Bytes kept each way: an upgrade and a few frames.
  public static let limit = 4096

  public private(set) var sent: [[UInt8]] = []
  /// What came back, one piece per connection (a redirect starts another).
  public private(set) var received: [[UInt8]] = [[]]
  /// Bytes past the limits, each way.
  public private(set) var sentLeftOut = 0
  public private(set) var receivedLeftOut = 0
  /// Header-file values, shown as `(secret)` wherever they appear.
  var secrets: [String] = []

  public init() {}

  mutating func send(_ bytes: [UInt8]) {
    let room = Self.limit - sent.reduce(0) { $0 + $1.count }
    if room > 0 { sent.append(Array(bytes.prefix(room))) }
    sentLeftOut += max(0, bytes.count - max(0, room))
  }

  mutating func receive(_ bytes: UnsafeRawBufferPointer) {
    let room = Self.limit - received.reduce(0) { $0 + $1.count }
    if room > 0 { received[received.count - 1] += bytes.prefix(room) }
    receivedLeftOut += max(0, bytes.count - max(0, room))
  }

  /// A redirect: the next request goes on a new connection.
  mutating func nextConnection() { received.append([]) }

  /// The exchange as lines, `→` ours and `←` the server's, with `secrets` (and the probe's
  /// header-file values) shown as `(secret)`.
  public func lines(redacting extra: [String] = []) -> [String] {
    let secrets = self.secrets + extra
    var lines: [String] = []
    var answers = received.makeIterator()
    func answer() {
      guard let bytes = answers.next() else { return }
      guard !bytes.isEmpty else {
        lines.append("← (nothing came back)")
        return
      }
      guard let end = Self.endOfHead(bytes) else {
        lines += Self.head(bytes).map { "← " + $0 }
        return
      }
      let head = Self.head(Array(bytes[..<end]))
      lines += head.map { "← " + $0 }
      // After a 101 come frames; after any other answer, its body.
      if head.first?.contains(" 101 ") == true {
        lines += Self.frames(Array(bytes[end...])).map { "← " + $0 }
      } else if end < bytes.count {
        lines.append("← (a body of \(bytes.count - end) bytes)")
      }
    }
    for (index, chunk) in sent.enumerated() {
      if chunk.starts(with: Array("GET ".utf8)) {
        // A request opens a connection: what came back on the one before goes first.
        if index > 0 { answer() }
        lines += Self.head(chunk).map { "→ " + $0 }
      } else {
        lines += Self.frames(chunk).map { "→ " + $0 }
      }
    }
    if sentLeftOut > 0 { lines.append("→ (\(sentLeftOut) more bytes sent, not kept)") }
    answer()
    if receivedLeftOut > 0 { lines.append("← (\(receivedLeftOut) more bytes received, not kept)") }
    return lines.map { line in
      secrets.reduce(line) { text, secret in text.replacing(secret, with: "(secret)") }
    }
  }

  /// Where an HTTP head ends (after its blank line), if it does.
  static func endOfHead(_ bytes: [UInt8]) -> Int? {
    guard bytes.count >= 4 else { return nil }
    for index in 0...(bytes.count - 4)
    where bytes[index] == 13 && bytes[index + 1] == 10 && bytes[index + 2] == 13 && bytes[index + 3] == 10 {
      return index + 4
    }
    return nil
  }

  /// An HTTP head's lines, each shown safe.
  static func head(_ bytes: [UInt8]) -> [String] {
    String(decoding: bytes, as: UTF8.self).split(separator: "\r\n", omittingEmptySubsequences: true)
      .map { UntrustedText.shown($0) }
  }

  /// WebSocket frames, one line each: the kind, the length and, for text and close, what it
  /// says; a frame cut by the limit says so.
  static func frames(_ bytes: [UInt8]) -> [String] {
    var lines: [String] = []
    var index = 0
    while index + 2 <= bytes.count {
      let opcode = bytes[index] & 0x0F
      var length = Int(bytes[index + 1] & 0x7F)
      let hasMask = bytes[index + 1] & 0x80 != 0
      var header = 2
      if length == 126, index + 4 <= bytes.count {
        length = Int(bytes[index + 2]) << 8 | Int(bytes[index + 3])
        header = 4
      } else if length == 127, index + 10 <= bytes.count {
        length = (0..<8).reduce(0) { $0 << 8 | Int(bytes[index + 2 + $1]) }
        header = 10
      }
      let maskStart = index + header
      if hasMask { header += 4 }
      let start = index + header
      let end = min(bytes.count, start + max(0, length))
      var payload = start < end ? Array(bytes[start..<end]) : []
      if hasMask, maskStart + 4 <= bytes.count {
        let key = Array(bytes[maskStart..<(maskStart + 4)])
        for offset in payload.indices { payload[offset] ^= key[offset % 4] }
      }
      let kind: String =
        switch opcode {
        case 0: "continuation frame"
        case 1: "text frame"
        case 2: "binary frame"
        case 8: "close frame"
        case 9: "ping"
        case 10: "pong"
        default: "frame with opcode \(opcode)"
        }
      var line = "\(kind), \(length) bytes"
      if opcode == 1 || opcode == 0 {
        line += ": " + UntrustedText.shown(bytes: payload)
      } else if opcode == 8, payload.count >= 2 {
        let code = Int(payload[0]) << 8 | Int(payload[1])
        line += ": code \(code)" + (payload.count > 2 ? " " + UntrustedText.shown(bytes: payload.dropFirst(2)) : "")
      }
      if start + length > bytes.count { line += " (cut: the rest was not kept)" }
      lines.append(line)
      index = start + max(0, length)
    }
    if index < bytes.count && lines.isEmpty { lines.append("\(bytes.count - index) bytes that are no frame") }
    return lines
  }
}
