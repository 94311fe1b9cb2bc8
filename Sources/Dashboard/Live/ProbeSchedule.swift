import Engine
import NIOCore

/// When the next beat of an interval comes: `interval` after the last, or, when that has passed
/// already (a loop held up), the next one on the rhythm, as a ticker does (Kubernetes' probes,
/// Monit's cycles): the beats it missed are skipped, not struck back to back.
enum ProbeRhythm {
  static func nextStart(after started: NIODeadline, interval: TimeAmount, now: NIODeadline) -> NIODeadline {
    guard interval.nanoseconds > 0 else { return now }
    let next = started + interval
    guard next < now else { return next }
    let missed = (now - next).nanoseconds / interval.nanoseconds + 1
    return next + .nanoseconds(missed * interval.nanoseconds)
  }
}

/// Every target's probes on the probe loop, on beats: one scheduled callback (NIO's timer that
/// needs no promise) strikes several targets, and at each beat every one of them whose last
/// probe has ended is probed, its result left in the mailbox. A probe still running at a beat
/// skips it: never two of one target at once, never back to back. Built from any thread;
/// everything after runs on the loop.
struct ProbeSchedule: Sendable {
  private let loop: any EventLoop
  private let running: NIOLoopBoundBox<[Beat]?>

  /// Which targets share a beat, and when in the interval it comes: the targets of one
  /// interval share one (a hundred targets' events then wake the loop together: wake-ups are
  /// most of what a probe costs, and spreading a hundred over the second measured twice the
  /// CPU), but no more than `perServer` of one server's, the rest on beats spread over the
  /// interval: the dashboard does not queue up a server it then measures.
  struct Plan: Equatable {
    var interval: Int64
    /// Milliseconds into the interval.
    var offset: Int64
    var targets: [Int]

    static let perServer = 8

    static func beats(intervals: [Int64], servers: [String], perServer: Int = perServer) -> [Plan] {
      var rank: [String: Int] = [:]
      var groups: [Int64: [Int: [Int]]] = [:]
      for (index, interval) in intervals.enumerated() {
        let key = "\(interval) \(servers[index])"
        let place = rank[key, default: 0]
        rank[key] = place + 1
        groups[interval, default: [:]][place / perServer, default: []].append(index)
      }
      return groups.sorted { $0.key < $1.key }.flatMap { interval, places in
        places.sorted { $0.key < $1.key }.map { place, targets in
          Plan(interval: interval, offset: interval * Int64(place) / Int64(places.count), targets: targets)
        }
      }
    }
  }

  init(targets: [WatchedTarget], loop: any EventLoop, mailbox: SessionMailbox) {
    self.loop = loop
    running = NIOLoopBoundBox.makeEmptyBox(valueType: [Beat].self, eventLoop: loop)
    let running = self.running
    let plans = Plan.beats(
      intervals: targets.map { Int64($0.view.interval * 1000) },
      servers: targets.map { "\($0.probe.uri.host.lowercased()):\($0.probe.uri.port)" })
    let probes = targets.map(\.probe)
    loop.execute {
      let start = NIODeadline.now()
      let beats = plans.map { plan in
        Beat(
          interval: .milliseconds(plan.interval), first: start + .milliseconds(plan.offset), loop: loop,
          targets: plan.targets.map { TargetProbes(index: $0, probe: probes[$0], loop: loop, mailbox: mailbox) })
      }
      running.value = beats
      for beat in beats { beat.start() }
    }
  }

  /// No new probe starts, and a running one's result is dropped.
  func stop() {
    let running = self.running
    loop.execute {
      for beat in running.value ?? [] { beat.stop() }
      running.value = nil
    }
  }
}

/// Targets that share a timer. Lives on the loop.
private final class Beat {
  private let interval: TimeAmount
  private let loop: any EventLoop
  private let targets: [TargetProbes]
  private var next: NIODeadline
  private var timer: NIOScheduledCallback?

  init(interval: TimeAmount, first: NIODeadline, loop: any EventLoop, targets: [TargetProbes]) {
    self.interval = interval
    self.loop = loop
    self.targets = targets
    next = first
  }

  func start() {
    if next <= .now() {
      strike()
    } else {
      schedule()
    }
  }

  /// Probes every idle target, and sets the next beat (the one after, if the loop was late).
  func strike() {
    for target in targets where !target.isProbing { target.probeNow() }
    next = ProbeRhythm.nextStart(after: next, interval: interval, now: .now())
    schedule()
  }

  private func schedule() {
    // Only a loop that is shutting down refuses, and then the dashboard is ending.
    timer = try? loop.scheduleCallback(at: next, handler: BeatWake(beat: self))
  }

  func stop() {
    timer?.cancel()
    timer = nil
    for target in targets { target.stop() }
  }
}

/// Strikes a beat. NIO calls it on the loop the beat lives on; saying so spares the wrapper
/// the isolated scheduling API would add.
private struct BeatWake: NIOScheduledCallbackHandler, @unchecked Sendable {
  let beat: Beat

  func handleScheduledCallback(eventLoop: some EventLoop) {
    beat.strike()
  }
}

/// One target's probes. Lives on the loop.
private final class TargetProbes {
  private let index: Int
  private let probe: Probe
  private let loop: any EventLoop
  private let mailbox: SessionMailbox
  private(set) var isProbing = false
  private var stopped = false

  init(index: Int, probe: Probe, loop: any EventLoop, mailbox: SessionMailbox) {
    self.index = index
    self.probe = probe
    self.loop = loop
    self.mailbox = mailbox
  }

  func probeNow() {
    guard !stopped else { return }
    isProbing = true
    probe.run(on: loop) { result in
      self.isProbing = false
      guard !self.stopped else { return }
      self.mailbox.post(.probed(self.index, result, LocalTimestamp.now()))
    }
  }

  func stop() {
    stopped = true
  }
}
