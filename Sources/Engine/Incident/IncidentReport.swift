/// What a restart would destroy, written down before it: the failing episode, the service as
/// systemd and /proc see it, the box, the unit's last journal lines and, for a JVM, a thread
/// dump. A value with no I/O: `EvidenceCollector` fills it, `ReportShelf` stores its text.
public struct IncidentReport: Sendable {
  /// Why the report was written: the threshold reached, in the mode's words.
  public var trigger: String
  public var target: String
  public var unit: String
  public var uri: String
  public var time: LocalTimestamp
  /// The episode's checks, oldest first (the failed run the history ends with).
  public var episode: [CheckHistory.Entry] = []
  /// The failing probe as it ended: what it waited for and how long each phase took.
  public var lastProbe: String = ""
  /// What that probe sent and what came back (`ProbeExchange`), where it was kept.
  public var exchange: [String] = []
  /// Name and value, in the order gathered; a value that could not be read says why.
  public var service: [(String, String)] = []
  public var process: [(String, String)] = []
  public var box: [(String, String)] = []
  public var journal: [String] = []
  public var threadDump: ThreadDumpOutcome = .off
  /// What could not be gathered, a line each.
  public var gaps: [String] = []

  public enum ThreadDumpOutcome: Sendable {
    /// `thread-dump = no`.
    case off
    /// The main process is no JVM (or could not be told to be one): nothing was signalled.
    case notJVM(String)
    /// Signalled, and the dump read back from the journal.
    case taken(ThreadDump, lines: [String])
    /// Signalled, but no dump came back in time (a JVM started with -Xrs ignores SIGQUIT).
    case missing(String)
  }

  public init(trigger: String, target: String, unit: String, uri: String, time: LocalTimestamp) {
    self.trigger = trigger
    self.target = target
    self.unit = unit
    self.uri = uri
    self.time = time
  }

  /// The lines a person reads first, here and on every face: the trigger, the episode, the
  /// thread dump's summary or why there is none.
  public var summary: [String] {
    var lines = [trigger]
    if let first = episode.first(where: { !$0.healthy }) {
      let since = LocalTimestamp(seconds: Int(first.unixMilliseconds / 1000), microseconds: 0).timeOfDay
      let failed = episode.count { !$0.healthy }
      lines.append("failing since \(since) (\(failed) check\(failed == 1 ? "" : "s")): \(episode.last!.reason)")
    }
    switch threadDump {
    case .off: lines.append("thread dump: off (thread-dump = no)")
    case .notJVM(let why): lines.append("thread dump: none, \(why)")
    case .taken(let dump, _): lines += dump.summary
    case .missing(let why): lines.append("thread dump: none came back; \(why)")
    }
    return lines
  }

  /// Most lines kept from the journal and from the dump, so a report stays readable and
  /// bounded whatever the service printed.
  public static let journalLines = 60
  public static let dumpLines = 4000

  /// The whole report as text a person reads with `less`: sections under `== title ==`.
  public var text: String {
    var out: [String] = []
    out.append("websocket-health-check incident report")
    out.append("target \(target): \(uri) -> \(unit)")
    out.append("written \(time.description.prefix(19))")
    out.append("")
    out.append("== summary ==")
    out += summary
    out.append("")
    out.append("== episode (the timer's checks, oldest first) ==")
    if episode.isEmpty { out.append("(no check history)") }
    for entry in episode {
      let time = LocalTimestamp(seconds: Int(entry.unixMilliseconds / 1000), microseconds: 0).description.prefix(19)
      let phases = entry.phases.map { "\($0.phase.rawValue) \(DurationText.fixed($0.milliseconds, decimals: 1)) ms" }
        .joined(separator: ", ")
      out.append(
        "\(time)  \(entry.healthy ? "ok    " : "FAILED")  \(phases)" + (entry.reason.isEmpty ? "" : "  \(entry.reason)")
      )
    }
    if !lastProbe.isEmpty { out += ["", "last probe: \(lastProbe)"] }
    if !exchange.isEmpty {
      out.append("")
      out.append("== the failing probe's exchange (→ sent, ← received; bounded, secrets shown as (secret)) ==")
      out += exchange
    }
    for (title, pairs) in [
      ("service (systemd)", service), ("main process (/proc)", process), ("box", box),
    ] {
      out.append("")
      out.append("== \(title) ==")
      let width = pairs.map(\.0.count).max() ?? 0
      for (name, value) in pairs {
        out.append(name + String(repeating: " ", count: width - name.count) + "  " + value)
      }
    }
    out.append("")
    out.append("== journal (the unit's last \(Self.journalLines) lines before the report) ==")
    out += journal.isEmpty ? ["(none read)"] : journal
    out.append("")
    out.append("== thread dump ==")
    switch threadDump {
    case .off: out.append("off (thread-dump = no)")
    case .notJVM(let why): out.append("none: \(why)")
    case .missing(let why): out.append("none came back: \(why)")
    case .taken(_, let lines):
      out += lines.prefix(Self.dumpLines)
      if lines.count > Self.dumpLines { out.append("(\(lines.count - Self.dumpLines) more lines left out)") }
    }
    if !gaps.isEmpty {
      out.append("")
      out.append("== not gathered ==")
      out += gaps
    }
    // A dump indents its frames with tabs: kept as spaces, everything else a terminal would
    // act on shown as what it is.
    return out.map { line in
      UntrustedText.shown(String(line.flatMap { $0 == "\t" ? Array("    ") : [$0] }), limit: 1000)
    }.joined(separator: "\n") + "\n"
  }
}
