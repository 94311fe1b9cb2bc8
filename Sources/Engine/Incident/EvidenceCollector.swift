#if canImport(Glibc)
  import Glibc
#endif

/// Gathers what an incident report holds, from systemd, /proc, the file systems and the
/// journal, each question with its own deadline and the whole within `budget`: a due restart
/// waits for the report at most that long. What cannot be read becomes a line in the
/// report's gaps, never an error.
public struct EvidenceCollector: Sendable {
  /// The most a report may delay a restart, the thread dump's wait included.
  public var budget: Duration
  /// Ask a JVM for a thread dump (SIGQUIT through systemd).
  public var threadDump: Bool
  /// Where /proc is: tests point it elsewhere.
  var proc = "/proc"

  public init(budget: Duration = .seconds(10), threadDump: Bool = true) {
    self.budget = budget
    self.threadDump = threadDump
  }

  /// The file systems a full disk wedges a Java service on.
  static let fileSystems = ["/", "/var", "/var/log", "/run"]

  public func collect(into report: inout IncidentReport, unit: UnitName, pid: Int) {
    let deadline = Moment.now() + budget  // the boot clock: see ExternalCommand.run
    func left(atMost most: Duration) -> Duration { max(.milliseconds(100), min(most, deadline - Moment.now())) }

    // systemd's view first: it names the process everything else is about.
    let properties = [
      "MainPID", "ActiveState", "SubState", "NRestarts", "ActiveEnterTimestamp", "ExecMainStartTimestamp",
      "MemoryCurrent", "TasksCurrent", "CPUUsageNSec", "Result",
    ]
    if let output = run(
      ["systemctl", "show", "--property=" + properties.joined(separator: ","), "--", unit.description],
      timeout: left(atMost: .seconds(3)), into: &report)
    {
      let values = Self.keyValues(output)
      for name in properties {
        var value = values[name] ?? "?"
        if name == "MemoryCurrent", let bytes = Int(value) { value = Self.bytes(bytes) }
        if name == "CPUUsageNSec", let nanoseconds = Int(value) {
          value = DurationText.fixed(Double(nanoseconds) / 1e9, decimals: 1) + " s"
        }
        report.service.append((name, value))
      }
    }

    let base = "\(proc)/\(pid)"
    if pid > 0 {
      let status = Self.keyValues(Self.read("\(base)/status") ?? "", separator: ":")
      report.process.append(("pid", String(pid)))
      report.process.append(("executable", Self.link("\(base)/exe") ?? "(not readable: \(errnoText()))"))
      report.process.append(("resident (VmRSS)", status["VmRSS"] ?? "(not readable)"))
      report.process.append(("threads", status["Threads"] ?? "(not readable)"))
      report.process.append(("open files", Self.count(entriesOf: "\(base)/fd").map(String.init) ?? "(not readable)"))
      if let stat = Self.read("\(base)/stat"), let times = Self.cpuSeconds(stat: stat) {
        report.process.append(("CPU time", DurationText.fixed(times, decimals: 1) + " s (user + system)"))
      }
    } else {
      report.process.append(("pid", "none: systemd names no main process"))
    }

    report.box.append(("clock", LocalTimestamp.now().description.prefix(19) + " (this box's time)"))
    // The unit's ProcSubset=pid hides /proc/loadavg and /proc/meminfo; sysinfo(2) says the
    // load and free memory all the same (not MemAvailable, which counts the page cache).
    let system = SystemInfo.now()
    if let load = Self.read("\(proc)/loadavg") {
      report.box.append(("load", load.split(separator: " ").prefix(3).joined(separator: " ")))
    } else if let system {
      report.box.append(("load", system.loads.map { DurationText.fixed($0, decimals: 2) }.joined(separator: " ")))
    }
    let memory = Self.keyValues(Self.read("\(proc)/meminfo") ?? "", separator: ":")
    if let available = memory["MemAvailable"], let total = memory["MemTotal"] {
      report.box.append(("memory available", "\(available) of \(total)"))
    } else if let system {
      report.box.append(
        (
          "memory free",
          "\(Self.bytes(system.freeBytes)) of \(Self.bytes(system.totalBytes)) "
            + "(plus buffers \(Self.bytes(system.bufferBytes)); the page cache not counted)"
        ))
    }
    for path in Self.fileSystems {
      var info = statvfs()
      guard statvfs(path, &info) == 0 else {
        report.box.append(("free on \(path)", "(not readable: \(errnoText()))"))
        continue
      }
      let free = Int(info.f_bavail) * Int(info.f_frsize)
      let total = Int(info.f_blocks) * Int(info.f_frsize)
      let percent = total > 0 ? free * 100 / total : 0
      report.box.append(("free on \(path)", "\(Self.bytes(free)) of \(Self.bytes(total)) (\(percent) %)"))
    }

    if let lines = run(
      [
        "journalctl", "--unit=\(unit)", "--lines=\(IncidentReport.journalLines)", "--no-pager", "--output=short-iso",
        "--quiet",
      ], timeout: left(atMost: .seconds(3)), into: &report)
    {
      report.journal = lines.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        .filter { !$0.isEmpty }.suffix(IncidentReport.journalLines).map { $0 }
    }

    guard threadDump else {
      report.threadDump = .off
      return
    }
    guard pid > 0 else {
      report.threadDump = .notJVM("no main process")
      return
    }
    switch Self.javaHome(executable: Self.link("\(base)/exe"), exists: { access($0, F_OK) == 0 }) {
    case .failure(let why):
      report.threadDump = .notJVM(why.description)
    case .success:
      report.threadDump = takeThreadDump(unit: unit, until: deadline, into: &report)
    }
  }

  /// Whether `executable` is a JVM's launcher: named `java` and beside the JVM's own library
  /// (`../lib/server/libjvm.so`, or Java 8's `../lib/ARCH/server/libjvm.so`). Its path, not its
  /// process name: anything else signalled with SIGQUIT would dump core and die.
  static func javaHome(executable: String?, exists: (String) -> Bool) -> Result<String, JVMCheck> {
    guard let executable else {
      return .failure(JVMCheck(description: "its executable could not be read (/proc/PID/exe)"))
    }
    guard !executable.hasSuffix(" (deleted)") else {
      return .failure(JVMCheck(description: "its executable \(executable) is gone (upgraded since it started?)"))
    }
    guard splitPath(executable).name == "java" else {
      return .failure(JVMCheck(description: "its executable \(executable) is not a JVM"))
    }
    let home = splitPath(splitPath(executable).directory).directory
    let candidates =
      ["\(home)/lib/server/libjvm.so"]
      + ["amd64", "aarch64", "arm", "i386"].map { "\(home)/lib/\($0)/server/libjvm.so" }
      + ["\(home)/jre/lib/amd64/server/libjvm.so"]
    guard candidates.contains(where: exists) else {
      return .failure(JVMCheck(description: "\(executable) has no libjvm.so beside it; not taken for a JVM"))
    }
    return .success(home)
  }

  struct JVMCheck: Error, Sendable, Equatable, CustomStringConvertible {
    var description: String
  }

  /// SIGQUIT to the main process through systemd, then the dump read back from the journal
  /// (the JVM prints it to its standard output) until its end or the deadline.
  private func takeThreadDump(
    unit: UnitName, until deadline: Moment, into report: inout IncidentReport
  )
    -> IncidentReport.ThreadDumpOutcome
  {
    func left() -> Duration { max(.milliseconds(100), deadline - Moment.now()) }
    // Where the journal stands before the signal: the dump is what comes after it.
    let cursorOutput = run(
      ["journalctl", "--unit=\(unit)", "--lines=0", "--show-cursor", "--no-pager", "--quiet"],
      timeout: min(left(), .seconds(3)), into: &report)
    let cursor = cursorOutput.flatMap { output in
      output.split(separator: "\n").last { $0.hasPrefix("-- cursor: ") }.map { String($0.dropFirst(11)) }
    }
    guard
      run(
        ["systemctl", "kill", "--kill-whom=main", "--signal=SIGQUIT", "--", unit.description],
        timeout: min(left(), .seconds(3)), into: &report) != nil
    else { return .missing("systemctl kill failed (see below)") }
    var lines: [String] = []
    while Moment.now() < deadline {
      usleep(200_000)
      var arguments = ["journalctl", "--unit=\(unit)", "--output=cat", "--no-pager", "--quiet"]
      arguments += cursor.map { ["--after-cursor=\($0)"] } ?? ["--since=-10s"]
      guard let output = run(arguments, timeout: min(left(), .seconds(3)), into: &report) else { break }
      lines = output.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
      // The dump's threads end at this line; the heap's summary follows at once.
      if lines.contains(where: { $0.hasPrefix("JNI global refs") }) {
        usleep(200_000)
        if let again = run(arguments, timeout: min(left(), .seconds(1)), into: &report) {
          lines = again.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        }
        break
      }
    }
    guard let dump = ThreadDump(lines: lines), !dump.javaThreads.isEmpty else {
      return .missing(
        "the JVM printed no thread dump to the journal within \(DurationText.seconds(budget)) (started with -Xrs? its output not in the journal?)"
      )
    }
    let start = lines.lastIndex { $0.hasPrefix("Full thread dump") } ?? 0
    return .taken(dump, lines: Array(lines[start...].prefix(IncidentReport.dumpLines + 1)))
  }

  /// Runs a command; its output, or `nil` with a gap noted.
  private func run(_ arguments: [String], timeout: Duration, into report: inout IncidentReport) -> String? {
    do {
      let output = try ExternalCommand(arguments: arguments, timeout: timeout).run()
      if output.timedOut {
        report.gaps.append(
          "\(arguments.prefix(2).joined(separator: " ")): no answer within \(DurationText.seconds(timeout))")
        return nil
      }
      guard output.status == 0 else {
        report.gaps.append(
          "\(arguments.prefix(2).joined(separator: " ")) failed: \(Systemctl.oneLine(output.standardError))")
        return nil
      }
      return output.standardOutput
    } catch {
      report.gaps.append("\(arguments[0]) could not run: \(error)")
      return nil
    }
  }

  static func keyValues(_ text: String, separator: Character = "=") -> [String: String] {
    var values: [String: String] = [:]
    for line in text.split(separator: "\n") {
      guard let index = line.firstIndex(of: separator) else { continue }
      values[String(line[..<index])] = String(line[line.index(after: index)...].trimmingSpaces)
    }
    return values
  }

  /// `1.4 GiB`, `512 MiB`, `40 KiB`.
  static func bytes(_ count: Int) -> String {
    let units = ["B", "KiB", "MiB", "GiB", "TiB"]
    var value = Double(count)
    var unit = 0
    while value >= 1024, unit < units.count - 1 {
      value /= 1024
      unit += 1
    }
    return unit == 0 ? "\(count) B" : DurationText.fixed(value, decimals: 1) + " " + units[unit]
  }

  /// User plus system CPU seconds from `/proc/PID/stat` (fields 14 and 15, after the name in
  /// parentheses, which may hold spaces).
  static func cpuSeconds(stat: String) -> Double? {
    guard let close = stat.lastIndex(of: ")") else { return nil }
    let fields = stat[stat.index(after: close)...].split(separator: " ")
    // fields[0] is the state (field 3); utime is field 14, stime 15.
    guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { return nil }
    return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
  }

  static func read(_ path: String, limit: Int = 1 << 16) -> String? {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    var bytes = [UInt8](repeating: 0, count: limit)
    let count = bytes.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
    guard count >= 0 else { return nil }
    return String(decoding: bytes[..<count], as: UTF8.self)
  }

  static func link(_ path: String) -> String? {
    var buffer = [CChar](repeating: 0, count: 4096)
    let count = readlink(path, &buffer, buffer.count - 1)
    guard count >= 0 else { return nil }
    return String(decoding: buffer[..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
  }

  static func count(entriesOf directory: String) -> Int? {
    guard let handle = opendir(directory) else { return nil }
    defer { closedir(handle) }
    var count = 0
    while readdir(handle) != nil { count += 1 }
    return max(0, count - 2)
  }
}

/// sysinfo(2), which Swift's Glibc module does not import: the load and memory figures a unit
/// with ProcSubset=pid cannot read from /proc.
struct SystemInfo {
  var loads: [Double]
  var totalBytes: Int
  var freeBytes: Int
  var bufferBytes: Int

  @_silgen_name("sysinfo")
  private static func sysinfo(_ info: UnsafeMutableRawPointer) -> Int32

  /// Reads `struct sysinfo` by its layout: `long uptime; unsigned long loads[3], totalram,
  /// freeram, sharedram, bufferram, totalswap, freeswap; unsigned short procs, pad; unsigned
  /// long totalhigh, freehigh; unsigned int mem_unit;` (a long is a word on every Linux ABI).
  static func now() -> SystemInfo? {
    let word = MemoryLayout<UInt>.size
    let buffer = UnsafeMutableRawPointer.allocate(byteCount: 256, alignment: 16)
    defer { buffer.deallocate() }
    buffer.initializeMemory(as: UInt8.self, repeating: 0, count: 256)
    guard sysinfo(buffer) == 0 else { return nil }
    func long(_ index: Int) -> Int { Int(buffer.loadUnaligned(fromByteOffset: index * word, as: UInt.self)) }
    let unit = Int(buffer.loadUnaligned(fromByteOffset: 13 * word, as: UInt32.self))
    let scale = max(1, unit)
    return SystemInfo(
      loads: (1...3).map { Double(long($0)) / 65536 }, totalBytes: long(4) * scale, freeBytes: long(5) * scale,
      bufferBytes: long(7) * scale)
  }
}
