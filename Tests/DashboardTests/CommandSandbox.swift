import Foundation

/// The built `websocket-health-check` binary, next to the test bundle in `.build/<config>/`.
let binaryPath: String = {
  if let path = ProcessInfo.processInfo.environment["WHC_BINARY"] { return path }
  let bundle = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
  var directory = bundle.deletingLastPathComponent()
  // Swift Testing may run from inside the .xctest bundle's directory.
  while !FileManager.default.fileExists(atPath: directory.appendingPathComponent("websocket-health-check").path),
    directory.path != "/"
  {
    directory.deleteLastPathComponent()
  }
  return directory.appendingPathComponent("websocket-health-check").path
}()

/// Writes a script that a test then runs, without ever opening it for writing here.
///
/// A descriptor this process holds open for writing is copied into every child another test's
/// thread forks meanwhile (until its exec, or for its whole life if the descriptor lacks
/// close-on-exec), and while any copy is open, running the file fails with "Text file busy".
/// So the text goes to a side file and `install`, a process of its own, makes the executable.
func installExecutable(_ text: String, at path: String) throws {
  let source = path + ".text"
  try text.write(toFile: source, atomically: false, encoding: .utf8)
  defer { try? FileManager.default.removeItem(atPath: source) }
  let install = Process()
  install.executableURL = URL(fileURLWithPath: "/usr/bin/install")
  install.arguments = ["-m", "0755", source, path]
  try install.run()
  install.waitUntilExit()
  guard install.terminationStatus == 0 else {
    throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path])
  }
}

/// A temporary directory with a stand-in `systemctl` on `PATH` that records its calls.
///
/// The stand-in exists because a real systemd cannot run per test here; the end-to-end test
/// in `Tests/e2e/systemd-e2e.sh` uses the real one. It answers `show` of a unit from the file
/// `show`, of each timer from `timer-NAME` or else `timer` (enabled, running, every 15 s), and
/// fails `restart` when the file `restart-fails` exists; `show-hangs` and `restart-hangs` make
/// them never answer; with `show-waits-for-probe`, `show` answers only once `probe-seen` exists
/// (a test makes it when its server saw the probe), and fails after 10 s without it.
final class CommandSandbox {
  let directory: URL
  var statePath: String { directory.appendingPathComponent("state/failcount").path }
  var logPath: String { directory.appendingPathComponent("trigger.log").path }

  init() throws {
    directory = FileManager.default.temporaryDirectory.appendingPathComponent("whc-\(UUID().uuidString.prefix(8))")
    try FileManager.default.createDirectory(
      at: directory.appendingPathComponent("bin"), withIntermediateDirectories: true)
    let script = """
      #!/bin/sh
      d='\(directory.path)'
      printf '%s\\n' "$*" >> "$d/calls"
      case "$1" in
        show) if [ -f "$d/show-waits-for-probe" ]; then
                i=0
                while [ ! -f "$d/probe-seen" ]; do
                  i=$((i + 1)); [ "$i" -le 200 ] || { echo 'stand-in systemctl: no probe came within 10 s' >&2; exit 1; }
                  sleep 0.05
                done
              fi
              [ -f "$d/show-fails" ] && { echo 'Failed to connect to bus: No such file or directory' >&2; exit 1; }
              [ -f "$d/show-hangs" ] && exec sleep 60
              case "$*" in
                *.timer*) first=1
                  for arg in "$@"; do
                    case "$arg" in *.timer) ;; *) continue ;; esac
                    [ "$first" = 1 ] || echo
                    first=0
                    if [ -f "$d/timer-$arg" ]; then cat "$d/timer-$arg"; else cat "$d/timer"; fi
                  done ;;
                *) cat "$d/show" ;;
              esac ;;
        restart) [ -f "$d/restart-fails" ] && { echo "Job for $3 failed because the control process exited with error code." >&2; exit 1; }
              [ -f "$d/restart-hangs" ] && exec sleep 60
              : ;;
      esac
      """
    try installExecutable(script, at: directory.appendingPathComponent("bin/systemctl").path)
    setService(pid: 4242)
    setTimer(activeState: "active", unitFileState: "enabled")
  }

  /// What `show` says of a timer (`name`, else every timer).
  func setTimer(_ name: String? = nil, loadState: String = "loaded", activeState: String, unitFileState: String) {
    let text = """
      LoadState=\(loadState)
      ActiveState=\(activeState)
      UnitFileState=\(unitFileState)
      NextElapseUSecRealtime=@\(Int(Date().timeIntervalSince1970) + 9)
      TimersMonotonic={ OnUnitActiveUSec=15s ; next_elapse=0 }

      """
    try? text.write(
      to: directory.appendingPathComponent(name.map { "timer-\($0)" } ?? "timer"), atomically: false, encoding: .utf8)
  }

  deinit { try? FileManager.default.removeItem(at: directory) }

  func setService(pid: Int, loadState: String = "loaded") {
    try? "MainPID=\(pid)\nLoadState=\(loadState)\nActiveState=active\n"
      .write(to: directory.appendingPathComponent("show"), atomically: false, encoding: .utf8)
  }

  func touch(_ name: String) {
    _ = FileManager.default.createFile(atPath: directory.appendingPathComponent(name).path, contents: Data())
  }

  /// Every call the stand-in `systemctl` received, one line each.
  var systemctlCalls: [String] {
    (try? String(contentsOf: directory.appendingPathComponent("calls"), encoding: .utf8))?
      .split(separator: "\n").map(String.init) ?? []
  }

  var restartCalls: [String] { systemctlCalls.filter { $0.hasPrefix("restart") } }

  var state: String? { try? String(contentsOfFile: statePath, encoding: .utf8) }

  func setState(_ text: String) throws {
    try FileManager.default.createDirectory(
      atPath: (statePath as NSString).deletingLastPathComponent, withIntermediateDirectories: true,
      attributes: [.posixPermissions: 0o700])
    try text.write(toFile: statePath, atomically: false, encoding: .utf8)
  }

  var logLines: [String] {
    (try? String(contentsOfFile: logPath, encoding: .utf8))?.split(separator: "\n").map(String.init) ?? []
  }

  struct Outcome {
    var status: Int32
    var standardOutput: String
    var standardError: String
    var lines: [String] { (standardOutput + standardError).split(separator: "\n").map(String.init) }
  }

  /// Runs the real binary as a user would type it, with the stand-in first on `PATH`.
  func run(_ arguments: [String], path: String? = nil, environment: [String: String] = [:]) throws -> Outcome {
    try start(arguments, path: path, environment: environment).finish()
  }

  /// The usual check of `uri` with this sandbox's state and log files, run `through` a wrapper
  /// if given (`unshare …`).
  func check(_ uri: String, _ extra: [String] = [], through wrapper: [String] = []) throws -> Outcome {
    try start([uri, "openems.service", "--state-file", statePath, "--log-file", logPath] + extra, through: wrapper)
      .finish()
  }

  final class Running {
    let process: Process
    let output = Pipe()
    let errors = Pipe()
    init(process: Process) { self.process = process }

    func finish() -> Outcome {
      let out = output.fileHandleForReading.readDataToEndOfFile()
      let err = errors.fileHandleForReading.readDataToEndOfFile()
      process.waitUntilExit()
      return Outcome(
        status: process.terminationStatus, standardOutput: String(decoding: out, as: UTF8.self),
        standardError: String(decoding: err, as: UTF8.self))
    }
  }

  /// A run through GNU time: its wall time and peak resident memory beside its outcome.
  struct Measured {
    var outcome: Outcome
    var seconds: Double
    var peakMegabytes: Double
  }

  func runMeasured(_ arguments: [String]) throws -> Measured {
    var outcome = try start(arguments, through: ["/usr/bin/time", "--quiet", "-f", "whc-measured %e %M"]).finish()
    var lines = outcome.standardError.split(separator: "\n", omittingEmptySubsequences: false)
    while lines.last?.isEmpty == true { lines.removeLast() }
    guard let last = lines.last, last.hasPrefix("whc-measured ") else {
      throw CocoaError(.fileReadCorruptFile, userInfo: [NSLocalizedDescriptionKey: "no figures from /usr/bin/time"])
    }
    let figures = last.split(separator: " ")
    lines.removeLast()
    outcome.standardError = lines.map { $0 + "\n" }.joined()
    return Measured(
      outcome: outcome, seconds: Double(figures[1]) ?? .infinity,
      peakMegabytes: (Double(figures[2]) ?? .infinity) / 1024)
  }

  func start(
    _ arguments: [String], path: String? = nil, environment extra: [String: String] = [:],
    through wrapper: [String] = []
  ) throws -> Running {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: wrapper.first ?? binaryPath)
    process.arguments = wrapper.isEmpty ? arguments : Array(wrapper.dropFirst()) + [binaryPath] + arguments
    var environment = ProcessInfo.processInfo.environment
    environment["PATH"] = path ?? "\(directory.path)/bin:/usr/bin:/bin"
    environment.merge(extra) { _, new in new }
    process.environment = environment
    process.currentDirectoryURL = directory
    let running = Running(process: process)
    process.standardOutput = running.output
    process.standardError = running.errors
    try process.run()
    return running
  }
}
