import Engine
import Foundation
import TestPeers
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// Something else planted at every path a check opens: a symbolic link, a hard link, a FIFO,
/// a directory, 10 MB of garbage. The check must not hang, follow, or lose anything, and must
/// say what is wrong in one line; a restart that is due still happens wherever only the log
/// is in the way.
@Suite struct PlantedFilesTests {
  enum Plant: String, CaseIterable, Sendable {
    case symlink, hardLink, fifo, directory, garbage
  }

  enum Place: String, CaseIterable, Sendable {
    case state, record, lastCheck, history, log, metrics
  }

  struct Case: Sendable, CustomTestStringConvertible {
    var place: Place
    var plant: Plant
    /// The exit status, whether the due restart happened, and what the console says.
    var status: Int32
    var restarted: Bool
    var said: String?
    var testDescription: String { "\(plant) at the \(place) path" }
  }

  static let notRegular = "is not a regular file; remove it or choose another --state-file"
  static let restartWithoutLine = "the restart went ahead without its trigger-log line"

  /// The counter and the restart record decide a restart: anything wrong there is our error
  /// and nothing is restarted (as the reference does). The last check, the check history, the
  /// log and the metrics only report: the due restart happens regardless.
  static let cases: [Case] = [
    Case(
      place: .state, plant: .symlink, status: 1, restarted: false, said: "is a symbolic link; refusing to follow it"),
    Case(place: .state, plant: .hardLink, status: 0, restarted: false, said: "held \"precious?\""),
    Case(place: .state, plant: .fifo, status: 1, restarted: false, said: notRegular),
    Case(place: .state, plant: .directory, status: 1, restarted: false, said: notRegular),
    Case(place: .state, plant: .garbage, status: 0, restarted: false, said: "held \"AAAA"),
    Case(
      place: .record, plant: .symlink, status: 1, restarted: false, said: "is a symbolic link; refusing to follow it"),
    Case(place: .record, plant: .hardLink, status: 0, restarted: true, said: nil),
    Case(place: .record, plant: .fifo, status: 1, restarted: false, said: notRegular),
    Case(place: .record, plant: .directory, status: 1, restarted: false, said: notRegular),
    Case(place: .record, plant: .garbage, status: 0, restarted: true, said: nil),
    Case(place: .lastCheck, plant: .symlink, status: 0, restarted: true, said: nil),
    Case(place: .lastCheck, plant: .hardLink, status: 0, restarted: true, said: nil),
    Case(place: .lastCheck, plant: .fifo, status: 0, restarted: true, said: nil),
    Case(place: .lastCheck, plant: .directory, status: 0, restarted: true, said: nil),
    Case(place: .lastCheck, plant: .garbage, status: 0, restarted: true, said: nil),
    Case(place: .history, plant: .symlink, status: 0, restarted: true, said: nil),
    Case(place: .history, plant: .hardLink, status: 0, restarted: true, said: nil),
    Case(place: .history, plant: .fifo, status: 0, restarted: true, said: nil),
    Case(place: .history, plant: .directory, status: 0, restarted: true, said: nil),
    Case(place: .history, plant: .garbage, status: 0, restarted: true, said: nil),
    Case(place: .log, plant: .symlink, status: 6, restarted: true, said: restartWithoutLine),
    Case(place: .log, plant: .hardLink, status: 6, restarted: true, said: "has 2 names (hard links)"),
    Case(place: .log, plant: .fifo, status: 6, restarted: true, said: restartWithoutLine),
    Case(place: .log, plant: .directory, status: 6, restarted: true, said: restartWithoutLine),
    Case(place: .log, plant: .garbage, status: 0, restarted: true, said: nil),
    Case(place: .metrics, plant: .symlink, status: 0, restarted: true, said: nil),
    Case(place: .metrics, plant: .hardLink, status: 0, restarted: true, said: nil),
    Case(place: .metrics, plant: .fifo, status: 0, restarted: true, said: nil),
    Case(place: .metrics, plant: .directory, status: 0, restarted: true, said: "cannot replace metrics file"),
    Case(place: .metrics, plant: .garbage, status: 0, restarted: true, said: nil),
  ]

  @Test func everyPlaceAndPlantIsInTheTable() {
    for place in Place.allCases {
      for plant in Plant.allCases {
        #expect(Self.cases.contains { $0.place == place && $0.plant == plant }, "\(plant) at \(place)")
      }
    }
  }

  @Test(arguments: cases)
  func isNotFollowedNotHungOnAndSaidInOneLine(_ planted: Case) throws {
    let sandbox = try CommandSandbox()
    try sandbox.setState("4242:2")
    let victim = sandbox.directory.appendingPathComponent("victim").path
    try "precious\n".write(toFile: victim, atomically: false, encoding: .utf8)
    let metrics = sandbox.directory.appendingPathComponent("whc.prom").path
    let path =
      switch planted.place {
      case .state: sandbox.statePath
      case .record: sandbox.statePath + ".policy"
      case .lastCheck: sandbox.statePath + ".last"
      case .history: sandbox.statePath + ".history"
      case .log: sandbox.logPath
      case .metrics: metrics
      }
    try? FileManager.default.removeItem(atPath: path)
    switch planted.plant {
    case .symlink: try FileManager.default.createSymbolicLink(atPath: path, withDestinationPath: victim)
    case .hardLink: try FileManager.default.linkItem(atPath: victim, toPath: path)
    case .fifo: #expect(mkfifo(path, 0o600) == 0)
    case .directory: try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
    case .garbage:
      try Data(repeating: 0x41, count: 10 << 20).write(to: URL(fileURLWithPath: path))
    }
    let clock = ContinuousClock()
    let began = clock.now
    let outcome = try sandbox.run([
      "ws://127.0.0.1:\(try closedPort())/", "openems.service", "--state-file", sandbox.statePath, "--log-file",
      sandbox.logPath, "--metrics-file", metrics,
    ])
    let took = clock.now - began
    let said = outcome.lines.joined(separator: " / ")
    #expect(outcome.status == planted.status, "\(said)")
    #expect(sandbox.restartCalls.count == (planted.restarted ? 1 : 0), "\(said)")
    if let expected = planted.said { #expect(said.contains(expected), "\(said)") }
    #expect(took < .seconds(5), "hung for \(took)")
    #expect(
      try String(contentsOfFile: victim, encoding: .utf8) == "precious\n",
      "the victim was written through the \(planted.place) path")
  }
}
