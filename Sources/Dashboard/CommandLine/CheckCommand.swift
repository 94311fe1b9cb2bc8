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
      One run: read the unit's MainPID from systemd, open the WebSocket (and,
      with --ping, --send or --openems, ask it something that needs an answer),
      close it again, then update the failure count in the state file
      (<pid>:<count>, shared with the reference tool). Counting starts only
      after the WebSocket has worked once for this PID; at the threshold the
      unit is restarted once and the count disarmed until the WebSocket works
      again.
      """
  )

  @OptionGroup var target: TargetOptions

  func validate() throws { try target.requireTarget() }

  func run() throws {
    let status: CheckExitStatus
    do {
      status = Self.check(try target.draft())
    } catch {
      Console.print(ConsoleLine(.error, "\(error)"))
      status = .ourError
    }
    if status != .completed { throw ExitCode(status.rawValue) }
  }

  /// One check from the parsed command line; prints its lines and returns the exit status.
  static func check(_ draft: TargetDraft) -> CheckExitStatus {
    let target: ResolvedTarget
    let probe: Probe
    let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    do {
      target = try draft.resolved()
      // Its one probe may be the one a restart follows: the report shows what it exchanged.
      var options = target.probeOptions
      options.recordsExchange = target.settings.incidents != nil
      probe = try Probe(uri: target.settings.uri, options: options, group: group)
    } catch {
      Console.print(ConsoleLine(.error, "\(error)"))
      return .ourError
    }
    for warning in target.warnings { Console.print(ConsoleLine(.warning, warning)) }
    let cycle = CheckCycle(
      settings: target.settings, serviceManager: Systemctl(restartTimeout: target.settings.restartTimeout),
      probe: probe)
    return cycle.run(emit: Console.print).exitStatus
  }
}
