import Engine
import NIOPosix

#if canImport(Glibc)
  import Glibc
#endif

/// The whole watchdog loop, played once without a screen: a healthy service, a hang, the
/// counter climbing, the restart, the service back. Needs nothing installed: the service is
/// in-process and its "systemctl" restarts it.
struct ScriptedDemo {
  let interval: Duration

  func run() throws {
    let service = try DemoService()
    defer { service.stop() }
    let directory = try TemporaryDirectory(prefix: "websocket-health-check-demo")
    defer { directory.remove() }

    let uri = try WebSocketURI(parsing: "ws://127.0.0.1:\(service.port)/websocket")
    let settings = CheckSettings(
      uri: uri, unit: try UnitName(validating: "demo.service"),
      watchdog: try Watchdog(threshold: 3),
      stateStore: try StateStore(path: "\(directory.path)/failcount"),
      triggerLog: try TriggerLog(path: "\(directory.path)/trigger.log"))
    let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    defer { try? group.syncShutdownGracefully() }
    let probe = try Probe(uri: uri, options: DemoService.probeOptions, group: group)
    // The reference's probe beside ours: it sees the upgrade and nothing else.
    let handshake = try Probe(uri: uri, options: ProbeOptions(timeout: .seconds(1)), group: group)
    let cycle = CheckCycle(settings: settings, serviceManager: DemoServiceManager(service: service), probe: probe)

    func narrate(_ text: String) { Console.write("\n== \(text)", to: 1) }
    func tick(showingHandshake: Bool = false) {
      if showingHandshake {
        Console.write("   the handshake alone (the reference's probe) says: \(handshake.runToEnd().summary)", to: 1)
      }
      _ = cycle.run(emit: Console.print)
      let state = (try? settings.stateStore.peek()).flatMap(\.counter)?.fileText ?? "(none)"
      Console.write("   state file: \(state)", to: 1)
      sleep(for: interval)
    }

    Console.write("DEMO: nothing here touches a real service or systemd.", to: 1)
    Console.write("Service: an in-process WebSocket server at \(uri), MainPID \(service.pid) (made up).", to: 1)
    Console.write(
      "Watchdog: threshold 3, probe --openems (one JSON-RPC request that needs a reply), timeout 1 s,", to: 1)
    Console.write("          state and log in \(directory.path)", to: 1)
    narrate("The service answers: the first success arms the watchdog")
    tick()
    tick()
    narrate("The service wedges as OpenEMS does: it upgrades and answers pings, but its request threads are stuck")
    try service.set(.wedged)
    for _ in 1...3 { tick(showingHandshake: true) }
    narrate("Restarted: new MainPID \(service.pid); counting starts again once it answers")
    tick()
    narrate("Trigger log (\(settings.triggerLog.path)):")
    for line in (try? TriggerLogTail(path: settings.triggerLog.path).lastLines(10)) ?? [] {
      Console.write("   \(line)", to: 1)
    }
  }

  private func sleep(for duration: Duration) {
    let (seconds, attoseconds) = duration.components
    var request = timespec(tv_sec: Int(seconds), tv_nsec: Int(attoseconds / 1_000_000_000))
    var remaining = timespec()
    while nanosleep(&request, &remaining) != 0 && errno == EINTR { request = remaining }
  }
}

/// A private directory for the demo's state and log (in `$TMPDIR`, else /tmp), removed with
/// everything the state store put in it (record, last check, lock) afterwards.
struct TemporaryDirectory {
  let path: String

  init(prefix: String) throws {
    let parent = getenv("TMPDIR").map { String(cString: $0) }.flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp"
    var template = Array("\(parent)/\(prefix).XXXXXX".utf8CString)
    guard let made = mkdtemp(&template) else {
      throw ConfigurationError(
        "cannot create a temporary directory in \(parent): \(String(cString: strerror(errno))); set TMPDIR to a writable one"
      )
    }
    path = String(cString: made)
  }

  /// Only files are made in it, so one level of unlinking empties it.
  func remove() {
    if let handle = opendir(path) {
      while let entry = readdir(handle) {
        let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        if name != "." && name != ".." { unlink("\(path)/\(name)") }
      }
      closedir(handle)
    }
    rmdir(path)
  }
}
