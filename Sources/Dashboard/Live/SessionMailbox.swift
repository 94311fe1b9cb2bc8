import Engine
import NIOConcurrencyHelpers

#if canImport(Glibc)
  import Glibc
#endif

/// Where background work (probes, checks, systemctl) leaves its results for the screen's
/// thread, and wakes it through a pipe it polls beside the keyboard.
///
/// A probe's result does not wake the screen's thread: it is drawn on the next frame anyway,
/// and that thread looks for events on every tick (four times a second). A hundred
/// targets' probes then cost the screen's thread no wake-ups of their own.
final class SessionMailbox: Sendable {
  /// What happened, and to which target (an index into the session's targets).
  enum Event: Sendable {
    case probed(Int, ProbeResult, LocalTimestamp)
    case checked(Int, CheckReport)
    /// systemd's answer (or why there is none), and each target's timer problem, in order.
    case services(ServiceOverview, String?, timerProblems: [TimerProblem?] = [])
    case message(Int, DashboardModel.StatusMessage)
    case timerDue(in: Int)
    case timerRan(Int, CheckReport)
  }

  /// The events not yet taken, and whether the pipe has been written since the last take.
  private let pending = NIOLockedValueBox<(events: [Event], woken: Bool)>(([], false))
  /// 0 while running, 1 once stopped; background loops wait on it between rounds.
  private let stopped = ConditionLock(value: 0)
  /// Read end, for poll; the write end wakes it.
  let wakeDescriptor: Int32
  private let wakeWriter: Int32

  init() throws {
    var ends: [Int32] = [-1, -1]
    guard pipe(&ends) == 0 else {
      throw ScreenError(description: "cannot create a pipe: \(String(cString: strerror(errno)))")
    }
    for fd in ends { _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) }
    wakeDescriptor = ends[0]
    wakeWriter = ends[1]
  }

  /// Leaves an event; wakes the screen's thread for the first waking event since it last took
  /// them, so a burst costs one wake-up.
  func post(_ event: Event) {
    let wake = pending.withLockedValue { pending in
      pending.events.append(event)
      guard event.wakes, !pending.woken else { return false }
      pending.woken = true
      return true
    }
    guard wake else { return }
    var byte: UInt8 = 1
    _ = write(wakeWriter, &byte, 1)
  }

  /// Everything posted since the last call, oldest first.
  func take() -> [Event] {
    let (events, woken) = pending.withLockedValue { pending in
      defer { pending = ([], false) }
      return pending
    }
    if woken {
      // A byte written after this read wakes the next poll early, harmlessly.
      var drain = [UInt8](repeating: 0, count: 64)
      while read(wakeDescriptor, &drain, drain.count) > 0 {}
    }
    return events
  }

  /// Tells background loops to end; a loop waiting in `waitUntilStopped` sees it at once.
  func stop() {
    stopped.lock()
    stopped.unlock(withValue: 1)
  }

  /// Waits up to `seconds` for `stop()`; true when stopped. A loop that runs every few seconds
  /// waits here instead of sleeping in short steps, so it costs one wake-up a round.
  func waitUntilStopped(seconds: Double) -> Bool {
    guard stopped.lock(whenValue: 1, timeoutSeconds: seconds) else { return false }
    stopped.unlock()
    return true
  }
}

extension SessionMailbox.Event {
  /// Whether the screen's thread should wake for it now, rather than on its next tick.
  var wakes: Bool {
    if case .probed = self { return false }
    return true
  }
}
