/// Text a server or its certificate chose (a reason phrase, a close reason, a message, a
/// header value, a certificate name), made safe for every place it is shown: a terminal, the
/// journal, the trigger log, the `.last` file `status` replays, the dashboard.
///
/// Control characters (escape sequences that set a window title or clear a screen,
/// backspaces, a newline that would start a fake log line) and invisible format characters
/// (bidirectional overrides) are shown as what they are, `^[` as `cat -v` does and `<U+202E>`;
/// the text stays on one line and is cut at a bound, saying how much was left out.
public enum UntrustedText {
  /// Characters shown of one piece of a server's text: enough for any honest reason phrase.
  public static let limit = 200

  public static func shown(_ text: some StringProtocol, limit: Int = limit) -> String {
    var out = ""
    var shownCount = 0
    var left = 0
    for scalar in text.unicodeScalars {
      if shownCount >= limit {
        left += 1
        continue
      }
      out += visible(scalar)
      shownCount += 1
    }
    return left == 0 ? out : out + "… (\(left) more characters)"
  }

  /// Bytes as UTF-8 (a byte that is not becomes U+FFFD), then as `shown(_:)`.
  public static func shown(bytes: some Collection<UInt8>, limit: Int = limit) -> String {
    shown(String(decoding: bytes, as: UTF8.self), limit: limit)
  }

  static func visible(_ scalar: Unicode.Scalar) -> String {
    switch scalar.value {
    case 0..<0x20: return "^" + String(Unicode.Scalar(UInt8(scalar.value) + 0x40))
    case 0x7F: return "^?"
    default: break
    }
    switch scalar.properties.generalCategory {
    case .control, .format, .lineSeparator, .paragraphSeparator, .surrogate, .privateUse, .unassigned:
      let hex = String(scalar.value, radix: 16, uppercase: true)
      return "<U+\(String(repeating: "0", count: max(0, 4 - hex.count)) + hex)>"
    default:
      return String(scalar)
    }
  }
}
