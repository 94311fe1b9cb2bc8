import Engine

#if canImport(Glibc)
  import Glibc
#endif

/// The files a target's timer writes, as the dashboard follows them: the state file and
/// restart record, the check history, the newest incident report and the trigger log's tail,
/// each read again only when a `stat` says it changed (a box of a hundred targets is looked
/// at every two seconds, and the timers write every fifteen).
struct TargetFiles {
  let settings: CheckSettings
  /// The state directory, the state file and the restart record: a directory made unsafe (a
  /// chmod) is an error to show although neither file changed.
  private var stateDirectoryWatch = FileWatch()
  private var stateFileWatch = FileWatch()
  private var recordWatch = FileWatch()
  /// The report directory.
  private var reportsWatch = FileWatch()
  /// What the log was when its tail was last read; nil when there was no log.
  private var logIdentity: FileIdentity?
  /// What the check history was when last read: it is read again only when a check wrote it.
  private var historyIdentity: FileIdentity?

  init(settings: CheckSettings) {
    self.settings = settings
  }

  /// Reads what changed into `model`; returns whether anything it shows changed.
  mutating func refresh(_ model: inout DashboardModel) -> Bool {
    let before = (model.state, model.stateError, model.pendingRestart)
    let store = settings.stateStore
    // All three look (no `||` cutting it short), so that each remembers what it saw.
    let looks = [
      stateDirectoryWatch.mustRead(store.directoryPath), stateFileWatch.mustRead(store.path),
      recordWatch.mustRead(store.recordPath),
    ]
    if looks.contains(true) {
      do {
        let (state, record) = try settings.stateStore.peekBoth()
        model.state = state
        model.pendingRestart = record.record?.pending
        model.stateError = nil
      } catch {
        model.stateError = "\(error)"
      }
    }
    // The request's age is on the boot clock; its expiry is shown as a time of day.
    model.approvalExpires = nil
    if let pending = model.pendingRestart, let timeout = settings.policy.approvalTimeout {
      let left = timeout - (Moment.now() - pending.requestedAt)
      model.approvalExpires = LocalTimestamp.now().seconds + Int(left.components.seconds)
    }
    var stateChanged = before.0 != model.state || before.1 != model.stateError || before.2 != model.pendingRestart
    // The newest report by name, listed again only when the directory changed, and read again
    // only when another is written.
    if let shelf = settings.incidents?.shelf {
      if reportsWatch.mustRead(shelf.directory) {
        let newestReport = shelf.latest
        if newestReport != model.latestReport?.path {
          model.latestReport = newestReport.map { path in
            .init(path: path, summary: ReportShelf.summary(ofReportAt: path) ?? ["(the report could not be read)"])
          }
          stateChanged = true
        }
      }
    }
    let history = FileIdentity.of(settings.stateStore.historyPath)
    if FileIdentity.mustReadAgain(history, since: historyIdentity) {
      historyIdentity = history
      // The past only informs: a history that cannot be read shows none.
      let entries = history == nil ? [] : (try? settings.stateStore.peekHistory()) ?? []
      if entries != model.history {
        model.history = entries
        stateChanged = true
      }
    }
    guard let identity = FileIdentity.of(settings.triggerLog.path) else {
      defer { logIdentity = nil }
      model.logLines = []
      return stateChanged || logIdentity != nil
    }
    if !FileIdentity.mustReadAgain(identity, since: logIdentity) { return stateChanged }
    logIdentity = identity
    let shown = (model.logLines, model.logError)
    do {
      model.logLines = try TriggerLogTail(path: settings.triggerLog.path).lastLines(500)
      model.logError = nil
    } catch {
      model.logError = "\(error)"
    }
    return stateChanged || shown.0 != model.logLines || shown.1 != model.logError
  }
}
