import Engine

/// Everything the dashboard shows, as values: the session updates it, the view draws it.
struct DashboardModel: Sendable {
  /// What is watched, fixed for the session.
  struct Target: Sendable {
    /// What the checks use: URI, unit, threshold, mode, state file, trigger log.
    var settings: CheckSettings
    /// Seconds between the dashboard's own probes.
    var interval: Double
    var restartCommand: String
    var readonly = false
    /// The demo says so on screen, always.
    var isDemo = false
    /// `--insecure`: the probe does not check the server's certificate.
    var certificateUnchecked = false
    /// What the probe asks after the upgrade; the OpenEMS kind says whether the port chose it.
    var depth: ProbeDepth = .handshake

    /// The timer that runs this target's checks, to show its next run.
    var timer: UnitName?

    var name: String { settings.name }
    var uri: String { settings.uri.description }
    var unit: String { settings.unit.description }
    var threshold: Int { settings.watchdog.threshold }
    var mode: RestartMode { settings.policy.mode }
    var stateFile: String { settings.stateStore.path }
    var logFile: String { settings.triggerLog.path }
  }

  struct LastProbe: Sendable {
    var time: LocalTimestamp
    var result: ProbeResult
  }

  /// A line at the bottom that answers the last key: a check's outcome, an error.
  struct StatusMessage: Sendable, Equatable {
    var text: String
    var tone: CellStyle.Tone
  }

  enum Overlay: Sendable, Equatable {
    case none
    case help
    /// Restart asked for; shows the exact command and waits for y / Esc.
    case confirmRestart(command: String)
    /// A pending restart request: y approves (restarts), n rejects, Esc leaves it pending.
    case confirmApproval(PendingRestart, command: String)
    /// The latest incident report, whole, scrolled this many lines down.
    case report(lines: [String], scroll: Int)
  }

  /// The newest incident report kept for this target: where, and what it says first.
  struct IncidentReportShown: Sendable, Equatable {
    var path: String
    var summary: [String]
    var written: String { ReportShelf.writtenAt(path) }
  }

  var target: Target
  var service: ServiceStatus?
  var serviceError: String?
  var latency = LatencyWindow()
  var lastProbe: LastProbe?
  var state: StateStore.Content?
  var stateError: String?
  /// Seconds until the timer's next check, where systemd knows it.
  var nextTimerCheck: Int? {
    didSet { nextTimerCheckAt = nextTimerCheck.map { LocalTimestamp.now().seconds + $0 } }
  }
  /// The same as Unix seconds, fixed when it was learnt, for "restart at ~…".
  private(set) var nextTimerCheckAt: Int?
  /// The timer's interval, where systemd says it (`OnUnitActiveSec=`), or the demo's.
  var timerInterval: Duration?
  /// When a pending restart request expires (`--approval-timeout`), as Unix seconds.
  var approvalExpires: Int?
  /// Why the timer may not be running the checks (stopped, missing, stale…).
  var timerProblem: TimerProblem?
  var logLines: [String] = []
  var logError: String?
  /// Lines scrolled up from the newest; 0 follows new lines as they come.
  var logScroll = 0
  var status: StatusMessage?
  var overlay: Overlay = .none
  var checkRunning = false
  /// The demo service's current fault, shown in the header.
  var demoMode: String?
  /// A restart waiting for a person's yes (`--restart-mode approve`), from the restart record.
  var pendingRestart: PendingRestart?
  /// The timer's checks, oldest first, from the check history: the past before this screen.
  var history: [CheckHistory.Entry] = []
  /// The latest incident report, read when the shelf's newest name changes.
  var latestReport: IncidentReportShown?

  /// `failing since 03:12:09 (14 checks)` while the timer's newest checks fail.
  var failingSince: String? { CheckHistory.failingSinceText(history) }

  init(target: Target) {
    self.target = target
  }

  /// The counter as the timer sees it: the state file's count for the current MainPID.
  var failureCount: Int? {
    guard let counter = state?.counter, counter.pid == service?.mainPID || service == nil else { return nil }
    return counter.count
  }

  var isArmed: Bool { (failureCount ?? -1) >= 0 }

  /// Whether the last probe found the service failing; a probe this box kept from being
  /// made (`ProbeFailure.isOnThisBox`) is our trouble, not the service's failure.
  var probeFails: Bool { lastProbe?.result.failure.map { !$0.isOnThisBox } ?? false }
}
