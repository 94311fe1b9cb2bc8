#if canImport(Glibc)
  import Glibc
#endif

/// Where a target's incident reports are kept: one directory per target (0700), one file per
/// report (0600: it holds the service's log lines), named by its time so `ls` sorts them, at
/// most `keep` of them, the oldest removed first, none over `maximumBytes`.
public struct ReportShelf: Sendable {
  public var directory: String
  public var keep: Int
  public var maximumBytes: Int

  /// Persistent, under the state directory the units have (`StateDirectory=`): the point is to
  /// read it after the restart, and a reboot.
  public static func defaultDirectory(target: String) -> String {
    "/var/lib/websocket-health-check/reports/\(target)"
  }

  public init(directory: String, keep: Int = 10, maximumBytes: Int = 2 << 20) {
    self.directory = directory
    self.keep = keep
    self.maximumBytes = maximumBytes
  }

  /// `2026-12-02T03-12-09.report`: sorts by time, no colon for tools that dislike one.
  static func fileName(for time: LocalTimestamp) -> String {
    fileName(for: time.description) + ".report"
  }

  public struct WriteError: Error, Sendable, CustomStringConvertible {
    public var description: String
  }

  /// Where a report written at `time` goes: named before it is written, so the trigger log's
  /// line can name it. Two in one second (a manual run beside the timer) keep both.
  public func path(for time: LocalTimestamp) -> String {
    let base = Self.fileName(for: time)
    var name = base
    var suffix = 1
    while access("\(directory)/\(name)", F_OK) == 0 {
      suffix += 1
      name = String(base.dropLast(".report".count)) + "_\(suffix).report"
    }
    return "\(directory)/\(name)"
  }

  /// Writes `report` at `path` (cut to `maximumBytes`), then removes the oldest beyond `keep`.
  public func store(_ report: IncidentReport, at path: String) throws(WriteError) {
    if let error = makeDirectories(directory, mode: 0o700) { throw WriteError(description: error) }
    var bytes = Array(report.text.utf8)
    if bytes.count > maximumBytes {
      let note = Array("\n(report cut at \(maximumBytes) bytes)\n".utf8)
      bytes = Array(bytes.prefix(maximumBytes - note.count)) + note
    }
    let temporary = "\(directory)/.\(splitPath(path).name).tmp"
    let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0o600)
    guard fd >= 0 else { throw WriteError(description: "cannot write \(path): \(errnoText())") }
    fchmod(fd, 0o600)
    let ok = writeAll(fd, bytes)
    let writeError = errno
    close(fd)
    guard ok, rename(temporary, path) == 0 else {
      let error = ok ? errno : writeError
      unlink(temporary)
      throw WriteError(description: "cannot write \(path): \(errnoText(error))")
    }
    prune()
  }

  /// The reports kept, oldest first, as paths.
  public func reports() -> [String] {
    guard let handle = opendir(directory) else { return [] }
    defer { closedir(handle) }
    var names: [String] = []
    while let entry = readdir(handle) {
      let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
        String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
      }
      if name.hasSuffix(".report") && !name.hasPrefix(".") { names.append(name) }
    }
    return names.sorted().map { "\(directory)/\($0)" }
  }

  public var latest: String? { reports().last }

  /// The newest report written for a request made at `wallTime` (`2026-12-02 03:12:09.482113`)
  /// or later: the one a person approving it should read.
  public func report(since wallTime: String) -> String? {
    Self.report(among: reports(), since: wallTime)
  }

  /// The newest of `paths` written at `wallTime` or later.
  public static func report(among paths: [String], since wallTime: String) -> String? {
    let from = fileName(for: wallTime)
    return paths.last { splitPath($0).name >= from }
  }

  /// `2026-12-02T03-12-09` of a local time's text.
  static func fileName(for wallTime: String) -> String {
    String(wallTime.prefix(19).map { $0 == " " ? "T" : $0 == ":" ? "-" : $0 })
  }

  /// When a report was written, as its name says: `2026-12-02 03:12:09`.
  public static func writtenAt(_ path: String) -> String {
    let name = splitPath(path).name.prefix(19)
    let parts = name.split(separator: "T", maxSplits: 1)
    guard parts.count == 2 else { return String(name) }
    return parts[0] + " " + parts[1].replacing("-", with: ":")
  }

  /// A report's lines, for a screen to page through; `nil` when it cannot be read.
  public static func lines(ofReportAt path: String) -> [String]? {
    guard let text = EvidenceCollector.read(path, limit: 2 << 20 + 4096) else { return nil }
    return text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
  }

  /// The summary a report starts with, read back from its file: the lines of its first section.
  public static func summary(ofReportAt path: String) -> [String]? {
    guard let text = EvidenceCollector.read(path, limit: 1 << 14) else { return nil }
    let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
    guard let start = lines.firstIndex(of: "== summary ==") else { return nil }
    return lines[(start + 1)...].prefix { !$0.isEmpty }.map(String.init)
  }

  private func prune() {
    let kept = reports()
    for path in kept.dropLast(max(1, keep)) { unlink(path) }
  }
}
