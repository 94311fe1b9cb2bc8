import Engine
import Foundation
import TestPeers
import Testing

@testable import Dashboard

/// A server's words are untrusted in every sink: a reason phrase that sets the window title,
/// clears the screen, changes colours, backspaces and starts a fake trigger-log line, and one
/// of 60 kB, through the real binary into the console, the trigger log, the `.last` file and
/// `status`; and into the dashboard's frame.
@Suite struct ServerTextTests {
  static let hostile =
    "\u{1B}]0;pwned\u{07}\u{1B}[2J\u{1B}[31mred\u{08}\u{08}\n2026-12-02 03:00:00.000001: Triggered restart! (fail count: 9)"

  /// No control character but the newline that ends each line; no line longer than a bound.
  func expectClean(_ text: String, _ sink: String, longest: Int = 700, separator: Unicode.Scalar = "\n") {
    let bad = text.unicodeScalars.first { ($0.value < 0x20 && $0 != "\n" && $0 != separator) || $0.value == 0x7F }
    #expect(bad == nil, "\(sink): \(text.prefix(300).debugDescription)")
    for line in text.split(separator: "\n") {
      #expect(line.count <= longest, "\(sink): a line of \(line.count) characters")
    }
    #expect(
      !text.split(separator: "\n").contains { $0.hasPrefix("2026-12-02 03:00:00.000001") }, "\(sink): a forged line")
  }

  @Test(arguments: ["escape sequences and a forged line", "60 kB"])
  func aHostileReasonPhraseReachesEverySinkVisibleAndBounded(kind: String) throws {
    let reason = kind == "60 kB" ? String(repeating: "R", count: 60_000) : Self.hostile
    let peer = try ScriptedPeer([.readRequest, .send(Array("HTTP/1.1 503 \(reason)\r\n\r\n".utf8)), .hold])
    defer { peer.stop() }
    let sandbox = try CommandSandbox()
    try sandbox.setState("4242:0")
    let outcome = try sandbox.check("ws://127.0.0.1:\(peer.port)/", ["--threshold", "1", "--timeout", "2"])
    #expect(outcome.status == 0, "\(outcome.lines)")
    #expect(sandbox.restartCalls.count == 1)
    expectClean(outcome.standardOutput + outcome.standardError, "console")
    let log = try String(contentsOfFile: sandbox.logPath, encoding: .utf8)
    expectClean(log, "trigger log")
    #expect(log.split(separator: "\n").count == 1)
    let last = try String(contentsOfFile: sandbox.statePath + ".last", encoding: .utf8)
    expectClean(last, ".last file", separator: "\t")
    let status = try sandbox.run([
      "status", "ws://127.0.0.1:\(peer.port)/", "openems.service", "--state-file", sandbox.statePath, "--log-file",
      sandbox.logPath,
    ])
    expectClean(status.standardOutput + status.standardError, "status")
    if reason.count > 1000 {
      #expect(log.contains("… (59800 more characters)"), "\(log.prefix(400))")
    } else {
      #expect(log.contains("^[]0;pwned^G^[[2J^[[31mred^H^H^J2026-12-02"), "\(log)")
    }
  }

  @Test func aHostileReasonIsVisibleOnTheDashboard() {
    var model = DashboardFixtures.failing()
    model.lastProbe = .init(
      time: DashboardFixtures.time,
      result: ProbeResult(failure: .httpStatus(code: 503, reason: Self.hostile), timings: PhaseTimings()))
    let frame = DashboardView(model: model, glyphs: .ascii).render(width: 100, height: 30).text
    expectClean(frame, "dashboard", longest: 100)
    #expect(frame.contains("^[]0;pwned"), "\(frame)")
  }
}
