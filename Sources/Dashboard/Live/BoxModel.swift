import Engine

/// Every target the dashboard watches, and what the operator is looking at: the list of the
/// box, or one target's view. Each target's live state is its own `DashboardModel`; events
/// update them, the views render them, the list and the single view share them.
struct BoxModel: Sendable {
  var targets: [DashboardModel]
  /// The target the keys act on: an index into `targets`.
  var selected = 0
  var showsList: Bool
  /// `/` filter by name, as in htop and k9s.
  var filter = ""
  var editingFilter = false
  /// A line under the list that answers the last key there.
  var status: DashboardModel.StatusMessage?
  var showsHelp = false

  init(targets: [DashboardModel]) {
    self.targets = targets
    showsList = targets.count > 1
  }

  /// The targets the filter lets through, as indices, in the list's order.
  var visible: [Int] {
    guard !filter.isEmpty else { return Array(targets.indices) }
    let needle = filter.lowercased()
    return targets.indices.filter { targets[$0].target.name.lowercased().contains(needle) }
  }

  var current: DashboardModel {
    get { targets[selected] }
    set { targets[selected] = newValue }
  }

  /// Keeps the selection on a visible target after the filter changed.
  mutating func keepSelectionVisible() {
    let shown = visible
    if !shown.contains(selected), let first = shown.first { selected = first }
  }
}

extension DashboardModel {
  /// Whether the list shows this target as needing a look: failing, a request pending, no
  /// timer running its checks, or our own trouble reading its files or systemd.
  var needsAttention: Bool {
    pendingRestart != nil || lastProbe.map { !$0.result.isHealthy } == true || stateError != nil
      || serviceError != nil || timerProblem != nil
  }
}

extension BoxModel {
  /// What an event from the background work changes, with no I/O: the session feeds events
  /// in, the views render the result. Returns whether the files the timers write may have
  /// moved (a check ran, a restart was decided), so the session reads them again.
  mutating func apply(_ event: SessionMailbox.Event, at seconds: Double, timersAreDemo: Bool) -> Bool {
    switch event {
    case .probed(let index, let result, let time):
      targets[index].lastProbe = .init(time: time, result: result)
      targets[index].latency.add(result, at: seconds)
      return false
    case .checked(let index, let report):
      targets[index].checkRunning = false
      targets[index].status = DashboardStatus.after(report, settings: targets[index].target.settings, prefix: "check")
      if let probe = report.probe { targets[index].lastProbe = .init(time: LocalTimestamp.now(), result: probe) }
      echoInList(index)
      return true
    case .services(let overview, let error, let problems):
      for index in targets.indices {
        let unit = targets[index].target.unit
        targets[index].service = overview.statuses[unit]
        targets[index].serviceError =
          error ?? (overview.statuses[unit] == nil ? "systemd knows no unit \(unit)" : nil)
        if !timersAreDemo, let timer = targets[index].target.timer {
          targets[index].nextTimerCheck = overview.nextRun(of: timer)
          targets[index].timerInterval = overview.timers[timer.description]?.interval
          targets[index].timerProblem = index < problems.count ? problems[index] : nil
        }
      }
      return false
    case .timerDue(let seconds):
      for index in targets.indices { targets[index].nextTimerCheck = seconds }
      return false
    case .timerRan(let index, let report):
      targets[index].status = DashboardStatus.after(report, settings: targets[index].target.settings, prefix: "timer")
      return true
    case .message(let index, let message):
      targets[index].status = message
      echoInList(index)
      return true
    }
  }

  /// A target's answer shown under the list too, named, while the list is on screen.
  private mutating func echoInList(_ index: Int) {
    guard showsList, let message = targets[index].status else { return }
    status = .init(text: "\(targets[index].target.name): \(message.text)", tone: message.tone)
  }
}
