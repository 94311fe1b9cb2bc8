import Foundation
import TestPeers
import Testing

/// Every option given nonsense: one line that says what is wrong, a non-zero exit, no
/// restart, and nothing written (no state directory, no log).
@Suite struct BadInputTests {
  static let uri = "ws://127.0.0.1:1/"

  /// The arguments, and what the one line says.
  static let cases: [([String], String)] = [
    ([uri, "x.service", "--threshold", "-1"], "threshold -1 is below 1"),
    ([uri, "x.service", "--threshold", "0"], "threshold 0 is below 1"),
    (
      [uri, "x.service", "--threshold", "99999999999999999999"],
      "--threshold '99999999999999999999' is not a whole number"
    ),
    ([uri, "x.service", "--threshold", "six"], "--threshold 'six' is not a whole number"),
    ([uri, "x.service", "--threshold", ""], "--threshold '' is not a whole number"),
    ([uri, "x.service", "--threshold", "３"], "--threshold '３' is not a whole number"),
    (
      [uri, "x.service", "--openems-kind", "edge-ui"],
      "--openems-kind 'edge-ui' is not one of: edge, backend-ui, edge-app"
    ),
    ([uri, "x.service", "--timeout", "soon"], "--timeout 'soon' is not a number of seconds"),
    ([uri, "x.service", "--timeout", "0"], "timeout 0.0 is not a number of seconds between 0 and 3600"),
    ([uri, "x.service", "--timeout", "nan"], "timeout nan is not a number of seconds"),
    ([uri, "x.service", "--timeout", "1e9"], "timeout 1000000000.0 is not a number of seconds"),
    ([uri, "x.service", "--restart-mode", "sometimes"], "'sometimes' is not one of: auto, dry-run, approve"),
    ([uri, "x.service", "--restart-mode", "approve", "--approval-timeout", "soon"], "'soon' is not a duration"),
    ([uri, "x.service", "--restart-mode", "approve", "--approval-fallback", "maybe"], "'maybe' is not expire or auto"),
    ([uri, "x.service", "--approval-timeout", "5m"], "apply to --restart-mode approve only"),
    ([uri, "x.service", "--max-restarts", "0", "--within", "1h"], "--max-restarts 0 is below 1"),
    ([uri, "x.service", "--max-restarts", "3"], "--max-restarts needs --within"),
    ([uri, "x.service", "--max-restarts", "3", "--within", "1e400s"], "'1e400s' is not a duration"),
    ([uri, "x.service", "--rearm-after", "-"], "is not a duration"),
    ([uri, "x.service", "--restart-timeout", "0"], "--restart-timeout 0 s is not between 1s and 1h"),
    ([uri, "x.service", "--notify-command", "page-oncall"], "is not an absolute path"),
    ([uri, "x.service", "--metrics-file", "/tmp/whc.txt"], "does not end in .prom"),
    (
      [uri, "x.service", "--send-file", "/nonexistent/message.json"],
      "cannot read --send-file /nonexistent/message.json"
    ),
    ([uri, "x.service", "--expect", "("], "--expect '(' needs --send or --send-file"),
    ([uri, "x.service", "--header", "novalue"], "--header: expected 'Name: value', got 'novalue'"),
    ([uri, "x.service", "--subprotocol", ""], "subprotocol '' is not a token"),
    ([uri, "x.service", "--origin", ""], "origin '' is not a URL"),
    ([uri, "x.service", "--insecure"], "--insecure only applies to wss:// URIs"),
    ([uri, "x.service", "--bogus"], "Unknown option '--bogus'"),
    ([uri, "x;reboot.service"], "unit name 'x;reboot.service' contains ';'"),
    ([uri, "x y.service"], "unit name 'x y.service' contains ' '"),
    ([uri, "../x.service"], "unit name '../x.service' contains '/'"),
    ([uri, "ünï.service"], "unit name 'ünï.service' contains 'ü'"),
    ([uri, ""], "the unit name is empty"),
    (["ws://user:pw@127.0.0.1:1/", "x.service"], "carries user information before '@'"),
    (["ws://127.0.0.1:1/#frag", "x.service"], "has a fragment ('#frag')"),
    (["ws://127.0.0.1:99999/", "x.service"], "port '99999' is not a number from 1 to 65535"),
    (["http://127.0.0.1:1/", "x.service"], "only ws:// and wss:// can be probed"),
    (["", "x.service"], "'' is not a WebSocket URI"),
    (["ws://ünïcode.example/", "x.service"], "is not a valid host name"),
  ]

  @Test(arguments: cases)
  func nonsenseIsOneLineAndChangesNothing(arguments: [String], message: String) throws {
    let sandbox = try CommandSandbox()
    let state = sandbox.directory.appendingPathComponent("fresh/failcount").path
    let outcome = try sandbox.run(arguments + ["--state-file", state, "--log-file", sandbox.logPath])
    #expect(outcome.status != 0)
    #expect(outcome.standardOutput.isEmpty)
    #expect(outcome.lines.count == 1, "\(outcome.lines)")
    #expect(outcome.standardError.contains(message), "\(outcome.standardError)")
    #expect(!FileManager.default.fileExists(atPath: (state as NSString).deletingLastPathComponent))
    #expect(!FileManager.default.fileExists(atPath: sandbox.logPath))
    #expect(sandbox.restartCalls.isEmpty)
  }

  /// A header value with a line break would split the upgrade request into two headers.
  @Test func aHeaderFileWithALineBreakInAValueIsRefused() throws {
    let sandbox = try CommandSandbox()
    let file = sandbox.directory.appendingPathComponent("headers").path
    try "X-Key: a\r\nb\n".write(toFile: file, atomically: false, encoding: .utf8)
    try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: file)
    let outcome = try sandbox.run([uri, "x.service", "--header-file", file, "--state-file", sandbox.statePath])
    #expect(outcome.status == 1)
    #expect(outcome.lines == ["[Error] \(file):1: the value of 'X-Key' holds a line break; a header value is one line"])
    #expect(sandbox.state == nil)
  }

  var uri: String { Self.uri }
}
