/// Just enough JSON (RFC 8259) to read a JSON-RPC reply, without Foundation.
///
/// Bounded: nesting deeper than 64 levels is refused rather than recursed into, so a hostile
/// message cannot exhaust the stack. Numbers stay as their text; the probe only compares ids.
enum JSONValue: Equatable {
  case string(String)
  case number(String)
  case bool(Bool)
  case null
  case array([JSONValue])
  case object([(key: String, value: JSONValue)])

  static let maximumDepth = 64

  subscript(key: String) -> JSONValue? {
    guard case .object(let members) = self else { return nil }
    return members.first { $0.key == key }?.value
  }

  static func == (lhs: JSONValue, rhs: JSONValue) -> Bool {
    switch (lhs, rhs) {
    case (.string(let a), .string(let b)): a == b
    case (.number(let a), .number(let b)): a == b
    case (.bool(let a), .bool(let b)): a == b
    case (.null, .null): true
    case (.array(let a), .array(let b)): a == b
    case (.object(let a), .object(let b)): a.elementsEqual(b) { $0.key == $1.key && $0.value == $1.value }
    default: false
    }
  }

  /// The value, or `nil` when the bytes are not one JSON value.
  static func parse(_ bytes: [UInt8]) -> JSONValue? {
    var parser = Parser(bytes: bytes)
    guard let value = parser.value(depth: 0) else { return nil }
    parser.skipSpace()
    return parser.index == bytes.count ? value : nil
  }

  private struct Parser {
    let bytes: [UInt8]
    var index = 0

    mutating func skipSpace() {
      while index < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[index]) { index += 1 }
    }

    mutating func value(depth: Int) -> JSONValue? {
      guard depth < JSONValue.maximumDepth else { return nil }
      skipSpace()
      guard index < bytes.count else { return nil }
      switch bytes[index] {
      case UInt8(ascii: "{"): return object(depth: depth)
      case UInt8(ascii: "["): return array(depth: depth)
      case UInt8(ascii: "\""): return string().map(JSONValue.string)
      case UInt8(ascii: "t"): return literal("true", .bool(true))
      case UInt8(ascii: "f"): return literal("false", .bool(false))
      case UInt8(ascii: "n"): return literal("null", .null)
      default: return number()
      }
    }

    mutating func literal(_ word: String, _ value: JSONValue) -> JSONValue? {
      let expected = Array(word.utf8)
      guard bytes.count - index >= expected.count, Array(bytes[index..<(index + expected.count)]) == expected
      else { return nil }
      index += expected.count
      return value
    }

    mutating func number() -> JSONValue? {
      let start = index
      while index < bytes.count, "+-.eE0123456789".utf8.contains(bytes[index]) { index += 1 }
      guard index > start else { return nil }
      let text = String(decoding: bytes[start..<index], as: UTF8.self)
      guard Double(text) != nil else { return nil }
      return .number(text)
    }

    mutating func string() -> String? {
      index += 1  // the opening quote
      var run = index
      var text = ""
      while index < bytes.count {
        let byte = bytes[index]
        if byte == UInt8(ascii: "\"") {
          text += String(decoding: bytes[run..<index], as: UTF8.self)
          index += 1
          return text
        }
        if byte < 0x20 { return nil }
        if byte == UInt8(ascii: "\\") {
          text += String(decoding: bytes[run..<index], as: UTF8.self)
          index += 1
          guard index < bytes.count else { return nil }
          let escaped = bytes[index]
          index += 1
          switch escaped {
          case UInt8(ascii: "\""): text += "\""
          case UInt8(ascii: "\\"): text += "\\"
          case UInt8(ascii: "/"): text += "/"
          case UInt8(ascii: "b"): text += "\u{8}"
          case UInt8(ascii: "f"): text += "\u{C}"
          case UInt8(ascii: "n"): text += "\n"
          case UInt8(ascii: "r"): text += "\r"
          case UInt8(ascii: "t"): text += "\t"
          case UInt8(ascii: "u"):
            guard index + 4 <= bytes.count,
              let code = UInt32(String(decoding: bytes[index..<(index + 4)], as: UTF8.self), radix: 16)
            else { return nil }
            index += 4
            // Surrogate halves are replaced: the probe compares ids, which are ASCII.
            text.unicodeScalars.append(UnicodeScalar(code) ?? "\u{FFFD}")
          default: return nil
          }
          run = index
          continue
        }
        index += 1
      }
      return nil
    }

    mutating func array(depth: Int) -> JSONValue? {
      index += 1
      var elements: [JSONValue] = []
      skipSpace()
      if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
        index += 1
        return .array(elements)
      }
      while true {
        guard let element = value(depth: depth + 1) else { return nil }
        elements.append(element)
        skipSpace()
        guard index < bytes.count else { return nil }
        if bytes[index] == UInt8(ascii: ",") {
          index += 1
          continue
        }
        guard bytes[index] == UInt8(ascii: "]") else { return nil }
        index += 1
        return .array(elements)
      }
    }

    mutating func object(depth: Int) -> JSONValue? {
      index += 1
      var members: [(key: String, value: JSONValue)] = []
      skipSpace()
      if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
        index += 1
        return .object(members)
      }
      while true {
        skipSpace()
        guard index < bytes.count, bytes[index] == UInt8(ascii: "\""), let key = string() else { return nil }
        skipSpace()
        guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { return nil }
        index += 1
        guard let member = value(depth: depth + 1) else { return nil }
        members.append((key, member))
        skipSpace()
        guard index < bytes.count else { return nil }
        if bytes[index] == UInt8(ascii: ",") {
          index += 1
          continue
        }
        guard bytes[index] == UInt8(ascii: "}") else { return nil }
        index += 1
        return .object(members)
      }
    }
  }
}
