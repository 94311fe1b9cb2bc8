/// The HTTP upgrade of RFC 6455 section 4, from the client's side: the request's bytes and the
/// judgement of the server's answer. Pure: no sockets, tested byte for byte.
struct UpgradeHandshake {
  /// A target's upgrade request without its key: the same at every probe, so built once per
  /// target and hop; each probe splices its own key in.
  struct Request: Sendable {
    /// Up to `Sec-WebSocket-Key: `, and from the end of the key's line to the blank line.
    fileprivate let head: [UInt8]
    fileprivate let tail: [UInt8]
    fileprivate let subprotocol: String?
    let port: Int

    init(uri: WebSocketURI, options: ProbeOptions) {
      head = Array(
        ("GET \(uri.requestTarget) HTTP/1.1\r\nHost: \(uri.hostHeader)\r\n"
          + "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ").utf8)
      var text = "\r\nSec-WebSocket-Version: 13\r\n"
      if let subprotocol = options.subprotocol { text += "Sec-WebSocket-Protocol: \(subprotocol)\r\n" }
      if let origin = options.origin { text += "Origin: \(origin)\r\n" }
      text += "User-Agent: websocket-health-check\r\n"
      for field in options.headers { text += "\(field.name): \(field.value)\r\n" }
      tail = Array((text + "\r\n").utf8)
      subprotocol = options.subprotocol
      port = uri.port
    }
  }

  /// The base64 of 16 random bytes, sent as `Sec-WebSocket-Key`.
  private let keyText: [UInt8]
  let request: [UInt8]
  private let subprotocol: String?

  init(uri: WebSocketURI, options: ProbeOptions, keyBytes: [UInt8]) {
    self.init(request: Request(uri: uri, options: options), keyBytes: keyBytes)
  }

  init(request template: Request, keyBytes: [UInt8]) {
    keyText = AcceptKey.base64(keyBytes)
    var request: [UInt8] = []
    request.reserveCapacity(template.head.count + keyText.count + template.tail.count)
    request += template.head
    request += keyText
    request += template.tail
    self.request = request
    subprotocol = template.subprotocol
  }

  var key: String { String(decoding: keyText, as: UTF8.self) }

  /// What the server's answer means for the probe.
  enum Verdict: Equatable {
    case upgraded
    case redirect(location: String)
    case failed(ProbeFailure)
  }

  func judge(_ head: ResponseHead) -> Verdict {
    switch head.status {
    case 101:
      guard head.hasToken("websocket", in: "upgrade") else {
        return .failed(.notWebSocketUpgrade(missing: "Upgrade: websocket"))
      }
      guard head.hasToken("upgrade", in: "connection") else {
        return .failed(.notWebSocketUpgrade(missing: "Connection: Upgrade"))
      }
      guard head.value("sec-websocket-accept", is: AcceptKey.expected(forKey: keyText)) else {
        return .failed(.badAcceptKey)
      }
      if let chosen = head.value("sec-websocket-protocol"), chosen != subprotocol {
        let asked = subprotocol.map { "'\($0)'" } ?? "none"
        return .failed(
          .protocolViolation(detail: "the server chose subprotocol '\(chosen)' but we asked for \(asked)"))
      }
      return .upgraded
    case 301, 302, 303, 307, 308:
      guard let location = head.value("location"), !location.isEmpty else {
        return .failed(.httpStatus(code: head.status, reason: head.reason))
      }
      return .redirect(location: location)
    default:
      return .failed(.httpStatus(code: head.status, reason: head.reason))
    }
  }
}

/// The status line and header fields of an HTTP response, found in one pass over the bytes
/// that came: a field becomes text only when it is asked for (a probe a second per target
/// adds up, and a healthy answer needs none of them as text).
struct ResponseHead: Equatable {
  var status: Int
  /// The reader's bytes; the head is the part before the blank line.
  private let bytes: [UInt8]
  private let reasonRange: Range<Int>
  /// Each field line's name and value (without the white space around them), in order.
  private let fieldRanges: [(name: Range<Int>, value: Range<Int>)]

  /// `nil` when `bytes[..<end]` does not start with an HTTP/1.x status line. A line that is not
  /// a field is skipped, as lenient clients do.
  fileprivate init?(_ bytes: [UInt8], end: Int) {
    self.bytes = bytes
    var fields: [(name: Range<Int>, value: Range<Int>)] = []
    let statusLine: (status: Int, reason: Range<Int>)? = bytes.withUnsafeBufferPointer { bytes in
      let lineEnd = Self.lineEnd(in: bytes, from: 0, before: end)
      guard lineEnd >= 12, Self.starts(bytes, at: 0, with: "HTTP/1."),
        let firstSpace = Self.index(of: 32, in: bytes, 0..<lineEnd)
      else { return nil }
      let codeStart = firstSpace + 1
      let codeEnd = Self.index(of: 32, in: bytes, codeStart..<lineEnd) ?? lineEnd
      guard codeEnd - codeStart == 3, (codeStart..<codeEnd).allSatisfy({ (48...57).contains(bytes[$0]) }) else {
        return nil
      }
      let status = (codeStart..<codeEnd).reduce(0) { $0 * 10 + Int(bytes[$1] - 48) }
      var start = lineEnd + 2
      while start < end {
        let fieldEnd = Self.lineEnd(in: bytes, from: start, before: end)
        if let colon = Self.index(of: 58, in: bytes, start..<fieldEnd) {
          fields.append((Self.trimmed(bytes, start..<colon), Self.trimmed(bytes, (colon + 1)..<fieldEnd)))
        }
        start = fieldEnd + 2
      }
      return (status, codeEnd < lineEnd ? (codeEnd + 1)..<lineEnd : lineEnd..<lineEnd)
    }
    guard let statusLine else { return nil }
    status = statusLine.status
    reasonRange = statusLine.reason
    fieldRanges = fields
  }

  var reason: String { String(decoding: bytes[reasonRange], as: UTF8.self) }

  /// Every `Name: value` line, as text (for tests and messages).
  var fields: [(name: String, value: String)] {
    fieldRanges.map {
      (String(decoding: bytes[$0.name], as: UTF8.self), String(decoding: bytes[$0.value], as: UTF8.self))
    }
  }

  /// The first field of that name (case-insensitive), without the optional white space around
  /// it that HTTP allows (RFC 9110 5.5).
  func value(_ name: StaticString) -> String? {
    firstValue(named: name).map { String(decoding: bytes[$0], as: UTF8.self) }
  }

  /// Whether the first field of that name holds exactly `expected`.
  func value(_ name: StaticString, is expected: [UInt8]) -> Bool {
    guard let range = firstValue(named: name) else { return false }
    return bytes[range].elementsEqual(expected)
  }

  /// Whether any field of that name lists `token` (lower-case ASCII) among its comma-separated
  /// tokens, in any case.
  func hasToken(_ token: StaticString, in name: StaticString) -> Bool {
    bytes.withUnsafeBufferPointer { bytes in
      for field in fieldRanges where Self.isNamed(bytes, field.name, name) {
        var start = field.value.lowerBound
        while start <= field.value.upperBound {
          let end = Self.index(of: 44, in: bytes, start..<field.value.upperBound) ?? field.value.upperBound
          if Self.isNamed(bytes, Self.trimmed(bytes, start..<end), token) { return true }
          start = end + 1
        }
      }
      return false
    }
  }

  private func firstValue(named name: StaticString) -> Range<Int>? {
    bytes.withUnsafeBufferPointer { bytes in
      fieldRanges.first { Self.isNamed(bytes, $0.name, name) }?.value
    }
  }

  /// The index of the next CRLF at or after `start`, or `end`.
  private static func lineEnd(in bytes: UnsafeBufferPointer<UInt8>, from start: Int, before end: Int) -> Int {
    var index = start
    while index + 1 < end {
      if bytes[index] == 13, bytes[index + 1] == 10 { return index }
      index += 1
    }
    return end
  }

  private static func index(of byte: UInt8, in bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Int? {
    range.first { bytes[$0] == byte }
  }

  private static func starts(_ bytes: UnsafeBufferPointer<UInt8>, at start: Int, with prefix: StaticString) -> Bool {
    prefix.withUTF8Buffer { prefix in
      (0..<prefix.count).allSatisfy { bytes[start + $0] == prefix[$0] }
    }
  }

  /// Without the spaces and tabs around it.
  private static func trimmed(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Range<Int> {
    var (lower, upper) = (range.lowerBound, range.upperBound)
    while lower < upper, bytes[lower] == 32 || bytes[lower] == 9 { lower += 1 }
    while upper > lower, bytes[upper - 1] == 32 || bytes[upper - 1] == 9 { upper -= 1 }
    return lower..<upper
  }

  /// Whether `bytes[range]` is `lowercased`, in any case (field names and tokens are ASCII).
  private static func isNamed(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, _ lowercased: StaticString)
    -> Bool
  {
    lowercased.withUTF8Buffer { name in
      guard range.count == name.count else { return false }
      for offset in 0..<name.count {
        let byte = bytes[range.lowerBound + offset]
        if (byte >= 65 && byte <= 90 ? byte + 32 : byte) != name[offset] { return false }
      }
      return true
    }
  }

  static func == (lhs: ResponseHead, rhs: ResponseHead) -> Bool {
    lhs.status == rhs.status && lhs.reason == rhs.reason
      && lhs.fields.elementsEqual(rhs.fields) { $0.name == $1.name && $0.value == $1.value }
  }
}

/// Collects the response head up to the blank line, in bounded memory.
struct ResponseHeadReader {
  /// nginx's default for response headers is 4–8 kB and Python's websockets refuses lines over
  /// 8 kB; 64 kB is ample for any real server and bounds a hostile one.
  static let limit = 64 * 1024

  enum Outcome: Equatable {
    case needMore
    /// The head, and the bytes after it (the first frames, when the server was quick).
    case head(ResponseHead, rest: [UInt8])
    case failed(ProbeFailure)
  }

  private var buffer: [UInt8] = []

  mutating func feed(_ bytes: some Collection<UInt8>) -> Outcome {
    let searchFrom = max(0, buffer.count - 3)
    buffer += bytes
    guard let end = Self.blankLine(in: buffer, from: searchFrom) else {
      if buffer.count > Self.limit {
        return .failed(.protocolViolation(detail: "the upgrade response's headers go on past 64 kB"))
      }
      if buffer.count >= 5, !buffer.starts(with: "HTTP/".utf8) {
        return .failed(Self.notHTTP(buffer))
      }
      return .needMore
    }
    guard end <= Self.limit else {
      return .failed(.protocolViolation(detail: "the upgrade response's headers go on past 64 kB"))
    }
    let rest = Array(buffer[(end + 4)...])
    guard let head = ResponseHead(buffer, end: end) else { return .failed(Self.notHTTP(buffer)) }
    return .head(head, rest: rest)
  }

  /// Where the first CR LF CR LF at or after `start` begins.
  static func blankLine(in bytes: [UInt8], from start: Int) -> Int? {
    bytes.withUnsafeBufferPointer { bytes in
      var index = max(0, start)
      while index + 3 < bytes.count {
        let last = bytes[index + 3]
        // A byte that is neither CR nor LF cannot be in the four: skip past it.
        if last != 10, last != 13 {
          index += 4
          continue
        }
        if last == 10, bytes[index] == 13, bytes[index + 1] == 10, bytes[index + 2] == 13 { return index }
        index += 1
      }
      return nil
    }
  }

  private static func notHTTP(_ bytes: [UInt8]) -> ProbeFailure {
    // A TLS record (an alert, 0x15 0x03 …) in answer to plain HTTP: this port speaks TLS.
    if bytes.count >= 2, bytes[0] == 0x15 || bytes[0] == 0x16, bytes[1] == 0x03 {
      return .protocolViolation(detail: "the server answered in TLS: this port wants wss://, not ws://")
    }
    return .protocolViolation(
      detail: "the upgrade response is not HTTP (it starts '\(UntrustedText.shown(bytes: bytes.prefix(40)))')")
  }
}
