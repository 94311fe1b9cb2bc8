/// The `--openems` probe's one request, and how its reply is told apart from notifications.
///
/// OpenEMS treats a text frame as a request only with `method` and an object `params`, and
/// answers only when `id` is a UUID string; anything else is dropped without a word, which
/// would look exactly like a wedged server. The method is the endpoint's quietest one that
/// needs no login (`OpenEMSEndpoint.method`): a current OpenEMS answers it with an empty
/// success and no log line, an older one with an error reply (one WARN line), and either is
/// built on the request threads that wedge.
public struct JSONRPCExchange: Equatable, Sendable {
  let id: String
  let method: String

  /// `{"jsonrpc":"2.0","id":"<uuid>","method":"subscribeEdges","params":{}}`
  var request: String {
    #"{"jsonrpc":"2.0","id":"\#(id)","method":"\#(method)","params":{}}"#
  }

  /// What came back for our id: a result, or the server's error (code and message).
  enum Reply: Equatable {
    case result
    case error(code: String?, message: String?)
  }

  /// The reply to our request, or `nil` for any other message (a notification, another id,
  /// something that is not JSON-RPC).
  func reply(in payload: [UInt8]) -> Reply? {
    guard let value = JSONValue.parse(payload), value["id"] == .string(id) else { return nil }
    if value["result"] != nil { return .result }
    guard let error = value["error"] else { return nil }
    var code: String?
    switch error["code"] {
    case .number(let text): code = text
    case .string(let text): code = text
    default: code = nil
    }
    var message: String?
    if case .string(let text) = error["message"] { message = text }
    return .error(code: code, message: message)
  }

  /// A version 4 UUID from 16 random bytes, in the lower-case form OpenEMS parses.
  static func uuid(from bytes: [UInt8]) -> String {
    var bytes = bytes
    bytes[6] = bytes[6] & 0x0F | 0x40
    bytes[8] = bytes[8] & 0x3F | 0x80
    let hex = bytes.map { byte in
      let text = String(byte, radix: 16)
      return byte < 16 ? "0" + text : text
    }
    return [hex[0..<4], hex[4..<6], hex[6..<8], hex[8..<10], hex[10..<16]].map { $0.joined() }.joined(separator: "-")
  }
}

extension JSONRPCExchange {
  /// What a current OpenEMS Edge's request threads answer, or `nil` for what OpenEMS drops
  /// (not a request with a UUID id and object params): `subscribeEdges` an empty success, any
  /// other method before login an error. The demo's stand-in service answers with it, so the
  /// demo is probed as an Edge is.
  public static func currentEdgeReply(to text: String) -> String? {
    guard let request = JSONValue.parse(Array(text.utf8)), case .string(let id) = request["id"],
      case .string(let method) = request["method"], case .object = request["params"],
      id.utf8.count == 36, id.split(separator: "-").map(\.count) == [8, 4, 4, 4, 12]
    else { return nil }
    if method == OpenEMSEndpoint.edge.method { return #"{"jsonrpc":"2.0","id":"\#(id)","result":{}}"# }
    let quoted = method.filter { $0 != "\"" && $0 != "\\" }
    return
      #"{"jsonrpc":"2.0","id":"\#(id)","error":{"code":1,"message":"Endpoint with method \"\#(quoted)\" is not defined!","data":[]}}"#
  }
}
