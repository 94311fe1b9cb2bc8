import ArgumentParser
import Engine
import NIOPosix

#if canImport(Glibc)
  import Glibc
#endif

/// One check, what the systemd timer runs every 15 s.
struct CheckCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "check",
    abstract: "Probe once, count a failure, restart the unit at the threshold (the default).",
    discussion: """
      One run: read the unit's MainPID from systemd, open the WebSocket and close it again,
      then update the failure count in the state file (<pid>:<count>, shared with the
      reference tool). Counting starts only after the WebSocket has worked once for this
      PID; at the threshold the unit is restarted once and the count disarmed until the
      WebSocket works again.
      """
  )

  @OptionGroup var target: TargetOptions

  func run() throws {
    let status = Self.check(target.arguments)
    if status != .completed { throw ExitCode(status.rawValue) }
  }

  /// One check from parsed arguments; prints its lines and returns the exit status.
  static func check(_ arguments: TargetArguments) -> CheckExitStatus {
    let settings: CheckSettings
    let probe: Probe
    let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    do {
      let target = try arguments.resolved()
      settings = try target.settings()
      probe = try Probe(uri: settings.uri, options: try target.probeOptions(), group: group)
    } catch {
      Console.print(ConsoleLine(.error, "\(error)"))
      return .ourError
    }
    let cycle = CheckCycle(settings: settings, serviceManager: Systemctl()) {
      probe.runToEnd()
    }
    return cycle.run(emit: Console.print).exitStatus
  }
}
