import ArgumentParser
import Engine

#if canImport(Glibc)
  import Glibc
#endif

/// `websocket-health-check migrate`: reads the Python reference's unit and says, or with
/// `--write` writes, the config file of ours that checks the same service the same way.
struct MigrateCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "migrate",
    abstract: "Turn the Python health check's systemd unit into a target's config file.",
    discussion: """
      Reads the reference's websocket-health-check.service (its ExecStart=
      arguments and WorkingDirectory=) and prints the NAME.conf that checks the
      same service the same way, what is not carried over and why, and the
      commands that switch from the old timer to websocket-health-check@NAME.timer.
      Changes nothing unless given --write, which writes NAME.conf only (never
      over an existing file); the systemctl commands are yours to run.
      """
  )

  @Option(help: ArgumentHelp("The reference's service unit.", valueName: "path"))
  var unitFile = "/etc/systemd/system/websocket-health-check.service"

  @Option(
    help: ArgumentHelp("The target's name (default: the watched unit's, e.g. openems-backend).", valueName: "name"))
  var name: String?

  @Option(help: ArgumentHelp("Where NAME.conf goes.", valueName: "dir"))
  var configDir = TargetDirectory.defaultPath

  @Flag(help: "Write NAME.conf. Without it nothing is changed.")
  var write = false

  func run() throws {
    let plan: MigrationPlan
    do {
      plan = try makePlan()
    } catch {
      Console.print(ConsoleLine(.error, "\(error)"))
      throw ExitCode(CheckExitStatus.ourError.rawValue)
    }
    var out = ["From \(unitFile):", ""]
    out.append((write ? "Writing " : "Would write ") + "\(plan.configPath):")
    out += plan.configText.split(separator: "\n").map { "  \($0)" }
    out += ["", "Not carried over:"] + plan.notes.map { "  - \($0)" }
    // Without --write the first step is writing the file; the rest assume it is there.
    let first =
      write
      ? []
      : [
        "websocket-health-check migrate --unit-file \(unitFile)"
          + (name.map { " --name \($0)" } ?? "") + " --config-dir \(configDir) --write"
      ]
    out += ["", "Then, to switch:"] + (first + plan.commands).map { "  \($0)" }
    if write {
      do {
        try Self.createFile(plan.configPath, text: plan.configText)
      } catch {
        Console.print(ConsoleLine(.error, "\(error)"))
        throw ExitCode(CheckExitStatus.ourError.rawValue)
      }
      out += ["", "Wrote \(plan.configPath). The old units are untouched until you run the commands above."]
    } else {
      out += ["", "Nothing was changed. To write \(plan.configPath): add --write."]
    }
    Console.write(out.joined(separator: "\n"), to: 1)
  }

  private func makePlan() throws -> MigrationPlan {
    let text = try Self.contents(of: unitFile)
    let reference = try ReferenceUnit(parsing: text, path: unitFile)
    let timerFile = (unitFile.hasSuffix(".service") ? String(unitFile.dropLast(8)) : unitFile) + ".timer"
    return try MigrationPlan(
      reference: reference, unitFile: unitFile, timerText: try? Self.contents(of: timerFile),
      programExists: access(reference.program, F_OK) == 0, name: name, configDirectory: configDir)
  }

  /// A unit file is a few hundred bytes; 64 kB is ample.
  private static func contents(of path: String) throws(ConfigurationError) -> String {
    do {
      return try BoundedFile.read(path, limit: 65536, what: "unit file")
    } catch {
      throw ConfigurationError("\(error); give the reference's unit with --unit-file")
    }
  }

  /// Writes a new file whole or not at all, and never over an existing one: a temporary file,
  /// synced, then linked to its name (which fails if the name is taken).
  private static func createFile(_ path: String, text: String) throws(ConfigurationError) {
    let directory = path.contains("/") ? String(path[..<path.lastIndex(of: "/")!]) : "."
    let temporary = "\(directory)/.migrate.\(getpid()).tmp"
    let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o644)
    guard fd >= 0 else {
      throw ConfigurationError(
        "cannot write in \(directory): \(String(cString: strerror(errno))); nothing was written (is the package installed, are you root?)"
      )
    }
    defer { unlink(temporary) }
    let bytes = Array(text.utf8)
    let written = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
    let synced = fsync(fd) == 0
    let failure = errno
    close(fd)
    guard written == bytes.count, synced else {
      throw ConfigurationError("cannot write \(path): \(String(cString: strerror(failure))); nothing was written")
    }
    guard link(temporary, path) == 0 else {
      let failure = errno
      if failure == EEXIST {
        throw ConfigurationError(
          "\(path) already exists; nothing was written. Compare it with the config above, or choose another --name")
      }
      throw ConfigurationError("cannot write \(path): \(String(cString: strerror(failure))); nothing was written")
    }
  }
}
