/// A restart that waits for a person's yes (`--restart-mode approve`).
public struct PendingRestart: Sendable, Equatable {
  /// When it was asked for, on the boot clock, and as people read it.
  public var requestedAt: Moment
  public var wallTime: String
  /// The MainPID that failed; a new one means someone restarted the service since.
  public var pid: Int
  public var count: Int
  /// The probe's reason, one line.
  public var reason: String

  public init(requestedAt: Moment, wallTime: String, pid: Int, count: Int, reason: String) {
    self.requestedAt = requestedAt
    self.wallTime = wallTime
    self.pid = pid
    self.count = count
    self.reason = reason
  }
}

/// How the last restart request ended, so that approving it again can say so.
public struct RequestResolution: Sendable, Equatable, CustomStringConvertible {
  public enum Kind: String, Sendable {
    case approved, rejected, withdrawn, expired
  }

  public var kind: Kind
  /// Who, or why: `alice (cli)`, `the WebSocket answered again`.
  public var detail: String
  public var wallTime: String

  public init(kind: Kind, detail: String, wallTime: String) {
    self.kind = kind
    self.detail = detail
    self.wallTime = wallTime
  }

  /// `withdrawn at 2026-11-26 20:11:02 (the WebSocket answered again)`
  public var description: String { "\(kind.rawValue) at \(wallTime) (\(detail))" }
}

/// What the restart policy keeps between runs that the reference's `<pid>:<count>` file does
/// not know: a pending request, the restarts done, the re-arm schedule. Lives beside the state
/// file (`failcount.policy`), written under the same lock, the same atomic way.
public struct RestartRecord: Sendable, Equatable {
  /// The boot the moments below belong to; after a reboot they mean nothing and are dropped.
  public var boot: String = ""
  public var pending: PendingRestart?
  public var lastResolution: RequestResolution?
  /// Restarts done (not failed ones), oldest first: the budget counts them.
  public var restarts: [Moment] = []
  /// The budget's exhaustion was logged; logged again only after a restart.
  public var budgetNoticeGiven = false
  /// When a disarmed, still-failing service is armed again (`--rearm-after`), and the delay
  /// that produced it (the next one doubles it).
  public var rearmAt: Moment?
  public var rearmDelay: Duration?
  /// Since when probes have succeeded without a failure: after 10 min the backoff resets.
  public var healthySince: Moment?
  /// Restarts done and failed since the record began, across boots: Prometheus counters.
  public var restartsDone = 0
  public var restartsFailed = 0
  /// Incident reports written since the record began: a Prometheus counter.
  public var incidentReports = 0
  /// The last check, for `status`: when (Unix seconds), and what it found. Kept in its own
  /// file beside the state (`failcount.last`), written at every check without the fsyncs the
  /// record's decisions get: losing it to a power cut loses nothing that decides.
  public struct LastCheck: Sendable, Equatable {
    public var unixSeconds: Int
    public var healthy: Bool
    /// The probe's summary, one line.
    public var summary: String

    public init(unixSeconds: Int, healthy: Bool, summary: String) {
      self.unixSeconds = unixSeconds
      self.healthy = healthy
      self.summary = summary
    }

    /// `1795725785<TAB>ok<TAB>healthy (connect 0.1 ms, …)`
    public var fileText: String {
      "\(unixSeconds)\t\(healthy ? "ok" : "failed")\t\(RestartRecord.clean(summary))\n"
    }

    public init?(fileText text: String) {
      let fields = text.split(separator: "\n").first?.split(
        separator: "\t", maxSplits: 2, omittingEmptySubsequences: false)
      guard let fields, fields.count == 3, let seconds = Int(fields[0]), fields[1] == "ok" || fields[1] == "failed"
      else { return nil }
      // Cleaned as it is written, so what is read is what would be written back.
      self.init(unixSeconds: seconds, healthy: fields[1] == "ok", summary: RestartRecord.clean(String(fields[2])))
    }
  }

  public init() {}

  /// Most restarts kept: far above any sensible budget, so the file stays small.
  static let historyLimit = 100

  // MARK: The file's text

  /// One `key<TAB>value…` line per field; unknown keys are skipped (a newer version's), so an
  /// older binary reading a newer file keeps what it knows.
  public var fileText: String {
    var lines = [
      "# websocket-health-check restart record (pending request, restarts, re-arm); see README", "boot\t\(boot)",
    ]
    if let pending {
      lines.append(
        "pending\t\(pending.requestedAt)\t\(pending.pid)\t\(pending.count)\t\(Self.clean(pending.wallTime))\t\(Self.clean(pending.reason))"
      )
    }
    if let last = lastResolution {
      lines.append("last\t\(last.kind.rawValue)\t\(Self.clean(last.wallTime))\t\(Self.clean(last.detail))")
    }
    if !restarts.isEmpty { lines.append("restarts\t" + restarts.map(\.description).joined(between: "\t")) }
    if budgetNoticeGiven { lines.append("budget-notice\tyes") }
    if let rearmAt { lines.append("rearm-at\t\(rearmAt)") }
    if let rearmDelay { lines.append("rearm-delay\t\(DurationText.fixed(rearmDelay.inSeconds, decimals: 3))") }
    if let healthySince { lines.append("healthy-since\t\(healthySince)") }
    if restartsDone > 0 || restartsFailed > 0 { lines.append("restarts-total\t\(restartsDone)\t\(restartsFailed)") }
    if incidentReports > 0 { lines.append("reports-total\t\(incidentReports)") }
    return lines.joined(between: "\n") + "\n"
  }

  /// Reads the file's text; `nil` when it is not a record (garbage: start afresh, warn). Text
  /// fields are cleaned as they are written, and times must be finite, so what is read is
  /// what would be written back.
  public init?(fileText text: String) {
    var sawBoot = false
    // Written to the millisecond; a boot clock past 1e11 s (3,000 years) is not ours.
    func moment(_ text: String) -> Moment? {
      guard let seconds = Double(text), seconds.isFinite, abs(seconds) < 1e11 else { return nil }
      return Moment(seconds: (seconds * 1000).rounded() / 1000)
    }
    for line in text.split(separator: "\n") where !line.hasPrefix("#") {
      let fields = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
      switch fields[0] {
      case "boot" where fields.count == 2:
        boot = Self.clean(fields[1])
        sawBoot = true
      case "pending" where fields.count == 6:
        guard let at = moment(fields[1]), let pid = Int(fields[2]), let count = Int(fields[3]) else { return nil }
        pending = PendingRestart(
          requestedAt: at, wallTime: Self.clean(fields[4]), pid: pid, count: count, reason: Self.clean(fields[5]))
      case "last" where fields.count == 4:
        guard let kind = RequestResolution.Kind(rawValue: fields[1]) else { return nil }
        lastResolution = RequestResolution(kind: kind, detail: Self.clean(fields[3]), wallTime: Self.clean(fields[2]))
      case "restarts":
        let moments = fields.dropFirst().compactMap(moment)
        guard moments.count == fields.count - 1 else { return nil }
        restarts = moments
      case "budget-notice":
        budgetNoticeGiven = fields.count == 2 && fields[1] == "yes"
      case "rearm-at" where fields.count == 2:
        guard let at = moment(fields[1]) else { return nil }
        rearmAt = at
      case "rearm-delay" where fields.count == 2:
        // Read as the options' durations are, with their bounds: a delay the options could not
        // give is not one we wrote (and would overflow converting to milliseconds).
        guard let delay = DurationSyntax.parse(fields[1]) else { return nil }
        rearmDelay = delay
      case "healthy-since" where fields.count == 2:
        guard let at = moment(fields[1]) else { return nil }
        healthySince = at
      case "restarts-total" where fields.count == 3:
        guard let done = Int(fields[1]), let failed = Int(fields[2]), done >= 0, failed >= 0 else { return nil }
        (restartsDone, restartsFailed) = (done, failed)
      case "reports-total" where fields.count == 2:
        guard let count = Int(fields[1]), count >= 0 else { return nil }
        incidentReports = count
      case "boot", "pending", "last", "rearm-at", "rearm-delay", "healthy-since", "restarts-total", "reports-total":
        return nil  // a known key with the wrong number of fields
      default:
        continue
      }
    }
    guard sawBoot else { return nil }
  }

  /// The same record on this boot (`id`, empty where this run cannot tell; `now` on the boot
  /// clock): moments of another boot are dropped. A boot id is the same with or without its
  /// dashes (the kernel's file has them, systemd's `%b` has none). Where one side could not
  /// tell its boot, a moment later than now can only come from another boot; otherwise the
  /// record is this boot's, so that a run that cannot read the id never throws away a
  /// budget that runs which can read it keep (and the other way round).
  public func onBoot(_ id: String, now: Moment) -> RestartRecord {
    let here = Self.bootKey(id)
    let stored = Self.bootKey(boot)
    if here == stored { return self }
    if here.isEmpty || stored.isEmpty {
      let past = restarts + [healthySince, pending?.requestedAt].compactMap { $0 }
      if !past.contains(where: { $0 > now + .seconds(1) }) {
        var same = self
        if stored.isEmpty { same.boot = id }
        return same
      }
    }
    var fresh = RestartRecord()
    fresh.boot = here.isEmpty ? boot : id
    fresh.lastResolution = lastResolution
    fresh.restartsDone = restartsDone
    fresh.restartsFailed = restartsFailed
    fresh.incidentReports = incidentReports
    if var pending {
      // Its PID is gone with the boot; the check withdraws it as stale and says so.
      pending.requestedAt = Moment(seconds: 0)
      fresh.pending = pending
    }
    return fresh
  }

  static func bootKey(_ id: String) -> String { id.lowercased().filter { $0 != "-" } }

  static func clean(_ text: String) -> String {
    // Built character by character: String's generic init from a sequence looked the
    // sequence's type up in the runtime's conformance records on every check.
    var cleaned = ""
    for character in text.prefix(500) { cleaned.append(character == "\t" || character.isNewline ? " " : character) }
    return cleaned
  }
}
