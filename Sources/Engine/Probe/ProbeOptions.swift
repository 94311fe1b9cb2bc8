/// How deep a probe looks after the upgrade.
///
/// The handshake is the reference tool's test of health. A wedged OpenEMS still upgrades and
/// answers pings from its library's own threads; only a request that needs a reply from its
/// request threads can see it (`openEMS`).
public enum ProbeDepth: Sendable, Equatable {
  /// Upgrade and close, nothing else: the reference's probe.
  case handshake
  /// After the upgrade, a ping with a random payload; the matching pong must come.
  case ping
  /// After the upgrade, one text message; a text reply (matching `expect` when given) must come.
  case message(text: String, expect: ReplyPattern?)
  /// Proof that OpenEMS's request pool works, asked the quietest way the endpoint allows (see
  /// `OpenEMSEndpoint`); `assumed` when the kind follows the port, not the operator.
  case openEMS(OpenEMSEndpoint, assumed: Bool)
}

extension ProbeDepth {
  /// A word or two for a screen's header: `ping`, `openems edge-app (by port)`; `nil` for the
  /// reference's handshake.
  public var label: String? {
    switch self {
    case .handshake: nil
    case .ping: "ping"
    case .message: "send"
    case .openEMS(let endpoint, let assumed): "openems \(endpoint.rawValue)" + (assumed ? " (by port)" : "")
    }
  }
}

/// The three WebSocket endpoints of OpenEMS. Each has its own quietest proof that the request
/// pool (the part that wedges) still works; none needs a login and none sends an apikey.
public enum OpenEMSEndpoint: String, Sendable, CaseIterable {
  /// The Edge's UI API (`Controller.Api.Websocket`, 8085): `subscribeEdges` with `{}`, an
  /// empty success and no log line since 2024.5 (one WARN before).
  case edge
  /// The Backend's UI endpoint (8082): `logout` without a token, a success and no log line
  /// since 2026.2 (one WARN before).
  case backendUI = "backend-ui"
  /// The Backend's Edge.Application (8081): no request at all. Its pool refuses a connection
  /// without an apikey with close code 1003 (one WARN); that refusal is the proof of life.
  case edgeApp = "edge-app"

  /// The kind OpenEMS's defaults put on a port: 8081 the Edge.Application, 8082 the Backend UI,
  /// anything else an Edge (8085 in its configuration, 80 or 443 behind the box's nginx).
  public init(port: Int) {
    switch port {
    case 8081: self = .edgeApp
    case 8082: self = .backendUI
    default: self = .edge
    }
  }

  /// What an operator calls it.
  public var title: String {
    switch self {
    case .edge: "Edge UI"
    case .backendUI: "Backend UI"
    case .edgeApp: "Backend Edge.Application"
    }
  }

  /// The JSON-RPC method sent, if any.
  var method: String? {
    switch self {
    case .edge: "subscribeEdges"
    case .backendUI: "logout"
    case .edgeApp: nil
    }
  }
}

/// A regular expression a reply must match (`--expect`), checked when it is given.
public struct ReplyPattern: Sendable, Equatable, CustomStringConvertible {
  public let description: String
  private let compiled: Compiled

  /// The regex in a box. Regex comes from a library built for evolution, whose sizes are known
  /// only at run time: held inline, it made every type holding a pattern (the probe's options,
  /// the check's settings) lay itself out at run time and map that library's code, on every
  /// check, with `--expect` or without.
  private final class Compiled: @unchecked Sendable {
    // Immutable once built; only read, from whichever thread runs the probe.
    let regex: Regex<AnyRegexOutput>
    init(_ regex: Regex<AnyRegexOutput>) { self.regex = regex }
  }

  public init(_ pattern: String) throws(ConfigurationError) {
    do {
      compiled = Compiled(try Regex(pattern))
    } catch {
      throw ConfigurationError("--expect '\(pattern)' is not a valid regular expression: \(error)")
    }
    description = pattern
  }

  // Not inlined: the match is of a type whose size is known only at run time, and inlined into
  // the conversation it had every reply fetch the regex library's metadata, --expect or not.
  @inline(never)
  func matches(_ text: String) -> Bool {
    (try? compiled.regex.firstMatch(in: text)) != nil
  }

  public static func == (lhs: ReplyPattern, rhs: ReplyPattern) -> Bool { lhs.description == rhs.description }
}

/// One extra header of the upgrade request. A secret one (from a header file) never appears in
/// a message, a log line or a description of the target.
public struct HeaderField: Sendable, Equatable, CustomStringConvertible {
  public let name: String
  public let value: String
  public let isSecret: Bool

  /// Header names the probe writes itself; they cannot be given again.
  static let reserved: Set<String> = [
    "host", "upgrade", "connection", "sec-websocket-key", "sec-websocket-version", "sec-websocket-accept",
    "sec-websocket-protocol", "sec-websocket-extensions", "origin", "content-length", "transfer-encoding",
  ]

  /// Checks a header as HTTP has it: a token for a name, no line breaks in the value.
  /// - Parameter source: where it came from, for messages (`--header`, `apikey.headers:2`).
  public init(name: String, value: String, isSecret: Bool, source: String) throws(ConfigurationError) {
    guard Self.isToken(name) else {
      throw ConfigurationError("\(source): '\(name.prefix(40))' is not a header name; write it as 'Name: value'")
    }
    guard !Self.reserved.contains(name.lowercased()) else {
      let hint =
        switch name.lowercased() {
        case "origin": "; use --origin"
        case "sec-websocket-protocol": "; use --subprotocol"
        default: ""
        }
      throw ConfigurationError("\(source): header '\(name)' is set by the probe itself and cannot be given\(hint)")
    }
    let shown = isSecret ? "the value of '\(name)'" : "'\(name): \(value.prefix(40))'"
    guard !value.unicodeScalars.contains(where: { $0 == "\r" || $0 == "\n" || $0 == "\0" }) else {
      throw ConfigurationError("\(source): \(shown) holds a line break; a header value is one line")
    }
    self.name = name
    self.value = value
    self.isSecret = isSecret
  }

  /// An HTTP token (RFC 9110 5.6.2): what header names and subprotocols are made of.
  static func isToken(_ text: String) -> Bool {
    !text.isEmpty && text.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "!#$%&'*+-.^_`|~".contains($0)) }
  }

  /// `apikey: (secret)` for secret headers.
  public var description: String { "\(name): \(isSecret ? "(secret)" : value)" }
}

/// What a probe may use beyond the URI.
public struct ProbeOptions: Sendable, Equatable {
  /// The whole probe, from name lookup to the server's close frame, ends by then.
  /// Default: 10 s, the reference tool's open timeout.
  public var timeout: Duration
  /// A PEM file of certificates to trust for `wss://` besides the system's, e.g. a
  /// self-signed certificate on a box in the field.
  public var trustedCertificatesFile: String?
  /// Skip the TLS certificate check (`--insecure`). Default: off.
  public var insecure: Bool
  /// What to do after the upgrade. Default: nothing (the reference's handshake).
  public var depth: ProbeDepth
  /// Extra upgrade request headers, in order.
  public var headers: [HeaderField]
  /// `Sec-WebSocket-Protocol` to ask for, for servers that route by it.
  public var subprotocol: String?
  /// `Origin` to send, for servers that check it.
  public var origin: String?
  /// Redirects followed before giving up, as the reference's library does. Default: 10.
  public var maximumRedirects: Int
  /// Keep what was sent and received (bounded), for an incident report. Default: off.
  public var recordsExchange = false

  public init(
    timeout: Duration = .seconds(10), trustedCertificatesFile: String? = nil, insecure: Bool = false,
    depth: ProbeDepth = .handshake, headers: [HeaderField] = [], subprotocol: String? = nil, origin: String? = nil,
    maximumRedirects: Int = 10
  ) {
    self.timeout = timeout
    self.trustedCertificatesFile = trustedCertificatesFile
    self.insecure = insecure
    self.depth = depth
    self.headers = headers
    self.subprotocol = subprotocol
    self.origin = origin
    self.maximumRedirects = maximumRedirects
  }
}
