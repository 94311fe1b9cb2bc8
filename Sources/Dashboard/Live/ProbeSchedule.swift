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

/// Every target's probes on the probe loop: the targets of one interval share a beat (one
/// scheduled callback, NIO's timer that needs no promise), and at each beat every one of them
/// whose last probe has ended is probed, its result left in the mailbox. A probe still running
/// at a beat skips it: never two of one target at once, never back to back. Built from any
/// thread; everything after runs on the loop.
struct ProbeSchedule: Sendable {
  private let loop: any EventLoop
  private let running: NIOLoopBoundBox<[Beat]?>

  /// Starts every target's probes at once: one wake-up of the loop then serves every
  /// target's events together, which measured cheaper for a box of a hundred
  /// (bench/dashboard-box.sh) than spreading the starts.
  init(targets: [WatchedTarget], loop: any EventLoop, mailbox: SessionMailbox) {
    self.loop = loop
    running = NIOLoopBoundBox.makeEmptyBox(valueType: [Beat].self, eventLoop: loop)
    let running = self.running
    var byInterval: [Int64: [(index: Int, probe: Probe)]] = [:]
    for (index, target) in targets.enumerated() {
      byInterval[Int64(target.view.interval * 1000), default: []].append((index, target.probe))
    }
    let plans = byInterval.sorted { $0.key < $1.key }
    loop.execute {
      let beats = plans.map { milliseconds, targets in
        Beat(
          interval: .milliseconds(milliseconds), loop: loop,
          targets: targets.map { TargetProbes(index: $0.index, probe: $0.probe, loop: loop, mailbox: mailbox) })
      }
      running.value = beats
      for beat in beats { beat.strike() }
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

/// The targets of one interval and their shared timer. Lives on the loop.
private final class Beat {
  private let interval: TimeAmount
  private let loop: any EventLoop
  private let targets: [TargetProbes]
  private var next = NIODeadline.now()
  private var timer: NIOScheduledCallback?

  init(interval: TimeAmount, loop: any EventLoop, targets: [TargetProbes]) {
    self.interval = interval
    self.loop = loop
    self.targets = targets
  }

  /// Probes every idle target, and sets the next beat (the one after, if the loop was late).
  func strike() {
    for target in targets where !target.isProbing { target.probeNow() }
    next = ProbeRhythm.nextStart(after: next, interval: interval, now: .now())
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
