import Foundation
import NIOConcurrencyHelpers

/// One OpenEMS WebSocket endpoint as OpenEMS's own sources describe it (../shared/REFERENCE.md,
/// "OpenEMS facts"), by kind and version, keeping the log lines OpenEMS would write for what
/// it was sent. `WebSocketTestServer(.openEMS(peer))` serves it on loopback.
///
/// The library's threads (upgrade, ping, the close handshake) always work; everything else
/// (`onOpen`, every request) runs on the request pool, which `wedge()` blocks for good.
public final class OpenEMSPeer: Sendable {
  public enum Kind: Sendable {
    /// The Edge's UI API (`Controller.Api.Websocket`).
    case edge
    /// The Backend's UI endpoint.
    case backendUI
    /// The Backend's Edge.Application, where Edges connect with their `apikey` header.
    case edgeApp(apikeys: Set<String>)
  }

  /// `2026.4` is 2026, 4: the release a behaviour came with.
  public struct Version: Sendable, Comparable {
    public let year: Int
    public let month: Int
    public init(_ year: Int, _ month: Int) {
      self.year = year
      self.month = month
    }
    public static func < (a: Version, b: Version) -> Bool { (a.year, a.month) < (b.year, b.month) }
    public static let current = Version(2026, 4)
  }

  public let kind: Kind
  public let version: Version
  private let state = NIOLockedValueBox(State())

  private struct State {
    var wedged = false
    var log: [String] = []
  }

  public init(_ kind: Kind, version: Version = .current) {
    self.kind = kind
    self.version = version
  }

  /// Blocks the request pool, as OpenEMS's wedge does: no `onOpen`, no reply, ever.
  public func wedge() { state.withLockedValue { $0.wedged = true } }

  /// The lines OpenEMS would have logged at WARN or ERROR, in order.
  public var log: [String] { state.withLockedValue { $0.log } }

  var isWedged: Bool { state.withLockedValue { $0.wedged } }

  private func logs(_ line: String) { state.withLockedValue { $0.log.append(line) } }

  /// What the pool does when a connection opens: the close code and reason it closes with, if
  /// it refuses the connection (Edge.Application without a known apikey), else `nil`.
  func onOpen(apikey: String?) -> (code: UInt16, reason: String)? {
    guard !isWedged, case .edgeApp(let apikeys) = kind else { return nil }
    guard let apikey, apikeys.contains(apikey) else {
      // OpenEMS names the key it was given, in its log and in the close reason.
      logs("WARN [Edge.Application] Apikey [\(apikey ?? "null")] is not valid")
      return (1003, "Apikey [\(apikey ?? "null")] is not valid")
    }
    return nil
  }

  /// The text frames the pool sends for one received text frame: a notification (OpenEMS may
  /// push one at any time) and the reply; nothing for what it drops or while wedged.
  func answers(to text: String) -> [String] {
    guard !isWedged else { return [] }
    guard let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any],
      let method = object["method"] as? String, object["params"] is [String: Any],
      let id = object["id"] as? String, UUID(uuidString: id) != nil
    else {
      logs("ERROR [JsonrpcRequest] unable to parse '\(text.prefix(40))': stack trace follows")
      return []
    }
    let notification = #"{"jsonrpc":"2.0","method":"edgeConfig","params":{"components":{}}}"#
    let success = #"{"jsonrpc":"2.0","id":"\#(id)","result":{}}"#
    func error(_ code: Int, _ message: String) -> [String] {
      logs("WARN JSON-RPC Error [\(code)] \(message) for Request \(method)")
      return [
        notification,
        #"{"jsonrpc":"2.0","id":"\#(id)","error":{"code":\#(code),"message":"\#(message)","data":[]}}"#,
      ]
    }
    switch kind {
    case .edge:
      guard version >= Version(2024, 5) else { return error(1001, "User is not authenticated") }
      switch method {
      case "subscribeEdges", "updateUserSettings": return [notification, success]
      case "logout":
        if version >= Version(2025, 3) { logs("ERROR [OnRequest] logout before login: stack trace follows") }
        return error(1001, "User is not authenticated")
      default: return error(1, "Endpoint with method \\\"\(method)\\\" is not defined!")
      }
    case .backendUI:
      if method == "logout", version >= Version(2026, 2) { return [notification, success] }
      return error(1001, "User is not authenticated")
    case .edgeApp:
      // getEdgeIdWithTimeout: a pool thread waits 10 s for an Edge id that never comes.
      logs("WARN [Edge.Application] no Edge-Id for the connection after 10 s")
      return []
    }
  }
}
