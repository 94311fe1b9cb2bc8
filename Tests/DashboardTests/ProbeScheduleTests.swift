import Engine
import Foundation
import NIOCore
import NIOPosix
import TestPeers
import Testing

@testable import Dashboard

@Suite struct ProbeScheduleTests {
  /// Seconds from an arbitrary start, as deadlines.
  static func at(_ seconds: Double) -> NIODeadline { .uptimeNanoseconds(UInt64(1_000_000_000 + seconds * 1e9)) }

  @Test(arguments: [
    // (started, now, interval, next): on the rhythm while probes are quick…
    (0.0, 0.005, 1.0, 1.0),
    (0.0, 0.999, 1.0, 1.0),
    (5.0, 5.2, 2.0, 7.0),
    // …a probe that ended exactly on the next beat starts the next one then…
    (0.0, 1.0, 1.0, 1.0),
    // …and one that overran skips the beats it missed: never back to back.
    (0.0, 1.001, 1.0, 2.0),
    (0.0, 10.0005, 1.0, 11.0),
    (0.0, 3.5, 2.0, 4.0),
  ])
  func theNextProbeStartsOnTheNextBeat(started: Double, now: Double, interval: Double, next: Double) {
    let start = ProbeRhythm.nextStart(
      after: Self.at(started), interval: .nanoseconds(Int64(interval * 1e9)), now: Self.at(now))
    #expect(abs(Double(start.uptimeNanoseconds) - Double(Self.at(next).uptimeNanoseconds)) < 1000)
  }

  @Test(arguments: [
    // Different servers share a beat…
    ([1000, 1000, 1000], ["a:1", "b:1", "c:1"], [ProbeSchedule.Plan(interval: 1000, offset: 0, targets: [0, 1, 2])]),
    // …one server's targets are spread over the interval…
    (
      [1000, 1000, 1000], ["a:1", "a:1", "a:1"],
      [
        .init(interval: 1000, offset: 0, targets: [0]), .init(interval: 1000, offset: 333, targets: [1]),
        .init(interval: 1000, offset: 666, targets: [2]),
      ]
    ),
    // …and the two together: each beat takes one of each server's.
    (
      [1000, 1000, 1000, 1000], ["a:1", "a:1", "b:1", "b:1"],
      [.init(interval: 1000, offset: 0, targets: [0, 2]), .init(interval: 1000, offset: 500, targets: [1, 3])]
    ),
    // Another port is another server; another interval another rhythm.
    ([1000, 1000], ["a:1", "a:2"], [.init(interval: 1000, offset: 0, targets: [0, 1])]),
    (
      [1000, 2000], ["a:1", "a:1"],
      [.init(interval: 1000, offset: 0, targets: [0]), .init(interval: 2000, offset: 0, targets: [1])]
    ),
  ])
  func aServersTargetsAreSpreadPastTheBound(intervals: [Int64], servers: [String], plans: [ProbeSchedule.Plan]) {
    // A bound of one here, so that small tables show the spreading.
    #expect(ProbeSchedule.Plan.beats(intervals: intervals, servers: servers, perServer: 1) == plans)
  }

  @Test func upToTheBoundOneServersTargetsShareABeat() {
    let bound = ProbeSchedule.Plan.perServer
    let plans = ProbeSchedule.Plan.beats(
      intervals: Array(repeating: 1000, count: 2 * bound + 1), servers: Array(repeating: "a:1", count: 2 * bound + 1))
    #expect(plans.map(\.offset) == [0, 333, 666])
    #expect(plans.map(\.targets.count) == [bound, bound, 1])
    #expect(plans[0].targets == Array(0..<bound))
  }

  @Test func everyTargetIsProbedOnItsRhythmUntilStopped() throws {
    let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    defer { try? group.syncShutdownGracefully() }
    let server = try WebSocketTestServer(.healthy)
    defer { server.stop() }
    let uri = try WebSocketURI(parsing: "ws://127.0.0.1:\(server.port)/")
    let targets = (0..<2).map { index in
      var view = DashboardFixtures.target()
      view.interval = index == 0 ? 0.1 : 0.25
      return WatchedTarget(view: view, probe: try! Probe(uri: uri, options: ProbeOptions(), group: group))
    }
    let mailbox = try SessionMailbox()
    let schedule = ProbeSchedule(targets: targets, loop: group.next(), mailbox: mailbox)
    Thread.sleep(forTimeInterval: 1.05)
    schedule.stop()
    // What was in flight at the stop is dropped, not posted.
    try group.next().submit {}.wait()
    var counts = [0, 0]
    for event in mailbox.take() {
      guard case .probed(let index, let result, _) = event else { continue }
      #expect(result.isHealthy, "\(result.summary)")
      counts[index] += 1
    }
    // Started at once, then every 0.1 s and every 0.25 s: 11 and 5 in 1.05 s, give or take a
    // beat on a busy machine.
    #expect((9...11).contains(counts[0]), "\(counts)")
    #expect((4...5).contains(counts[1]), "\(counts)")
    let connections = server.connectionCount
    Thread.sleep(forTimeInterval: 0.3)
    #expect(mailbox.take().isEmpty)
    #expect(server.connectionCount == connections, "a probe started after the stop")
  }
}
