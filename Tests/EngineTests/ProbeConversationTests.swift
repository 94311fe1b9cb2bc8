import NIOCore
import NIOPosix
import NIOSSL
import Testing

@testable import Engine

#if canImport(Glibc)
  import Glibc
#endif

/// A repeatable "random" source, so that keys, masks and ids are the same on every run.
struct CountingRandom: RandomNumberGenerator {
  var state: UInt64 = 0x9E37_79B9_7F4A_7C15
  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
}

/// Server bytes, as a server writes them (unmasked unless asked).
enum ServerBytes {
  static func frame(_ opcode: UInt8, _ payload: [UInt8], fin: Bool = true, mask: [UInt8]? = nil) -> [UInt8] {
    var bytes: [UInt8] = [(fin ? 0x80 : 0) | opcode]
    let maskBit: UInt8 = mask == nil ? 0 : 0x80
    if payload.count < 126 {
      bytes.append(maskBit | UInt8(payload.count))
    } else if payload.count <= 0xFFFF {
      bytes += [maskBit | 126, UInt8(payload.count >> 8), UInt8(payload.count & 0xFF)]
    } else {
      bytes.append(maskBit | 127)
      for shift in stride(from: 56, through: 0, by: -8) {
        bytes.append(UInt8(truncatingIfNeeded: payload.count >> shift))
      }
    }
    if let mask {
      bytes += mask
      bytes += payload.enumerated().map { $0.element ^ mask[$0.offset % 4] }
    } else {
      bytes += payload
    }
    return bytes
  }

  static func text(_ string: String) -> [UInt8] { frame(0x1, Array(string.utf8)) }
  static func close(_ code: UInt16?, _ reason: String = "") -> [UInt8] {
    frame(0x8, code.map { [UInt8($0 >> 8), UInt8($0 & 0xFF)] + Array(reason.utf8) } ?? [])
  }

  static func upgrade(key: String, extra: String = "") -> [UInt8] {
    Array(
      ("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        + "Sec-WebSocket-Accept: \(AcceptKey.expected(for: key))\r\n\(extra)\r\n").utf8)
  }
}

/// What a client frame says, unmasked: for checking what the probe sent.
func clientFrame(_ bytes: [UInt8]) -> (opcode: UInt8, payload: [UInt8], masked: Bool)? {
  guard bytes.count >= 2 else { return nil }
  var length = Int(bytes[1] & 0x7F)
  var offset = 2
  if length == 126 {
    length = Int(bytes[2]) << 8 | Int(bytes[3])
    offset = 4
  }
  let masked = bytes[1] & 0x80 != 0
  let mask = masked ? Array(bytes[offset..<(offset + 4)]) : [0, 0, 0, 0]
  offset += masked ? 4 : 0
  let payload = bytes[offset..<(offset + length)].enumerated().map { $0.element ^ mask[$0.offset % 4] }
  return (bytes[0] & 0x0F, payload, masked)
}

@Suite struct UpgradeRequestTests {
  @Test func requestIsByteForByteWhatRFC6455AndTheOptionsSay() throws {
    let uri = try WebSocketURI(parsing: "ws://box.local:8085/websocket?x=1")
    let header = try HeaderField(name: "apikey", value: "secret", isSecret: true, source: "test")
    let options = ProbeOptions(headers: [header], subprotocol: "json", origin: "https://ui.example")
    let handshake = UpgradeHandshake(uri: uri, options: options, keyBytes: Array(0..<16))
    #expect(handshake.key == "AAECAwQFBgcICQoLDA0ODw==")
    let expected =
      "GET /websocket?x=1 HTTP/1.1\r\nHost: box.local:8085\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
      + "Sec-WebSocket-Key: AAECAwQFBgcICQoLDA0ODw==\r\nSec-WebSocket-Version: 13\r\n"
      + "Sec-WebSocket-Protocol: json\r\nOrigin: https://ui.example\r\nUser-Agent: websocket-health-check\r\n"
      + "apikey: secret\r\n\r\n"
    #expect(String(decoding: handshake.request, as: UTF8.self) == expected)
    #expect(!String(decoding: handshake.request, as: UTF8.self).lowercased().contains("content-length"))
  }

  /// RFC 6455 4.2.2's own example.
  @Test func acceptKeyMatchesTheRFCsExample() {
    #expect(AcceptKey.expected(for: "dGhlIHNhbXBsZSBub25jZQ==") == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=")
  }

  /// FIPS 180's and RFC 4648's own vectors, and the lengths where SHA-1's padding takes a
  /// second block (55 bytes fit one, 56 do not).
  @Test(arguments: [
    ("", "da39a3ee5e6b4b0d3255bfef95601890afd80709"),
    ("abc", "a9993e364706816aba3e25717850c26c9cd0d89d"),
    ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", "84983e441c3bd26ebaae4aa1f95129e5e54670f1"),
    (String(repeating: "a", count: 55), "c1c8bbdc22796e28c0e15163d20899b65621d65a"),
    (String(repeating: "a", count: 56), "c2db330f6083854c99d4b5bfb6e8f29f201be699"),
    (String(repeating: "a", count: 64), "0098ba824b5c16427bd7a1122a5a442a25ec644d"),
  ])
  func sha1MatchesTheStandardsVectors(message: String, digest: String) {
    let hex = AcceptKey.sha1(Array(message.utf8)).map { String($0, radix: 16) }.map { $0.count == 1 ? "0" + $0 : $0 }
    #expect(hex.joined() == digest)
  }

  @Test(arguments: [
    ("", ""), ("f", "Zg=="), ("fo", "Zm8="), ("foo", "Zm9v"), ("foob", "Zm9vYg=="), ("foobar", "Zm9vYmFy"),
  ])
  func base64MatchesRFC4648(bytes: String, text: String) {
    #expect(String(decoding: AcceptKey.base64(Array(bytes.utf8)), as: UTF8.self) == text)
  }

  @Test func base64UsesTheWholeAlphabet() {
    // 0b000000 000001 … 111111: every six-bit value once, in order.
    var bits: [Bool] = []
    for value in 0..<64 { for shift in (0..<6).reversed() { bits.append(value >> shift & 1 == 1) } }
    let bytes = stride(from: 0, to: bits.count, by: 8).map { start in
      bits[start..<(start + 8)].reduce(UInt8(0)) { $0 << 1 | ($1 ? 1 : 0) }
    }
    #expect(
      String(decoding: AcceptKey.base64(bytes), as: UTF8.self)
        == "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")
  }

  @Test func aRedirectHopsRequestNamesTheNewPlace() throws {
    let options = ProbeOptions(subprotocol: "json")
    let first = UpgradeHandshake(
      uri: try WebSocketURI(parsing: "ws://a:1/x"), options: options, keyBytes: Array(0..<16))
    let next = UpgradeHandshake(
      request: .init(uri: try WebSocketURI(parsing: "ws://b/y"), options: options), keyBytes: Array(0..<16))
    let text = String(decoding: next.request, as: UTF8.self)
    #expect(text.hasPrefix("GET /y HTTP/1.1\r\nHost: b\r\n"))
    #expect(text.contains("Sec-WebSocket-Key: AAECAwQFBgcICQoLDA0ODw==\r\nSec-WebSocket-Version: 13\r\n"))
    #expect(text.hasSuffix("Sec-WebSocket-Protocol: json\r\nUser-Agent: websocket-health-check\r\n\r\n"))
    #expect(first.request != next.request)
  }

  static let key = "AAECAwQFBgcICQoLDA0ODw=="
  static let accept = AcceptKey.expected(for: key)

  @Test(arguments: [
    (
      "101", "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: \(accept)",
      UpgradeHandshake.Verdict.upgraded
    ),
    ("101", "upgrade: WebSocket\r\nconnection: keep-alive, Upgrade\r\nsec-websocket-accept:\t\(accept) \t", .upgraded),
    (
      "101",
      "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: \(accept)\r\nSec-WebSocket-Protocol: json",
      .failed(.protocolViolation(detail: "the server chose subprotocol 'json' but we asked for none"))
    ),
    (
      "101", "Connection: Upgrade\r\nSec-WebSocket-Accept: \(accept)",
      .failed(.notWebSocketUpgrade(missing: "Upgrade: websocket"))
    ),
    (
      "101", "Upgrade: websocket\r\nSec-WebSocket-Accept: \(accept)",
      .failed(.notWebSocketUpgrade(missing: "Connection: Upgrade"))
    ),
    ("101", "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: bm9wZQ==", .failed(.badAcceptKey)),
    (
      "101", "UPGRADE: websocket\r\nnot a field\r\nCONNECTION: upgrade\r\nSEC-WEBSOCKET-ACCEPT: \(accept)",
      .upgraded
    ),
    ("302", "Location: /other", .redirect(location: "/other")),
    ("301", "Location:  ws://elsewhere:1/ ", .redirect(location: "ws://elsewhere:1/")),
    ("302", "Content-Length: 0", .failed(.httpStatus(code: 302, reason: "Reason"))),
    ("503", "Content-Length: 0", .failed(.httpStatus(code: 503, reason: "Reason"))),
  ])
  func judgesTheAnswer(status: String, fields: String, verdict: UpgradeHandshake.Verdict) throws {
    let handshake = UpgradeHandshake(
      uri: try WebSocketURI(parsing: "ws://h/"), options: ProbeOptions(), keyBytes: Array(0..<16))
    var reader = ResponseHeadReader()
    let bytes = Array("HTTP/1.1 \(status) Reason\r\n\(fields)\r\n\r\n".utf8)
    guard case .head(let head, let rest) = reader.feed(bytes) else {
      Issue.record("no head")
      return
    }
    #expect(rest.isEmpty)
    #expect(handshake.judge(head) == verdict)
  }

  @Test(arguments: [
    ("Upgrade: websocket", true),
    ("Upgrade:websocket", true),
    ("Upgrade: \tWebSocket \t", true),
    ("Upgrade: h2c, websocket", true),
    ("Upgrade: websocket,", true),
    ("Upgrade: h2c\r\nUpgrade: websocket", true),
    ("Upgrade: ,, websocket ,", true),
    ("Upgrade: websocketx", false),
    ("Upgrade: web socket", false),
    ("Upgrade: h2c; websocket", false),
    ("X-Upgrade: websocket", false),
    ("Upgrade:", false),
    ("Upgrade websocket", false),
  ])
  func aTokenIsOneOfTheCommaSeparatedValuesOfAnyFieldOfThatName(fields: String, found: Bool) throws {
    var reader = ResponseHeadReader()
    guard case .head(let head, _) = reader.feed(Array("HTTP/1.1 101 OK\r\n\(fields)\r\n\r\n".utf8)) else {
      Issue.record("no head")
      return
    }
    #expect(head.hasToken("websocket", in: "upgrade") == found)
  }

  @Test func fieldsAreReadWhereTheyLie() {
    var reader = ResponseHeadReader()
    let bytes = Array("HTTP/1.1 101 Switching Protocols\r\nA: 1\r\nnot a field\r\nB:  two words \r\nA: 3\r\n\r\n".utf8)
    guard case .head(let head, _) = reader.feed(bytes) else {
      Issue.record("no head")
      return
    }
    #expect(head.reason == "Switching Protocols")
    #expect(head.fields.map(\.name) == ["A", "B", "A"])
    #expect(head.fields.map(\.value) == ["1", "two words", "3"])
    #expect(head.value("a") == "1" && head.value("b") == "two words" && head.value("c") == nil)
    #expect(head.value("b", is: Array("two words".utf8)) && !head.value("a", is: Array("3".utf8)))
  }

  @Test(arguments: [
    ("SSH-2.0-OpenSSH_9.2\r\n", "the upgrade response is not HTTP (it starts 'SSH-2.0-OpenSSH_9.2^M^J')"),
    ("HTTP/1.1 abc\r\n\r\n", "the upgrade response is not HTTP (it starts 'HTTP/1.1 abc^M^J^M^J')"),
    ("HTTP/1.1 +12 x\r\n\r\n", "the upgrade response is not HTTP (it starts 'HTTP/1.1 +12 x^M^J^M^J')"),
  ])
  func notHTTPIsSaidSo(text: String, detail: String) {
    var reader = ResponseHeadReader()
    #expect(reader.feed(Array(text.utf8)) == .failed(.protocolViolation(detail: detail)))
  }

  @Test func aStatusLineWithoutReasonIsHTTP() {
    var reader = ResponseHeadReader()
    guard case .head(let head, _) = reader.feed(Array("HTTP/1.1 503\r\nX: y\r\n\r\n".utf8)) else {
      Issue.record("no head")
      return
    }
    #expect(head.status == 503 && head.reason.isEmpty && head.value("x") == "y")
  }

  @Test func endlessHeadersStopAt64kB() {
    var reader = ResponseHeadReader()
    #expect(reader.feed(Array("HTTP/1.1 101 OK\r\n".utf8)) == .needMore)
    var outcome = ResponseHeadReader.Outcome.needMore
    for _ in 0..<100 where outcome == .needMore {
      outcome = reader.feed(Array("X-Filler: \(String(repeating: "a", count: 1000))\r\n".utf8))
    }
    #expect(outcome == .failed(.protocolViolation(detail: "the upgrade response's headers go on past 64 kB")))
  }

  @Test func headArrivingByteByByteKeepsWhatFollows() {
    var reader = ResponseHeadReader()
    let bytes = Array("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n".utf8) + [0x81, 0x00]
    var outcome = ResponseHeadReader.Outcome.needMore
    for byte in bytes.dropLast(2) { outcome = reader.feed([byte]) }
    guard case .head(let head, let rest) = outcome else {
      Issue.record("no head: \(outcome)")
      return
    }
    #expect(head.status == 101 && rest.isEmpty)
    var again = ResponseHeadReader()
    guard case .head(_, let leftover) = again.feed(bytes) else { return }
    #expect(leftover == [0x81, 0x00])
  }
}

/// The end of a response head: the first CR LF CR LF, however the bytes around it fall.
@Suite struct BlankLineTests {
  @Test(arguments: [
    ("at the start", "\r\n\r\nrest", 0, 0),
    ("after a line", "HTTP/1.1 101 X\r\n\r\n", 0, 14),
    ("after lone CRs and LFs", "a\r\rb\n\nc\r\n\r\n", 0, 7),
    ("a CR before the four", "abc\r\r\n\r\n", 0, 4),
    ("an LF before the four", "abc\n\r\n\r\n", 0, 4),
    ("at every alignment", "x\r\n\r\n", 0, 1),
    ("two places on", "xy\r\n\r\n", 0, 2),
    ("three places on", "xyz\r\n\r\n", 0, 3),
    ("only the first", "ab\r\n\r\ncd\r\n\r\n", 0, 2),
    ("searched from later", "ab\r\n\r\ncd\r\n\r\n", 3, 8),
    ("a line break alone", "ab\r\ncd\r\n", 0, -1),
    ("three of the four", "ab\r\n\r", 0, -1),
    ("LF LF", "ab\n\ncd", 0, -1),
    ("too short", "\r\n", 0, -1),
  ])
  func findsTheFirstBlankLine(name: String, text: String, from: Int, at: Int) {
    #expect(ResponseHeadReader.blankLine(in: Array(text.utf8), from: from) == (at < 0 ? nil : at), "\(name)")
  }
}

@Suite struct FrameReaderTests {
  @Test func aTextFrameIsAMessage() {
    var reader = FrameReader(keepsMessages: true)
    #expect(
      reader.feed(ServerBytes.text("hi")) == [.message(isText: true, payload: Array("hi".utf8), truncated: false)])
  }

  @Test func byteByByteIsTheSameAsAllAtOnce() {
    let stream =
      ServerBytes.text("one") + ServerBytes.frame(0x9, [1, 2]) + ServerBytes.frame(0x2, Array(repeating: 7, count: 300))
      + ServerBytes.close(1000, "bye")
    var whole = FrameReader(keepsMessages: true)
    var trickled = FrameReader(keepsMessages: true)
    let all = whole.feed(stream)
    let pieces = stream.flatMap { trickled.feed([$0]) }
    #expect(all == pieces)
    #expect(all.count == 4)
    #expect(all.last == .close(code: 1000, reason: "bye"))
  }

  /// RFC 6455 allows frames far beyond 64 KiB, and Java-WebSocket sends a message as one frame.
  @Test func aFrameOver64KiBIsReadAndKeptOnlyUpToTheBound() {
    var reader = FrameReader(keepsMessages: true, messageLimit: 1000)
    let big = ServerBytes.frame(0x1, Array(repeating: UInt8(ascii: "x"), count: 1 << 20))
    let events = reader.feed(big) + reader.feed(ServerBytes.text("after"))
    #expect(events.count == 2)
    guard case .message(_, let payload, let truncated, _) = events[0] else { return }
    #expect(payload.count == 1000)
    #expect(truncated)
    #expect(events[1] == .message(isText: true, payload: Array("after".utf8), truncated: false))
  }

  @Test func messagesNotWantedAreCountedPastWithoutKeeping() {
    var reader = FrameReader(keepsMessages: false)
    let events = reader.feed(ServerBytes.frame(0x2, Array(repeating: 1, count: 70000)) + ServerBytes.frame(0xA, [9]))
    #expect(events == [.pong([9])])
  }

  @Test func fragmentsMakeOneMessage() {
    var reader = FrameReader(keepsMessages: true)
    let stream =
      ServerBytes.frame(0x1, Array("he".utf8), fin: false) + ServerBytes.frame(0x9, [5])
      + ServerBytes.frame(0x0, Array("llo".utf8))
    #expect(
      reader.feed(stream) == [.ping([5]), .message(isText: true, payload: Array("hello".utf8), truncated: false)])
  }

  /// What servers should not send but do, and what keeps no probe from its answer.
  @Test func serverManners() {
    var reader = FrameReader(keepsMessages: true)
    let oversizedPing = ServerBytes.frame(0x9, Array(repeating: 3, count: 200))
    let fragmentedPing = ServerBytes.frame(0x9, [4], fin: false)
    let masked = ServerBytes.frame(0x1, Array("masked".utf8), mask: [1, 2, 3, 4])
    let reserved = [0xF3, 0x01, 0xAA] as [UInt8]  // RSV bits and opcode 3, one byte of payload
    let strayContinuation = ServerBytes.frame(0x0, [1, 2, 3])
    let events = reader.feed(oversizedPing + fragmentedPing + masked + reserved + strayContinuation)
    #expect(
      events == [
        .ping(Array(repeating: 3, count: 200)), .ping([4]),
        .message(isText: true, payload: Array("masked".utf8), truncated: false),
      ])
  }

  @Test func closeFramesGiveTheirCode() {
    var reader = FrameReader(keepsMessages: false)
    #expect(reader.feed(ServerBytes.close(1011, "boom")) == [.close(code: 1011, reason: "boom")])
    #expect(reader.feed(ServerBytes.close(nil)) == [.close(code: nil, reason: "")])
  }
}

@Suite struct JSONTests {
  @Test(arguments: [
    (#"{"a":[1,-2.5e3,true,false,null],"b":{"c":"d\"\\\/\u0041\n"}}"#, true),
    (#"  "x"  "#, true),
    (#"{"a":1,}"#, false),
    (#"{"a"}"#, false),
    (#"[1 2]"#, false),
    (#""unterminated"#, false),
    ("{\"ctl\":\"a\u{1}b\"}", false),
    (#"{}x"#, false),
  ])
  func parsesJSONAndRefusesWhatIsNot(text: String, valid: Bool) {
    #expect((JSONValue.parse(Array(text.utf8)) != nil) == valid)
  }

  @Test func escapesAreDecoded() {
    #expect(JSONValue.parse(Array(#""a\u0041\"b""#.utf8)) == .string("aA\"b"))
  }

  @Test func deepNestingIsRefusedNotRecursedInto() {
    let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
    #expect(JSONValue.parse(Array(deep.utf8)) == nil)
    let fine = String(repeating: "[", count: 60) + String(repeating: "]", count: 60)
    #expect(JSONValue.parse(Array(fine.utf8)) != nil)
  }

  static let id = "6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b"

  @Test(arguments: [
    (
      #"{"jsonrpc":"2.0","id":"\#(id)","error":{"code":1,"message":"Endpoint with method \"websocketHealthCheck\" is not defined!","data":[]}}"#,
      JSONRPCExchange.Reply?.some(
        .error(code: "1", message: #"Endpoint with method "websocketHealthCheck" is not defined!"#))
    ),
    (
      #"{"jsonrpc":"2.0","id":"\#(id)","error":{"code":1001,"message":"User is not authenticated"}}"#,
      .error(code: "1001", message: "User is not authenticated")
    ),
    (#"{"jsonrpc":"2.0","id":"\#(id)","result":{}}"#, .result),
    (#"{"jsonrpc":"2.0","method":"edgeConfig","params":{"components":{}}}"#, nil),
    (#"{"jsonrpc":"2.0","id":"00000000-0000-4000-8000-000000000000","result":{}}"#, nil),
    (#"{"jsonrpc":"2.0","id":"\#(id)"}"#, nil),
    (#"not json"#, nil),
  ])
  func repliesAreMatchedByID(text: String, reply: JSONRPCExchange.Reply?) {
    #expect(JSONRPCExchange(id: Self.id, method: "subscribeEdges").reply(in: Array(text.utf8)) == reply)
  }

  @Test func requestIsWhatOpenEMSTakesForARequest() throws {
    let exchange = JSONRPCExchange(id: JSONRPCExchange.uuid(from: Array(0..<16)), method: "subscribeEdges")
    #expect(exchange.id == "00010203-0405-4607-8809-0a0b0c0d0e0f")
    let request = try #require(JSONValue.parse(Array(exchange.request.utf8)))
    #expect(request["jsonrpc"] == .string("2.0"))
    #expect(request["id"] == .string(exchange.id))
    #expect(request["method"] == .string("subscribeEdges"))
    #expect(request["params"] == .object([]))
  }
}

@Suite struct ProbeConversationTests {
  typealias Conversation = ProbeConversation<CountingRandom>

  func conversation(_ depth: ProbeDepth = .handshake) throws -> Conversation {
    Conversation(
      uri: try WebSocketURI(parsing: "ws://h/"), options: ProbeOptions(depth: depth), random: CountingRandom())
  }

  /// The frames an action list sends, decoded.
  func sent(_ actions: [Conversation.Action]) -> [(opcode: UInt8, payload: [UInt8])] {
    actions.compactMap {
      guard case .send(let bytes) = $0, let frame = clientFrame(bytes) else { return nil }
      #expect(frame.masked, "a client must mask its frames (RFC 6455 5.3)")
      return (frame.opcode, frame.payload)
    }
  }

  @Test func handshakeOnlyIsTheReferencesProbe() throws {
    var talk = try conversation()
    guard case .send(let request) = try #require(talk.start().first) else {
      Issue.record("the first action is not a send")
      return
    }
    #expect(String(decoding: request, as: UTF8.self).contains("Sec-WebSocket-Key: \(talk.key)\r\n"))
    let upgraded = talk.receive(ServerBytes.upgrade(key: talk.key))
    #expect(upgraded.first == .finished(.upgrade))
    let frames = sent(upgraded)
    #expect(frames.count == 1)
    #expect(frames[0].opcode == 0x8)
    #expect(frames[0].payload == [0x03, 0xE8] + Array("Health check".utf8))
    #expect(talk.phase == .close)
    #expect(talk.receive(ServerBytes.close(1000)) == [.finished(.close), .succeed])
  }

  @Test func pingWantsItsOwnPong() throws {
    var talk = try conversation(.ping)
    _ = talk.start()
    let upgraded = talk.receive(ServerBytes.upgrade(key: talk.key))
    let ping = try #require(sent(upgraded).first)
    // Four bytes: a server whose buffer is short (libwebsockets, 10 bytes) still pongs it whole.
    #expect(ping.opcode == 0x9 && ping.payload.count == 4)
    #expect(talk.phase == .ping)
    #expect(talk.receive(ServerBytes.frame(0xA, [1, 2, 3])).isEmpty, "a pong for another ping does not count")
    let ponged = talk.receive(ServerBytes.frame(0xA, ping.payload))
    #expect(ponged.first == .finished(.ping))
    #expect(sent(ponged).map(\.opcode) == [0x8])
  }

  @Test func openEMSSkipsNotificationsAndOtherIDsAndTakesAnErrorReplyAsProof() throws {
    var talk = try conversation(.openEMS(.edge, assumed: false))
    _ = talk.start()
    let request = try #require(sent(talk.receive(ServerBytes.upgrade(key: talk.key))).first)
    #expect(request.opcode == 0x1)
    let json = try #require(JSONValue.parse(request.payload))
    #expect(json["id"] == .string(talk.requestID))
    #expect(talk.phase == .reply)
    #expect(talk.receive(ServerBytes.text(#"{"jsonrpc":"2.0","method":"edgeConfig","params":{}}"#)).isEmpty)
    #expect(talk.receive(ServerBytes.text(#"{"jsonrpc":"2.0","id":"other","result":{}}"#)).isEmpty)
    let reply = talk.receive(
      ServerBytes.text(
        #"{"jsonrpc":"2.0","id":"\#(talk.requestID)","error":{"code":1001,"message":"User is not authenticated"}}"#))
    #expect(
      reply.prefix(2) == [.note(.jsonRPCError(code: "1001", message: "User is not authenticated")), .finished(.reply)])
    #expect(sent(reply).map(\.opcode) == [0x8])
  }

  /// OpenEMS pushes notifications to every connection; a storm of them before the reply, in
  /// one read or spread over many, neither hides the reply nor piles up.
  @Test func aStormOfNotificationsBeforeTheReplyHidesNothing() throws {
    var talk = try conversation(.openEMS(.edge, assumed: false))
    _ = talk.start()
    _ = talk.receive(ServerBytes.upgrade(key: talk.key))
    let notification = ServerBytes.text(#"{"jsonrpc":"2.0","method":"edgeConfig","params":{"components":{}}}"#)
    let storm = Array((0..<5000).map { _ in notification }.joined())
    #expect(talk.receive(storm).isEmpty)
    for _ in 0..<1000 { #expect(talk.receive(notification).isEmpty) }
    let reply = talk.receive(
      ServerBytes.text(#"{"jsonrpc":"2.0","id":"\#(talk.requestID)","result":{}}"#))
    #expect(reply.contains(.finished(.reply)), "\(reply)")
  }

  @Test func aWedgedOpenEMSAnswersPingsButNeverTheRequest() throws {
    var talk = try conversation(.openEMS(.edge, assumed: false))
    _ = talk.start()
    _ = talk.receive(ServerBytes.upgrade(key: talk.key))
    let pinged = talk.receive(ServerBytes.frame(0x9, [7, 7]))
    #expect(sent(pinged).map(\.opcode) == [0xA], "its pings are answered as the reference's library does")
    #expect(sent(pinged).first?.payload == [7, 7])
    // Given up politely: our close frame, then the failure (no wait for the echo).
    let gaveUp = talk.deadlinePassed(after: .seconds(2))
    #expect(gaveUp.last == .fail(.noAnswer(to: .jsonRPC, within: .seconds(2), lastSkipped: nil)))
    #expect(gaveUp.count == 2 && sent(gaveUp).map(\.opcode) == [0x8], "\(gaveUp)")
    #expect(
      ProbeFailure.noAnswer(to: .jsonRPC, within: .seconds(2), lastSkipped: nil).description
        == "no reply to the JSON-RPC request within 2 s")
  }

  @Test func expectSkipsRepliesThatDoNotMatchAndSaysWhatItSkipped() throws {
    var talk = try conversation(.message(text: "status", expect: try ReplyPattern("\"ok\"")))
    _ = talk.start()
    _ = talk.receive(ServerBytes.upgrade(key: talk.key))
    #expect(talk.receive(ServerBytes.text(#"{"state":"starting"}"#)).isEmpty)
    #expect(talk.receive(ServerBytes.frame(0x2, [1, 2])).isEmpty)
    #expect(
      talk.deadlinePassed(after: .seconds(1)).last
        == .fail(.noAnswer(to: .message(expect: "\"ok\""), within: .seconds(1), lastSkipped: "(binary, 2 bytes)")))
  }

  @Test func framesInTheSamePacketAsThe101AreRead() throws {
    var talk = try conversation(.message(text: "hi", expect: nil))
    _ = talk.start()
    let actions = talk.receive(ServerBytes.upgrade(key: talk.key) + ServerBytes.text("hello"))
    #expect(actions.contains(.finished(.reply)))
    #expect(talk.phase == .close)
  }

  /// Before the answer the depth asked for, a close of any code means it will not come: a
  /// failure, ended politely with our own close frame.
  @Test(arguments: [
    (
      ProbeDepth.openEMS(.edge, assumed: false), ServerBytes.close(1011, "pool"),
      ProbeFailure.closedBeforeAnswer(to: .jsonRPC, code: 1011, reason: "pool")
    ),
    (
      .openEMS(.edge, assumed: false), ServerBytes.close(1000),
      .closedBeforeAnswer(to: .jsonRPC, code: 1000, reason: "")
    ),
    (.ping, ServerBytes.close(1001, "going away"), .closedBeforeAnswer(to: .ping, code: 1001, reason: "going away")),
  ])
  func aServerThatClosesBeforeAnsweringFails(depth: ProbeDepth, bytes: [UInt8], failure: ProbeFailure) throws {
    var talk = try conversation(depth)
    _ = talk.start()
    _ = talk.receive(ServerBytes.upgrade(key: talk.key))
    let actions = talk.receive(bytes)
    #expect(actions.last == .fail(failure))
    #expect(actions.count == 2 && Self.isCloseFrame(actions.first), "\(actions)")
    #expect(talk.isDone)
  }

  /// The Edge.Application is asked nothing: after the upgrade the probe only waits. The
  /// pool's close (1003, or any code: it came from the server's side) is the answer, echoed;
  /// no close by the deadline is the wedge, ended with our own close frame.
  @Test(arguments: [
    (ServerBytes.close(1003, "Apikey is not valid"), nil as ProbeNote?),
    (ServerBytes.close(1011, "starting"), ProbeNote.closedWith(code: 1011, reason: "starting")),
  ])
  func theEdgeApplicationsRefusalIsTheAnswer(close: [UInt8], note: ProbeNote?) throws {
    var talk = try conversation(.openEMS(.edgeApp, assumed: false))
    _ = talk.start()
    let upgraded = talk.receive(ServerBytes.upgrade(key: talk.key))
    #expect(upgraded == [.finished(.upgrade)], "no request, no close: \(upgraded)")
    #expect(talk.receive(ServerBytes.text(#"{"jsonrpc":"2.0","method":"edgeConfig","params":{}}"#)).isEmpty)
    let actions = talk.receive(close)
    let expected: [Conversation.Action] =
      (note.map { [.note($0)] } ?? []) + [.finished(.reply), .succeed]
    #expect(actions.filter { !Self.isCloseFrame($0) } == expected, "\(actions)")
    #expect(actions.contains(where: { Self.isCloseFrame($0) }), "the close is answered")
    #expect(talk.isDone)
  }

  @Test func noRefusalFromTheEdgeApplicationByTheDeadlineIsTheWedge() throws {
    var talk = try conversation(.openEMS(.edgeApp, assumed: true))
    _ = talk.start()
    let upgraded = talk.receive(ServerBytes.upgrade(key: talk.key))
    #expect(upgraded == [.finished(.upgrade), .note(.openEMSKindAssumed(.edgeApp, port: 80))], "\(upgraded)")
    let actions = talk.deadlinePassed(after: .seconds(10))
    #expect(actions.last == .fail(.noAnswer(to: .poolRefusal, within: .seconds(10), lastSkipped: nil)))
    #expect(actions.count == 2 && Self.isCloseFrame(actions.first), "\(actions)")
    #expect(
      ProbeFailure.noAnswer(to: .poolRefusal, within: .seconds(10), lastSkipped: nil).description
        == "no refusal from its request pool (a close 1003 to a connection without an apikey) within 10 s")
  }

  /// Each kind sends its own method, and only it.
  @Test(arguments: [(OpenEMSEndpoint.edge, "subscribeEdges"), (.backendUI, "logout")])
  func eachKindSendsItsQuietestRequest(endpoint: OpenEMSEndpoint, method: String) throws {
    var talk = try conversation(.openEMS(endpoint, assumed: false))
    _ = talk.start()
    let sent = sent(talk.receive(ServerBytes.upgrade(key: talk.key)))
    #expect(sent.count == 1)
    let request = try #require(JSONValue.parse(sent.first?.payload ?? []))
    #expect(request["method"] == .string(method))
    #expect(request["params"] == .object([]))
    #expect(request["id"] == .string(talk.requestID))
  }

  /// Once the probe has its answer (or, for the handshake, asks nothing), the server's goodbye
  /// is its manners: any code, valid or not, is healthy and noted, as the reference's library
  /// calls it.
  @Test(arguments: [1001, 1002, 1003, 1011, 3000, 4000, 999, 5000, 1005] as [UInt16])
  func anyCloseCodeAfterTheAnswerIsHealthyAndNoted(code: UInt16) throws {
    for depth in [ProbeDepth.handshake, .ping, .openEMS(.edge, assumed: false)] {
      var talk = try conversation(depth)
      _ = talk.start()
      let upgraded = talk.receive(ServerBytes.upgrade(key: talk.key))
      switch depth {
      case .ping: _ = talk.receive(ServerBytes.frame(0xA, sent(upgraded).first?.payload ?? []))
      case .openEMS(.edge, assumed: false):
        _ = talk.receive(ServerBytes.text(#"{"jsonrpc":"2.0","id":"\#(talk.requestID)","result":{}}"#))
      default: break
      }
      #expect(talk.phase == .close, "\(depth)")
      let actions = talk.receive(ServerBytes.close(code, "bye"))
      #expect(actions == [.note(.closedWith(code: Int(code), reason: "bye")), .finished(.close), .succeed], "\(depth)")
    }
  }

  static func isCloseFrame(_ action: Conversation.Action?) -> Bool {
    guard case .send(let bytes)? = action else { return false }
    return bytes.first == 0x88
  }

  /// After the answer, the close is best effort, as in the reference.
  @Test func theCloseIsBestEffort() throws {
    var dropped = try conversation()
    _ = dropped.start()
    _ = dropped.receive(ServerBytes.upgrade(key: dropped.key))
    #expect(dropped.connectionClosed() == [.note(.droppedAtClose), .finished(.close), .succeed])

    var silent = try conversation()
    _ = silent.start()
    _ = silent.receive(ServerBytes.upgrade(key: silent.key))
    #expect(silent.deadlinePassed(after: .seconds(10)) == [.note(.closeNotAnswered), .finished(.close), .succeed])

    var emptyClose = try conversation()
    _ = emptyClose.start()
    _ = emptyClose.receive(ServerBytes.upgrade(key: emptyClose.key))
    #expect(emptyClose.receive(ServerBytes.close(nil)) == [.finished(.close), .succeed])
  }

  @Test func droppedBeforeTheAnswerIsAFailureOfThatPhase() throws {
    var upgrading = try conversation()
    _ = upgrading.start()
    #expect(upgrading.connectionClosed() == [.fail(.connectionDropped(phase: .upgrade))])
    var asking = try conversation(.ping)
    _ = asking.start()
    _ = asking.receive(ServerBytes.upgrade(key: asking.key))
    #expect(asking.connectionClosed() == [.fail(.connectionDropped(phase: .ping))])
  }

  @Test func aRedirectIsHandedBack() throws {
    var talk = try conversation()
    _ = talk.start()
    #expect(talk.receive(Array("HTTP/1.1 302 Found\r\nLocation: /ws\r\n\r\n".utf8)) == [.redirect(location: "/ws")])
    #expect(talk.isDone)
  }

  @Test(arguments: [
    ("ws://a:1/x/y", "/z", "ws://a:1/z"),
    ("ws://a:1/x/y", "z?q=1", "ws://a:1/x/z?q=1"),
    ("wss://a/x", "//b:2/c", "wss://b:2/c"),
    ("ws://a/x", "WSS://b/c", "WSS://b/c"),
    ("ws://[::1]:8085/", "/websocket", "ws://[::1]:8085/websocket"),
  ])
  func redirectLocationsResolveAgainstTheURI(base: String, location: String, expected: String) throws {
    let resolved = try ProbeAttempt.resolve(location, against: try WebSocketURI(parsing: base))
    #expect(resolved == (try WebSocketURI(parsing: expected)) || resolved.description == expected)
  }

  /// nginx's absolute_redirect writes http:// and https://: the same place, as ws:// and wss://
  /// (from wss:// to ws:// is refused where the redirect is followed).
  @Test(arguments: [
    ("ws://a/", "http://b:8080/websocket", "ws://b:8080/websocket"),
    ("ws://a/", "https://b/websocket", "wss://b/websocket"),
    ("wss://a/", "HTTPS://b/x", "wss://b/x"),
  ])
  func anHTTPRedirectIsFollowedAsAWebSocket(base: String, location: String, expected: String) throws {
    #expect(try ProbeAttempt.resolve(location, against: try WebSocketURI(parsing: base)).description == expected)
  }

  @Test func aServerThatSendsCompressedMessagesItNeverNegotiatedIsNamed() throws {
    var talk = try conversation(.openEMS(.edge, assumed: false))
    _ = talk.start()
    _ = talk.receive(ServerBytes.upgrade(key: talk.key))
    // RSV1 set on a text frame: permessage-deflate, which the probe never asked for.
    var compressed = ServerBytes.text("?M-o?")
    compressed[0] |= 0x40
    #expect(talk.receive(compressed).isEmpty)
    guard case .fail(.protocolViolation(let detail))? = talk.deadlinePassed(after: .seconds(2)).last else {
      Issue.record("not a protocol violation")
      return
    }
    #expect(detail.contains("compressed messages (RSV1, permessage-deflate) although none was negotiated"), "\(detail)")
  }

  @Test func aTLSAnswerToPlainHTTPSaysUseWSS() throws {
    var talk = try conversation()
    _ = talk.start()
    // A TLS alert record, as a TLS server answers bytes that are not a ClientHello.
    let actions = talk.receive([0x15, 0x03, 0x01, 0x00, 0x02, 0x02, 0x46])
    #expect(
      actions == [.fail(.protocolViolation(detail: "the server answered in TLS: this port wants wss://, not ws://"))])
  }
}

/// What NIO and the kernel say, mapped to words an operator can act on: a pure function.
@Suite struct FailureClassificationTests {
  @Test(arguments: [
    (
      IOError(errnoCode: ECONNREFUSED, reason: "connect") as any Error, ProbePhase.connect,
      ProbeFailure.connectionRefused
    ),
    (
      IOError(errnoCode: ENETUNREACH, reason: "connect"), .connect,
      .network(phase: .connect, detail: "Network is unreachable")
    ),
    (ChannelError.connectTimeout(.seconds(2)), .connect, .timedOut(phase: .connect, after: .seconds(2))),
    (ChannelError.eof, .upgrade, .connectionDropped(phase: .upgrade)),
    (NIOSSLError.uncleanShutdown, .tls, .connectionDropped(phase: .tls)),
    (ProbeFailure.badAcceptKey, .upgrade, .badAcceptKey),
  ])
  func errorsAreClassified(error: any Error, phase: ProbePhase, failure: ProbeFailure) {
    #expect(ProbeAttempt.classify(error, phase: phase) == failure)
  }

  /// This program's limits and this box's rules, in any phase: never the service's failure.
  @Test(arguments: [EMFILE, ENFILE, ENOBUFS, ENOMEM, EADDRNOTAVAIL, EAFNOSUPPORT, EPERM, EACCES])
  func whatThisBoxSaysIsNotTheServicesFailure(code: Int32) {
    for phase in ProbePhase.allCases {
      let failure = ProbeAttempt.classify(IOError(errnoCode: code, reason: "socket"), phase: phase)
      #expect(failure.isOnThisBox, "\(failure)")
      #expect(failure.phase == phase)
      #expect(failure.description.contains(String(cString: strerror(code))), "\(failure)")
    }
  }

  /// What only the service or the network between can cause stays the service's failure.
  @Test(arguments: [ECONNREFUSED, ENETUNREACH, EHOSTUNREACH, ECONNRESET, ETIMEDOUT, EPIPE])
  func whatTheServiceOrTheNetworkSaysIsCounted(code: Int32) {
    for phase in ProbePhase.allCases {
      #expect(!ProbeAttempt.classify(IOError(errnoCode: code, reason: "connect"), phase: phase).isOnThisBox)
    }
  }

  /// `localhost` tried as `::1`, then `127.0.0.1`: a box without IPv6 must not hide a service
  /// that refuses on IPv4, in either order.
  @Test(
    arguments: [
      (nil, .connectionRefused, .connectionRefused),
      (.connectionRefused, .notProbed(phase: .connect, detail: "no IPv6"), .connectionRefused),
      (.notProbed(phase: .connect, detail: "no IPv6"), .connectionRefused, .connectionRefused),
      (
        .notProbed(phase: .connect, detail: "a"), .notProbed(phase: .connect, detail: "b"),
        .notProbed(phase: .connect, detail: "b")
      ),
      (nil, .notProbed(phase: .connect, detail: "b"), .notProbed(phase: .connect, detail: "b")),
      (
        .connectionRefused, .timedOut(phase: .connect, after: .seconds(2)),
        .timedOut(phase: .connect, after: .seconds(2))
      ),
    ] as [(ProbeFailure?, ProbeFailure, ProbeFailure)])
  func theServicesFailureSpeaksForEveryAddress(earlier: ProbeFailure?, later: ProbeFailure, telling: ProbeFailure) {
    #expect(ProbeFailure.telling(earlier, later) == telling)
  }

  @Test func certificateTextsSayWhatToDo() {
    #expect(
      TLSErrorText.certificateProblem(nil, now: 0)
        == "the certificate is not trusted: self-signed or from an unknown issuer; trust it with --ca-file PEM")
    #expect(
      TLSErrorText.wrongHost("box", names: [])
        == "the certificate is for no host names, not box; probe a name it holds, or fix the certificate")
  }
}

/// The probe's random bytes: the kernel's, a thread's buffer at a time.
@Suite struct ProbeEntropyTests {
  @Test func drawsAcrossSeveralRefillsAreNeitherZeroNorRepeated() {
    var entropy = ProbeEntropy()
    // Across three refills of the buffer: one left unfilled would give zeros, one filled once
    // and handed out again would repeat its words.
    let draws = (0..<(EntropyPool.words * 3 + 7)).map { _ in entropy.next() }
    #expect(Set(draws).count == draws.count)
    #expect(!draws.contains(0))
  }

  @Test func twoProbesDrawDifferentKeys() {
    var first = ProbeEntropy()
    var second = ProbeEntropy()
    #expect((first.next(), first.next()) != (second.next(), second.next()))
  }

  @Test func eachThreadHasItsOwnBuffer() throws {
    let here = ObjectIdentifier(EntropyPool.ofThisThread)
    #expect(ObjectIdentifier(EntropyPool.ofThisThread) == here)
    let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    defer { try? group.syncShutdownGracefully() }
    let there = try group.next().submit { ObjectIdentifier(EntropyPool.ofThisThread) }.wait()
    #expect(there != here)
  }
}
