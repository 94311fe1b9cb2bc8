import Engine
import NIOConcurrencyHelpers

#if canImport(Glibc)
  import Glibc
#endif

/// Where background work (probes, checks, systemctl) leaves its results for the screen's
/// thread, and wakes it through a pipe it polls beside the keyboard.
final class SessionMailbox: Sendable {
  /// What happened, and to which target (an index into the session's targets).
  enum Event: Sendable {
    case probed(Int, ProbeResult, LocalTimestamp)
    case checked(Int, CheckReport)
    case services(ServiceOverview, String?)
    case message(Int, DashboardModel.StatusMessage)
    case timerDue(in: Int)
    case timerRan(Int, CheckReport)
  }

  private let events = NIOLockedValueBox<[Event]>([])
  private let running = NIOLockedValueBox(true)
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

  var isRunning: Bool { running.withLockedValue { $0 } }

  /// Leaves an event; wakes the screen's thread only for the first event since it last took
  /// them, so a hundred probes a second cost a few wake-ups, not a hundred.
  func post(_ event: Event) {
    let first = events.withLockedValue { pending in
      pending.append(event)
      return pending.count == 1
    }
    guard first else { return }
    var byte: UInt8 = 1
    _ = write(wakeWriter, &byte, 1)
  }

  /// Everything posted since the last call, oldest first.
  func take() -> [Event] {
    var drain = [UInt8](repeating: 0, count: 64)
    while read(wakeDescriptor, &drain, drain.count) > 0 {}
    return events.withLockedValue { pending in
      defer { pending = [] }
      return pending
    }
  }

  /// Tells background loops to end; they see it within 50 ms.
  func stop() {
    running.withLockedValue { $0 = false }
  }
}
