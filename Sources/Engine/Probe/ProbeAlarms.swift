import NIOCore
import NIOPosix

/// When the probes on one event loop give up: their deadlines, and the graces of their closes,
/// in two queues in time order with one NIO timer each, not a timer per probe and per grace.
///
/// NIO keeps a loop's timers in one heap and finds a cancelled one by looking at every entry
/// (the connect timeout of each `ClientBootstrap` among them): a hundred probes a second, each
/// scheduling and cancelling a deadline and a grace, made that a twentieth of the probe loop's
/// work. Here an entry nearly always goes at the end of its queue (a target's probes share one
/// timeout, every grace is as long as the others), and the probe that ends is nearly always
/// one of the first; the timer is set again only when the first entry is earlier than it.
final class ProbeAlarms: @unchecked Sendable {
  // Sendable for the thread-specific variable and the timers' handler only: every method runs
  // on `loop`, whose thread keeps this.
  enum Kind {
    case deadline, grace
  }

  private struct Entry {
    var at: NIODeadline
    var attempt: ProbeAttempt
  }

  /// One kind's alarms, in time order (an array: a few dozen probes are in flight at most, and
  /// entries come and go at its ends), and the timer set for the first.
  private struct Queue {
    var entries: [Entry] = []
    var timer: NIOScheduledCallback?
    var armedAt: NIODeadline?
  }

  let loop: any EventLoop
  private var deadlines = Queue()
  private var graces = Queue()

  private init(loop: any EventLoop) {
    self.loop = loop
    deadlines.entries.reserveCapacity(64)
    graces.entries.reserveCapacity(64)
  }

  /// The alarms of `loop`, called on it: the ones its thread keeps. A thread runs one event
  /// loop; an attempt on another loop of the same thread (none here) gets alarms of its own,
  /// which work the same, one timer a probe.
  static func on(_ loop: any EventLoop) -> ProbeAlarms {
    if let kept = perThread.currentValue {
      return kept.loop === loop ? kept : ProbeAlarms(loop: loop)
    }
    let alarms = ProbeAlarms(loop: loop)
    perThread.currentValue = alarms
    return alarms
  }

  private static let perThread = ThreadSpecificVariable<ProbeAlarms>()

  /// Rings `attempt` (`alarmRang(_:)`) at `at`, unless it is removed first.
  /// - Returns: false when the loop refuses timers: it is shutting down.
  @discardableResult
  func add(_ attempt: ProbeAttempt, at: NIODeadline, _ kind: Kind) -> Bool {
    let loop = self.loop
    let wake = AlarmWake(alarms: self, kind: kind)
    return withQueue(kind) { queue in
      // From the end: later than every other is the usual place.
      var index = queue.entries.endIndex
      while index > 0, queue.entries[index - 1].at > at { index -= 1 }
      queue.entries.insert(Entry(at: at, attempt: attempt), at: index)
      if let armedAt = queue.armedAt, armedAt <= at { return true }
      queue.timer?.cancel()
      do {
        queue.timer = try loop.scheduleCallback(at: at, handler: wake)
        queue.armedAt = at
        return true
      } catch {
        queue.timer = nil
        queue.armedAt = nil
        queue.entries.remove(at: index)
        return false
      }
    }
  }

  /// `attempt` needs no alarm any more.
  func remove(_ attempt: ProbeAttempt) {
    withQueue(.deadline) { Self.remove(attempt, from: &$0) }
    withQueue(.grace) { Self.remove(attempt, from: &$0) }
  }

  private static func remove(_ attempt: ProbeAttempt, from queue: inout Queue) {
    guard let index = queue.entries.firstIndex(where: { $0.attempt === attempt }) else { return }
    queue.entries.remove(at: index)
    if queue.entries.isEmpty {
      // Nothing left to ring for: no stray wake-up, and nothing pending when the loop ends.
      queue.timer?.cancel()
      queue.timer = nil
      queue.armedAt = nil
    }
  }

  /// Entries waiting, for tests.
  func count(_ kind: Kind) -> Int { withQueue(kind) { $0.entries.count } }

  private func withQueue<Result>(_ kind: Kind, _ body: (inout Queue) -> Result) -> Result {
    switch kind {
    case .deadline: body(&deadlines)
    case .grace: body(&graces)
    }
  }

  fileprivate func ring(_ kind: Kind) {
    let now = NIODeadline.now()
    let loop = self.loop
    let wake = AlarmWake(alarms: self, kind: kind)
    let due: [ProbeAttempt] = withQueue(kind) { queue in
      let dueCount = queue.entries.firstIndex { $0.at > now } ?? queue.entries.count
      let due = queue.entries[..<dueCount].map(\.attempt)
      queue.entries.removeFirst(dueCount)
      queue.timer = nil
      queue.armedAt = nil
      if let first = queue.entries.first {
        // A loop shutting down refuses; its probes end with it.
        queue.timer = try? loop.scheduleCallback(at: first.at, handler: wake)
        queue.armedAt = queue.timer == nil ? nil : first.at
      }
      return due
    }
    // After the queue is whole again: a ringing attempt ends, and removes its other alarm.
    for attempt in due { attempt.alarmRang(kind) }
  }
}

/// Rings a queue of alarms. NIO calls it on the loop the alarms belong to.
private struct AlarmWake: NIOScheduledCallbackHandler, Sendable {
  let alarms: ProbeAlarms
  let kind: ProbeAlarms.Kind

  func handleScheduledCallback(eventLoop: some EventLoop) {
    alarms.ring(kind)
  }
}
