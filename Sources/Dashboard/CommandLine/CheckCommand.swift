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
    let settings: CheckSettings
    let options: ProbeOptions
    do {
      settings = try target.settings()
      options = try target.probeOptions()
    } catch {
      Console.print(ConsoleLine(.error, "\(error)"))
      throw ExitCode(CheckExitStatus.ourError.rawValue)
    }
    let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    let probe: Probe
    do {
      probe = try Probe(uri: settings.uri, options: options, group: group)
    } catch {
      Console.print(ConsoleLine(.error, "\(error)"))
      throw ExitCode(CheckExitStatus.ourError.rawValue)
    }
    let cycle = CheckCycle(settings: settings, serviceManager: Systemctl()) {
      probe.runToEnd()
    }
    let report = cycle.run(emit: Console.print)
    if report.exitStatus != .completed {
      throw ExitCode(report.exitStatus.rawValue)
    }
  }
}
