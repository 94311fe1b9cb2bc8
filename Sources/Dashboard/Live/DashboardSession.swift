import Dispatch
import Engine
import NIOConcurrencyHelpers

#if canImport(Glibc)
  import Glibc
#endif

/// Set by SIGTERM/SIGHUP; the loop sees it within one tick and restores the terminal.
nonisolated(unsafe) private var terminationRequested: sig_atomic_t = 0

/// The live dashboard: probes on a background queue, reads the shared state file and the
/// trigger log, asks systemd, handles keys, and redraws when something changed.
final class DashboardSession {
  private let settings: CheckSettings
  private let probe: Probe
  private let serviceManager: any ServiceManager
  private let timer: UnitName?
  private let demo: DemoService?
  /// The demo's stand-in for the systemd timer: a counting check this often.
  private let timerInterval: Duration?
  private var model: DashboardModel
  private let started = ContinuousClock.now
  private var logIdentity: (device: UInt, inode: UInt, size: Int, modified: Int)?

  init(
    probe: Probe, serviceManager: any ServiceManager, target: DashboardModel.Target,
    timer: UnitName?, demo: DemoService?, timerInterval: Duration?
  ) {
    self.timerInterval = timerInterval
    settings = target.settings
    self.probe = probe
    self.serviceManager = serviceManager
    self.timer = timer
    self.demo = demo
    model = DashboardModel(target: target)
  }

  /// Opens the screen and runs until `q`, F10, Ctrl-C or SIGTERM.
  func run() throws {
    let screen = try CursesScreen()
    defer { screen.close() }
    signal(SIGTERM) { _ in terminationRequested = 1 }
    signal(SIGHUP) { _ in terminationRequested = 1 }
    signal(SIGPIPE, SIG_IGN)
    let mailbox = try SessionMailbox()
    defer { mailbox.stop() }
    startProbing(mailbox)
    startWatchingService(mailbox)
    if let timerInterval { startTimerChecks(mailbox, every: timerInterval) }
    refreshFiles()

    var lastFileCheck = seconds()
    var drawnSize = (width: -1, height: -1)
    var needsFrame = true
    while terminationRequested == 0 {
      var fds = [
        pollfd(fd: 0, events: Int16(POLLIN), revents: 0),
        pollfd(fd: mailbox.wakeDescriptor, events: Int16(POLLIN), revents: 0),
      ]
      // 200 ms: a resize or SIGTERM is seen at once or on the next tick. A frame is only
      // built when something changed, and only its changed rows are sent.
      _ = poll(&fds, 2, 200)
      for event in mailbox.take() {
        apply(event, mailbox: mailbox)
        needsFrame = true
      }
      var quit = false
      while let input = screen.readKey() {
        needsFrame = true
        switch input {
        case .resize: screen.invalidate()
        case .ignored: break
        case .key(let key):
          let page = DashboardView.logPage(height: screen.size.height)
          if let action = DashboardInput.handle(key, model: &model, pageSize: page) {
            if action == .quit { quit = true } else { perform(action, mailbox: mailbox) }
          }
        }
      }
      if quit { break }
      if seconds() - lastFileCheck >= 0.5 {
        if refreshFiles() { needsFrame = true }
        lastFileCheck = seconds()
      }
      let size = screen.size
      if needsFrame || size != drawnSize {
        screen.draw(DashboardView(model: model, glyphs: screen.glyphs).render(width: size.width, height: size.height))
        drawnSize = size
        needsFrame = false
      }
    }
  }

  // MARK: - Work off the main thread

  /// Probes every interval with the check's own Probe, counting nothing.
  private func startProbing(_ mailbox: SessionMailbox) {
    let interval = Duration.milliseconds(Int64(model.target.interval * 1000))
    let probe = self.probe
    DispatchQueue(label: "websocket-health-check.probe").async {
      let clock = ContinuousClock()
      while mailbox.isRunning {
        let next = clock.now + interval
        mailbox.post(.probed(probe.runToEnd(), LocalTimestamp.now()))
        while mailbox.isRunning && clock.now < next { usleep(50_000) }
      }
    }
  }

  /// MainPID, ActiveState and the timer's next run, every 2 s, off the main thread because
  /// systemctl may be slow.
  private func startWatchingService(_ mailbox: SessionMailbox) {
    let serviceManager = self.serviceManager
    let unit = settings.unit
    let timer = self.timer
    DispatchQueue(label: "websocket-health-check.systemd").async {
      while mailbox.isRunning {
        do {
          let status = try serviceManager.status(of: unit)
          mailbox.post(.service(status, nil, nextTimer: timer.flatMap { serviceManager.secondsUntilNextRun(of: $0) }))
        } catch {
          mailbox.post(.service(nil, "\(error)", nextTimer: nil))
        }
        for _ in 0..<40 where mailbox.isRunning { usleep(50_000) }
      }
    }
  }

  /// The demo's timer: the same check the real timer runs, every few seconds.
  private func startTimerChecks(_ mailbox: SessionMailbox, every interval: Duration) {
    let cycle = CheckCycle(settings: settings, serviceManager: serviceManager) { [probe] in probe.runToEnd() }
    DispatchQueue(label: "websocket-health-check.timer").async {
      let clock = ContinuousClock()
      var next = clock.now + interval
      while mailbox.isRunning {
        let left = next - clock.now
        mailbox.post(.timerDue(in: Int(left.components.seconds) + 1))
        if left <= .zero {
          mailbox.post(.timerRan(cycle.run()))
          next = clock.now + interval
        }
        usleep(250_000)
      }
    }
  }

  private func perform(_ action: DashboardAction, mailbox: SessionMailbox) {
    let cycle = CheckCycle(settings: settings, serviceManager: serviceManager) { [probe] in probe.runToEnd() }
    let restarter = settings.restarter(serviceManager)
    let requester = Requester(name: WhoAsked.name(), place: "dashboard")
    let unit = settings.unit
    switch action {
    case .quit:
      break
    case .runCheck:
      model.checkRunning = true
      model.status = nil
      DispatchQueue.global().async { mailbox.post(.checked(cycle.run())) }
    case .dryRunRestart:
      do {
        try restarter.dryRun(count: model.failureCount, by: requester)
        model.status = .init(
          text: "dry run logged; a restart would run: \(serviceManager.restartCommand(for: unit))", tone: .plain)
      } catch {
        model.status = .init(text: "\(error)", tone: .failing)
      }
      refreshFiles()
    case .restart, .approve, .reject:
      guard let pid = model.service?.mainPID else {
        model.status = .init(text: "systemd has not said the MainPID yet; nothing was done, try again", tone: .failing)
        return
      }
      model.status = .init(text: action == .reject ? "rejecting…" : "restarting \(unit)…", tone: .warning)
      let settings = settings
      DispatchQueue.global().async {
        do {
          let report =
            switch action {
            case .approve: try restarter.approve(pid: pid, by: requester)
            case .reject: try restarter.reject(pid: pid, by: requester)
            default: try restarter.restartNow(pid: pid, by: requester)
            }
          mailbox.post(.message(DashboardStatus.after(report, settings: settings)))
        } catch {
          mailbox.post(.message(.init(text: "\(error); nothing was restarted", tone: .failing)))
        }
      }
    case .demo(let name):
      guard let demo, let mode = DemoService.Mode(rawValue: name) else { return }
      do {
        try demo.set(mode)
        model.demoMode = mode.rawValue
        model.status = .init(text: "demo service is now \(mode.rawValue)", tone: .plain)
      } catch {
        model.status = .init(text: "demo: \(error)", tone: .failing)
      }
    }
  }

  private func apply(_ event: SessionMailbox.Event, mailbox: SessionMailbox) {
    switch event {
    case .probed(let result, let time):
      model.lastProbe = .init(time: time, result: result)
      model.latency.add(result, at: seconds())
    case .checked(let report):
      model.checkRunning = false
      model.status = DashboardStatus.after(report, settings: settings, prefix: "check")
      if let probe = report.probe { model.lastProbe = .init(time: LocalTimestamp.now(), result: probe) }
      refreshFiles()
    case .service(let status, let error, let next):
      model.service = status
      model.serviceError = error
      if timerInterval == nil { model.nextTimerCheck = next }
      if let demo { model.demoMode = demo.mode.rawValue }
    case .timerDue(let seconds):
      model.nextTimerCheck = seconds
    case .timerRan(let report):
      model.status = DashboardStatus.after(report, settings: settings, prefix: "timer")
      refreshFiles()
    case .message(let message):
      model.status = message
      refreshFiles()
    }
  }

  // MARK: - Files shared with the timer

  /// The state file (cheap: one small read), and the log's tail when the file changed,
  /// was truncated or replaced by rotation. Returns whether anything shown changed.
  @discardableResult
  private func refreshFiles() -> Bool {
    let before = (model.state, model.stateError)
    let pendingBefore = model.pendingRestart
    do {
      model.state = try settings.stateStore.peek()
      model.pendingRestart = try settings.stateStore.peekRecord().record?.pending
      model.stateError = nil
    } catch {
      model.stateError = "\(error)"
    }
    var info = stat()
    let stateChanged =
      before.0 != model.state || before.1 != model.stateError || pendingBefore != model.pendingRestart
    guard stat(settings.triggerLog.path, &info) == 0 else {
      defer { logIdentity = nil }
      model.logLines = []
      return stateChanged || logIdentity != nil
    }
    let identity = (
      UInt(info.st_dev), UInt(info.st_ino), Int(info.st_size),
      Int(info.st_mtim.tv_nsec) + Int(info.st_mtim.tv_sec) * 1_000_000_000
    )
    if let old = logIdentity, old == identity { return stateChanged }
    logIdentity = identity
    do {
      model.logLines = try TriggerLogTail(path: settings.triggerLog.path).lastLines(500)
      model.logError = nil
    } catch {
      model.logError = "\(error)"
    }
    return true
  }

  private func seconds() -> Double {
    let elapsed = ContinuousClock.now - started
    return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
  }
}
