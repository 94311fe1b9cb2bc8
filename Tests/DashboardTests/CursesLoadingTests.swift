import Foundation
import TestPeers
import Testing

/// ncurses is loaded when the dashboard opens its screen, and only then: the timer's check
/// starts every 15 s and never draws.
@Suite struct CursesLoadingTests {
  @Test func theBinaryNeedsNoCursesLibrary() throws {
    let readelf = Process()
    readelf.executableURL = URL(fileURLWithPath: "/usr/bin/readelf")
    readelf.arguments = ["--dynamic", binaryPath]
    let output = Pipe()
    readelf.standardOutput = output
    try readelf.run()
    let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    readelf.waitUntilExit()
    let needed = text.split(separator: "\n").filter { $0.contains("(NEEDED)") }
    #expect(needed.contains { $0.contains("libc.so.6") }, "readelf said: \(text)")
    #expect(!needed.contains { $0.contains("ncurses") || $0.contains("tinfo") }, "\(needed)")
  }

  @Test func aCheckLoadsNoCurses() throws {
    let server = try WebSocketTestServer(.healthy)
    defer { server.stop() }
    let sandbox = try CommandSandbox()
    // The dynamic loader names every library it loads, dlopen's too.
    let outcome = try sandbox.run(
      [
        "ws://127.0.0.1:\(server.port)", "openems.service", "--state-file", sandbox.statePath, "--log-file",
        sandbox.logPath,
      ],
      environment: ["LD_DEBUG": "libs"])
    #expect(outcome.status == 0)
    #expect(outcome.standardError.contains("libc.so.6"), "LD_DEBUG said nothing: \(outcome.standardError)")
    #expect(!outcome.standardError.contains("ncurses"))
    #expect(!outcome.standardError.contains("libtinfo"))
  }

  /// In a mount namespace whose libncursesw is an empty file: the check still works, and the
  /// dashboard says in one line what is missing and how to get it.
  @Test(.enabled(if: geteuid() == 0 && FileManager.default.fileExists(atPath: "/usr/bin/unshare")))
  func withoutNcursesTheCheckWorksAndTheDashboardSaysWhatToInstall() throws {
    let server = try WebSocketTestServer(.healthy)
    defer { server.stop() }
    let sandbox = try CommandSandbox()
    let hidden = [
      "/usr/bin/unshare", "--mount", "/bin/sh", "-c",
      """
      lib=$(/sbin/ldconfig -p | sed -n 's/^[[:space:]]*libncursesw\\.so\\.6 .* => //p' | head -n 1)
      [ -n "$lib" ] && mount --bind /dev/null "$lib" && exec "$0" "$@"
      echo "cannot hide libncursesw.so.6 ($lib)" >&2; exit 99
      """,
    ]
    let target = [
      "ws://127.0.0.1:\(server.port)", "openems.service", "--state-file", sandbox.statePath, "--log-file",
      sandbox.logPath,
    ]
    let check = try sandbox.start(target, through: hidden).finish()
    #expect(check.status == 0, "\(check.standardError)")
    #expect(check.standardOutput.hasPrefix("[Info] WebSocket healthy ("))
    #expect(sandbox.state == "4242:0")

    let dashboard = try sandbox.start(["dashboard"] + target, through: hidden).finish()
    #expect(dashboard.status != 0 && dashboard.status != 99, "\(dashboard.standardError)")
    let lines = dashboard.standardError.split(separator: "\n")
    #expect(lines.count == 1, "one line: \(dashboard.standardError)")
    #expect(dashboard.standardError.contains("cannot load ncurses"))
    #expect(dashboard.standardError.contains("libncursesw.so.6"))
    #expect(dashboard.standardError.contains("apt-get install libncursesw6"))
  }
}
