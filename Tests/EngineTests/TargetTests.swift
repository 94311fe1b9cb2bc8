import Engine
import Testing

@Suite struct WebSocketURITests {
  @Test(arguments: [
    ("ws://localhost:8085/websocket", false, "localhost", 8085, "/websocket", "localhost:8085"),
    ("ws://localhost", false, "localhost", 80, "/", "localhost"),
    ("wss://edge.example.org", true, "edge.example.org", 443, "/", "edge.example.org"),
    ("wss://edge.example.org:443/x?y=1", true, "edge.example.org", 443, "/x?y=1", "edge.example.org"),
    ("ws://127.0.0.1:8082", false, "127.0.0.1", 8082, "/", "127.0.0.1:8082"),
    ("ws://[::1]:8081/", false, "::1", 8081, "/", "[::1]:8081"),
    ("WS://host:1?q", false, "host", 1, "/?q", "host:1"),
  ])
  func parses(text: String, secure: Bool, host: String, port: Int, target: String, hostHeader: String) throws {
    let uri = try WebSocketURI(parsing: text)
    #expect(uri.isSecure == secure)
    #expect(uri.host == host)
    #expect(uri.port == port)
    #expect(uri.requestTarget == target)
    #expect(uri.hostHeader == hostHeader)
  }

  @Test(arguments: [
    ("localhost:8085", "not a WebSocket URI"),
    ("http://localhost:8085", "only ws:// and wss://"),
    ("ws://", "has no host"),
    ("ws://:8085/x", "no host before the port"),
    ("ws://host:0", "not a number from 1 to 65535"),
    ("ws://host:65536", "not a number from 1 to 65535"),
    ("ws://host:80a", "not a number from 1 to 65535"),
    ("ws://host:", "not a number from 1 to 65535"),
    ("ws://ho st:80", "not a valid host name"),
    ("ws://user:pw@host", "user information"),
    ("ws://host/a#b", "fragment"),
    ("ws://[::1", "never closes"),
    ("ws://[nothex]:80", "not an IPv6 address"),
    ("ws:x://host", "uses scheme 'ws:x'"),
    ("é://host", "uses scheme 'é'"),
  ])
  func refusesWithAMessageSayingWhatIsWrong(text: String, expected: String) {
    do {
      _ = try WebSocketURI(parsing: text)
      Issue.record("\(text) was accepted")
    } catch {
      #expect(error.message.contains(expected), "\(error.message)")
    }
  }

  // The command line reads a first word without `://` as a subcommand or a target's name.
  @Test(arguments: [
    ("ws://host", true), ("wss://h:1/x", true), ("ws:x://host", true), ("x::://", true), ("é://h", true),
    ("://", true), ("ws:", false), ("ws:/host", false), ("ws:/:/", false), (":", false), ("", false),
    ("status", false), ("edge", false), ("a:b", false), ("//host", false),
  ])
  func seesTheSchemeSeparator(text: String, has: Bool) {
    #expect(WebSocketURI.hasSchemeSeparator(text) == has)
  }
}

@Suite struct UnitNameTests {
  @Test(arguments: ["openems.service", "openems", "websocket-health-check@edge.service", "a:b_c.d-e\\x2d.service"])
  func acceptsSystemdNames(name: String) throws {
    #expect(try UnitName(validating: name).description == name)
  }

  @Test(arguments: [
    ("", "empty"), ("-openems", "starts with '-'"), ("open ems.service", "contains ' '"),
    ("open;ems", "contains ';'"), ("openems$(reboot)", "contains '$'"), ("x@.service", "template"),
    (String(repeating: "a", count: 256), "longer than"),
  ])
  func refusesWhatSystemdWouldNot(name: String, expected: String) {
    do {
      _ = try UnitName(validating: name)
      Issue.record("\(name) was accepted")
    } catch {
      #expect(error.message.contains(expected), "\(error.message)")
    }
  }
}

@Suite struct TextTests {
  @Test func timestampIsPythonsDatetimeNowText() {
    var parts = tm()
    parts.tm_year = 2025 - 1900
    parts.tm_mon = 9
    parts.tm_mday = 2
    parts.tm_hour = 15
    parts.tm_min = 7
    parts.tm_sec = 24
    parts.tm_isdst = -1
    let seconds = Int(mktime(&parts))
    #expect(LocalTimestamp(seconds: seconds, microseconds: 123_456).description == "2025-10-02 15:07:24.123456")
    #expect(LocalTimestamp(seconds: seconds, microseconds: 1).description == "2025-10-02 15:07:24.000001")
    // Python leaves the fraction out when it is zero.
    #expect(LocalTimestamp(seconds: seconds, microseconds: 0).description == "2025-10-02 15:07:24")
  }

  @Test func durationsReadAsAnOperatorWrites() {
    #expect(DurationText.milliseconds(.microseconds(2_400)) == "2.4 ms")
    #expect(DurationText.milliseconds(.microseconds(12_400)) == "12 ms")
    #expect(DurationText.seconds(.seconds(10)) == "10 s")
    #expect(DurationText.seconds(.milliseconds(500)) == "0.5 s")
    #expect(DurationText.seconds(.milliseconds(2250)) == "2.25 s")
  }
}

#if canImport(Glibc)
  import Glibc
#endif
