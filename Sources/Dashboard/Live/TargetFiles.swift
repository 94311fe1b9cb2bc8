import Engine

#if canImport(Glibc)
  import Glibc
#endif

/// The files a target's timer writes, as the dashboard follows them: the state file and
/// restart record (small, read every time), and the trigger log's tail, read again only when
/// the log changed, was truncated or was replaced by rotation.
struct TargetFiles {
  let settings: CheckSettings
  /// What the log was when its tail was last read; nil when there was no log.
  private var logIdentity: LogIdentity?
  /// What the check history was when last read: it is read again only when a check wrote it.
  private var historyIdentity: LogIdentity?

  struct LogIdentity: Equatable {
    var device: UInt
    var inode: UInt
    var size: Int
    var modified: Int
  }

  init(settings: CheckSettings) {
    self.settings = settings
  }

  /// Reads what changed into `model`; returns whether anything it shows changed.
  mutating func refresh(_ model: inout DashboardModel) -> Bool {
    let before = (model.state, model.stateError, model.pendingRestart)
    do {
      let (state, record) = try settings.stateStore.peekBoth()
      model.state = state
      model.pendingRestart = record.record?.pending
      // The request's age is on the boot clock; its expiry is shown as a time of day.
      model.approvalExpires = nil
      if let pending = model.pendingRestart, let timeout = settings.policy.approvalTimeout {
        let left = timeout - (Moment.now() - pending.requestedAt)
        model.approvalExpires = LocalTimestamp.now().seconds + Int(left.components.seconds)
      }
      model.stateError = nil
    } catch {
      model.stateError = "\(error)"
    }
    var stateChanged = before.0 != model.state || before.1 != model.stateError || before.2 != model.pendingRestart
    // The newest report by name: read again only when another is written.
    let newestReport = settings.incidents?.shelf.latest
    if newestReport != model.latestReport?.path {
      model.latestReport = newestReport.map { path in
        .init(path: path, summary: ReportShelf.summary(ofReportAt: path) ?? ["(the report could not be read)"])
      }
      stateChanged = true
    }
    let history = Self.identity(of: settings.stateStore.historyPath)
    if history != historyIdentity {
      historyIdentity = history
      // The past only informs: a history that cannot be read shows none.
      model.history = history == nil ? [] : (try? settings.stateStore.peekHistory()) ?? []
      stateChanged = true
    }
    guard let identity = Self.identity(of: settings.triggerLog.path) else {
      defer { logIdentity = nil }
      model.logLines = []
      return stateChanged || logIdentity != nil
    }
    if logIdentity == identity { return stateChanged }
    logIdentity = identity
    do {
      model.logLines = try TriggerLogTail(path: settings.triggerLog.path).lastLines(500)
      model.logError = nil
    } catch {
      model.logError = "\(error)"
    }
    return true
  }

  private static func identity(of path: String) -> LogIdentity? {
    var info = stat()
    guard stat(path, &info) == 0 else { return nil }
    return LogIdentity(
      device: UInt(info.st_dev), inode: UInt(info.st_ino), size: Int(info.st_size),
      modified: Int(info.st_mtim.tv_nsec) + Int(info.st_mtim.tv_sec) * 1_000_000_000)
  }
}
