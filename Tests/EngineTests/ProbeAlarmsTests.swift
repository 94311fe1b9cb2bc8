import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import Testing

@testable import Engine

/// The deadlines and graces of the probes on a loop: two queues in time order, one NIO timer
/// each. Probes that are never started are rung directly; a probe rung before it connected
/// ends as timed out, which is how these tests see the ring.
@Suite struct ProbeAlarmsTests {
  /// Probes on one real loop, each ending into `rang` under its name.
  final class Bench: Sendable {
    let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    let rang = NIOLockedValueBox<[String]>([])
    let probe: Probe

    init() throws {
      probe = try Probe(
        uri: WebSocketURI(parsing: "ws://127.0.0.1:9/"), options: ProbeOptions(timeout: .seconds(30)), group: group)
    }

    var loop: any EventLoop { group.next() }

    /// Runs `body` on the loop with an attempt per name, each ending into `rang`.
    func onLoop<T: Sendable>(
      _ names: [String], _ body: @escaping @Sendable ([String: ProbeAttempt], ProbeAlarms) -> T
    ) throws -> T {
      let loop = self.loop
      let (probe, rang) = (self.probe, self.rang)
      return try loop.submit {
        var attempts: [String: ProbeAttempt] = [:]
        for name in names {
          attempts[name] = ProbeAttempt(probe: probe, eventLoop: loop) { _ in rang.withLockedValue { $0.append(name) } }
        }
        return body(attempts, ProbeAlarms.on(loop))
      }.wait()
    }

    /// Waits until `name` has rung, for at most `seconds`.
    func wait(for name: String, seconds: Double = 5) {
      let end = NIODeadline.now() + .milliseconds(Int64(seconds * 1000))
      while NIODeadline.now() < end, !rang.withLockedValue({ $0.contains(name) }) { usleep(5_000) }
    }

    func stop() { try? group.syncShutdownGracefully() }
  }

  @Test func alarmsRingInTheirOrderAndARemovedOneNever() throws {
    let bench = try Bench()
    defer { bench.stop() }
    try bench.onLoop(["late", "removed", "early"]) { attempts, alarms in
      let now = NIODeadline.now()
      alarms.add(attempts["late"]!, at: now + .milliseconds(90), .deadline)
      alarms.add(attempts["removed"]!, at: now + .milliseconds(30), .deadline)
      alarms.add(attempts["early"]!, at: now + .milliseconds(60), .deadline)
      alarms.remove(attempts["removed"]!)
    }
    bench.wait(for: "late")
    #expect(bench.rang.withLockedValue { $0 } == ["early", "late"])
    #expect(try bench.onLoop([]) { _, alarms in alarms.count(.deadline) } == 0)
  }

  @Test func anAlarmBeforeTheTimerSetsItAgain() throws {
    let bench = try Bench()
    defer { bench.stop() }
    try bench.onLoop(["in two seconds", "soon"]) { attempts, alarms in
      alarms.add(attempts["in two seconds"]!, at: .now() + .seconds(2), .deadline)
      alarms.add(attempts["soon"]!, at: .now() + .milliseconds(30), .deadline)
    }
    bench.wait(for: "soon", seconds: 1.5)
    // With the timer left at the first alarm, both would ring after two seconds.
    #expect(bench.rang.withLockedValue { $0 } == ["soon"])
  }

  @Test func deadlinesAndGracesAreApartAndAnEndedProbeLeavesBoth() throws {
    let bench = try Bench()
    defer { bench.stop() }
    let counts = try bench.onLoop(["one", "two"]) { attempts, alarms in
      let later = NIODeadline.now() + .seconds(20)
      alarms.add(attempts["one"]!, at: later, .deadline)
      alarms.add(attempts["two"]!, at: later, .deadline)
      alarms.add(attempts["one"]!, at: later, .grace)
      let before = (alarms.count(.deadline), alarms.count(.grace))
      // Ringing ends a probe, which then takes its other alarm away.
      attempts["one"]!.alarmRang(.grace)
      return [before.0, before.1, alarms.count(.deadline), alarms.count(.grace)]
    }
    #expect(counts == [2, 1, 1, 0])
    #expect(bench.rang.withLockedValue { $0 } == ["one"])
  }

  @Test func eachLoopHasItsOwnAlarms() throws {
    let bench = try Bench()
    let other = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    defer {
      bench.stop()
      try? other.syncShutdownGracefully()
    }
    let here = try bench.loop.submit { ObjectIdentifier(ProbeAlarms.on(bench.loop)) }.wait()
    let again = try bench.loop.submit { ObjectIdentifier(ProbeAlarms.on(bench.loop)) }.wait()
    let there = try other.next().submit { ObjectIdentifier(ProbeAlarms.on(other.next())) }.wait()
    #expect(here == again)
    #expect(here != there)
  }
}
