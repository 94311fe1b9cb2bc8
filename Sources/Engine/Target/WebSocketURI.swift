/// A `ws://` or `wss://` address to probe, checked before anything touches the network.
///
/// Parsing is strict on purpose: a typo in `ExecStart=` should stop the check with a message,
/// not probe the wrong place and count failures against a healthy service.
///
/// ```swift
/// let uri = try WebSocketURI(parsing: "ws://localhost:8085/websocket")
/// uri.port  // 8085
/// ```
public struct WebSocketURI: Sendable, Equatable, CustomStringConvertible {
  /// `true` for `wss://`: the probe speaks TLS before the upgrade.
  public let isSecure: Bool
  /// Host name or IP literal, without IPv6 brackets.
  public let host: String
  /// The explicit port, or 80 / 443.
  public let port: Int
  /// Path and query sent in the upgrade request; `/` when the URI has none.
  public let requestTarget: String
  /// The text the operator gave, for messages.
  public let description: String

  /// Whether `text` has a `://`, as every URI does: the command line tells a URI from a
  /// target's name or a subcommand by it.
  public static func hasSchemeSeparator(_ text: String) -> Bool { schemeSeparator(in: text) != nil }

  /// Where the first `://` is, found by bytes: `firstRange(of:)` is the regex library's, and
  /// calling it had every check map that library's code (a quarter of a megabyte).
  static func schemeSeparator(in text: String) -> Range<String.Index>? {
    let bytes = text.utf8
    var from = bytes.startIndex
    while let colon = bytes[from...].firstIndex(of: UInt8(ascii: ":")) {
      let end = bytes.index(colon, offsetBy: 3, limitedBy: bytes.endIndex) ?? bytes.endIndex
      if bytes[colon..<end].elementsEqual("://".utf8) { return colon..<end }
      from = bytes.index(after: colon)
    }
    return nil
  }

  /// Parses and validates a WebSocket URI.
  /// - Throws: `ConfigurationError` naming what is wrong and how to write it instead.
  public init(parsing text: String) throws(ConfigurationError) {
    description = text
    guard let schemeEnd = Self.schemeSeparator(in: text) else {
      throw ConfigurationError(
        "'\(text)' is not a WebSocket URI: write it as ws://HOST[:PORT][/PATH] or wss://…")
    }
    let scheme = text[..<schemeEnd.lowerBound].lowercased()
    switch scheme {
    case "ws": isSecure = false
    case "wss": isSecure = true
    default:
      throw ConfigurationError(
        "'\(text)' uses scheme '\(scheme)'; only ws:// and wss:// can be probed")
    }
    let rest = text[schemeEnd.upperBound...]
    let authorityEnd = rest.firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) ?? rest.endIndex
    let authority = rest[..<authorityEnd]
    var target = String(rest[authorityEnd...])
    if let fragment = target.firstIndex(of: "#") {
      throw ConfigurationError(
        "'\(text)' has a fragment ('\(target[fragment...])'); WebSocket URIs cannot have one, remove it")
    }
    if target.isEmpty {
      target = "/"
    } else if target.first == "?" {
      target = "/" + target
    }
    if target.contains(where: { $0 == " " || $0.isNewline || $0 == "\t" }) {
      throw ConfigurationError("'\(text)' has white space in its path; percent-encode it (%20)")
    }
    if authority.contains("@") {
      throw ConfigurationError(
        "'\(text)' carries user information before '@'; put credentials in a header file, not the URI")
    }
    guard !authority.isEmpty else {
      throw ConfigurationError("'\(text)' has no host: write it as \(scheme)://HOST[:PORT]/PATH")
    }

    var hostPart: Substring
    var portPart: Substring?
    if authority.first == "[" {
      guard let close = authority.firstIndex(of: "]") else {
        throw ConfigurationError("'\(text)' opens an IPv6 address with '[' but never closes it")
      }
      hostPart = authority[authority.index(after: authority.startIndex)..<close]
      let afterBracket = authority[authority.index(after: close)...]
      if !afterBracket.isEmpty {
        guard afterBracket.first == ":" else {
          throw ConfigurationError("'\(text)' has '\(afterBracket)' after the IPv6 address; expected :PORT")
        }
        portPart = afterBracket.dropFirst()
      }
      guard hostPart.contains(":"), hostPart.allSatisfy({ $0.isHexDigit || $0 == ":" || $0 == "." })
      else {
        throw ConfigurationError("'\(text)': '[\(hostPart)]' is not an IPv6 address")
      }
    } else {
      if let colon = authority.lastIndex(of: ":") {
        hostPart = authority[..<colon]
        portPart = authority[authority.index(after: colon)...]
      } else {
        hostPart = authority
      }
      let allowed: (Character) -> Bool = {
        $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "." || $0 == "_")
      }
      guard !hostPart.isEmpty else {
        throw ConfigurationError("'\(text)' has no host before the port: write it as \(scheme)://HOST:PORT")
      }
      guard hostPart.allSatisfy(allowed) else {
        throw ConfigurationError("'\(text)': '\(hostPart)' is not a valid host name")
      }
    }
    host = String(hostPart)

    if let portPart {
      guard !portPart.isEmpty, portPart.allSatisfy(\.isASCII), portPart.allSatisfy(\.isNumber),
        portPart.count <= 5, let value = Int(portPart), (1...65535).contains(value)
      else {
        throw ConfigurationError("'\(text)': port '\(portPart)' is not a number from 1 to 65535")
      }
      port = value
    } else {
      port = isSecure ? 443 : 80
    }
    requestTarget = target
  }

  /// The `Host` header: the port is left out when it is the scheme's default, as browsers do.
  public var hostHeader: String {
    let name = host.contains(":") ? "[\(host)]" : host
    let defaultPort = isSecure ? 443 : 80
    return port == defaultPort ? name : "\(name):\(port)"
  }
}
