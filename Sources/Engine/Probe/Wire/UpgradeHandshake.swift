/// The HTTP upgrade of RFC 6455 section 4, from the client's side: the request's bytes and the
/// judgement of the server's answer. Pure: no sockets, tested byte for byte.
struct UpgradeHandshake {
  /// The base64 of 16 random bytes, sent as `Sec-WebSocket-Key`.
  let key: String
  let request: [UInt8]
  private let expectedAccept: String
  private let subprotocol: String?

  init(uri: WebSocketURI, options: ProbeOptions, keyBytes: [UInt8]) {
    key = AcceptKey.base64(keyBytes)
    expectedAccept = AcceptKey.expected(for: key)
    subprotocol = options.subprotocol
    var text = "GET \(uri.requestTarget) HTTP/1.1\r\nHost: \(uri.hostHeader)\r\nUpgrade: websocket\r\n"
    text += "Connection: Upgrade\r\nSec-WebSocket-Key: \(key)\r\nSec-WebSocket-Version: 13\r\n"
    if let subprotocol = options.subprotocol { text += "Sec-WebSocket-Protocol: \(subprotocol)\r\n" }
    if let origin = options.origin { text += "Origin: \(origin)\r\n" }
    text += "User-Agent: websocket-health-check\r\n"
    for field in options.headers { text += "\(field.name): \(field.value)\r\n" }
    request = Array((text + "\r\n").utf8)
  }

  /// What the server's answer means for the probe.
  enum Verdict: Equatable {
    case upgraded
    case redirect(location: String)
    case failed(ProbeFailure)
  }

  func judge(_ head: ResponseHead) -> Verdict {
    switch head.status {
    case 101:
      guard head.tokens("upgrade").contains("websocket") else {
        return .failed(.notWebSocketUpgrade(missing: "Upgrade: websocket"))
      }
      guard head.tokens("connection").contains("upgrade") else {
        return .failed(.notWebSocketUpgrade(missing: "Connection: Upgrade"))
      }
      guard head.value("sec-websocket-accept") == expectedAccept else { return .failed(.badAcceptKey) }
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

/// The status line and header fields of an HTTP response.
struct ResponseHead: Equatable {
  var status: Int
  var reason: String
  var fields: [(name: String, value: String)]

  /// The first field of that name (case-insensitive), without the optional white space around
  /// it that HTTP allows (RFC 9110 5.5).
  func value(_ name: String) -> String? {
    fields.first { Self.isNamed($0.name, name) }?.value
  }

  /// The comma-separated tokens of every field of that name, lower-cased.
  func tokens(_ name: String) -> [String] {
    fields.filter { Self.isNamed($0.name, name) }
      .flatMap { $0.value.split(separator: ",") }
      .map { String($0.trimmingSpaces).lowercased() }
  }

  /// Whether a field's name is `lowercased`, in any case (field names are ASCII tokens).
  private static func isNamed(_ name: String, _ lowercased: String) -> Bool {
    name.utf8.elementsEqual(lowercased.utf8) { ($0 >= 65 && $0 <= 90 ? $0 + 32 : $0) == $1 }
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
      if buffer.count >= 5, !buffer.starts(with: Array("HTTP/".utf8)) {
        return .failed(Self.notHTTP(buffer))
      }
      return .needMore
    }
    guard end <= Self.limit else {
      return .failed(.protocolViolation(detail: "the upgrade response's headers go on past 64 kB"))
    }
    let rest = Array(buffer[(end + 4)...])
    guard let head = Self.parse(buffer[..<end]) else { return .failed(Self.notHTTP(buffer)) }
    return .head(head, rest: rest)
  }

  private static func blankLine(in bytes: [UInt8], from start: Int) -> Int? {
    guard bytes.count >= 4 else { return nil }
    var index = start
    while index + 3 < bytes.count {
      if bytes[index] == 13, bytes[index + 1] == 10, bytes[index + 2] == 13, bytes[index + 3] == 10 {
        return index
      }
      index += 1
    }
    return nil
  }

  private static func notHTTP(_ bytes: [UInt8]) -> ProbeFailure {
    // A TLS record (an alert, 0x15 0x03 …) in answer to plain HTTP: this port speaks TLS.
    if bytes.count >= 2, bytes[0] == 0x15 || bytes[0] == 0x16, bytes[1] == 0x03 {
      return .protocolViolation(detail: "the server answered in TLS: this port wants wss://, not ws://")
    }
    return .protocolViolation(
      detail: "the upgrade response is not HTTP (it starts '\(UntrustedText.shown(bytes: bytes.prefix(40)))')")
  }

  /// `HTTP/1.1 101 Switching Protocols` and `Name: value` lines; `nil` when it is not HTTP.
  /// Works on the bytes (a probe a second per target adds up); only names and values become
  /// text.
  private static func parse(_ bytes: ArraySlice<UInt8>) -> ResponseHead? {
    var lines = bytes.crlfLines()[...]
    guard let statusLine = lines.popFirst(), statusLine.starts(with: "HTTP/1.".utf8) else { return nil }
    let parts = statusLine.split(separator: space, maxSplits: 2, omittingEmptySubsequences: false)
    guard parts.count >= 2, parts[1].count == 3, parts[1].allSatisfy({ (48...57).contains($0) }) else { return nil }
    let status = parts[1].reduce(0) { $0 * 10 + Int($1 - 48) }
    let reason = parts.count == 3 ? String(decoding: parts[2], as: UTF8.self) : ""
    var fields: [(name: String, value: String)] = []
    for line in lines {
      // A line that is not a field is skipped, as lenient clients do.
      guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else { continue }
      fields.append((text(line[..<colon]), text(line[(colon + 1)...])))
    }
    return ResponseHead(status: status, reason: reason, fields: fields)
  }

  private static let space = UInt8(ascii: " ")

  /// The bytes as text, without the spaces and tabs around them.
  private static func text(_ bytes: ArraySlice<UInt8>) -> String {
    let isBlank = { (byte: UInt8) in byte == 32 || byte == 9 }
    guard let first = bytes.firstIndex(where: { !isBlank($0) }), let last = bytes.lastIndex(where: { !isBlank($0) })
    else { return "" }
    return String(decoding: bytes[first...last], as: UTF8.self)
  }
}

extension ArraySlice<UInt8> {
  /// The CRLF-separated lines, empty ones included.
  fileprivate func crlfLines() -> [ArraySlice<UInt8>] {
    var lines: [ArraySlice<UInt8>] = []
    var start = startIndex
    var index = startIndex
    while index + 1 < endIndex {
      if self[index] == 13, self[index + 1] == 10 {
        lines.append(self[start..<index])
        index += 2
        start = index
      } else {
        index += 1
      }
    }
    lines.append(self[start...])
    return lines
  }
}
