import Dispatch
import Engine
import NIOConcurrencyHelpers
import NIOCore

#if canImport(Glibc)
  import Glibc
#endif

/// Set by SIGTERM/SIGHUP; the loop sees it within one tick and restores the terminal.
nonisolated(unsafe) private var terminationRequested: sig_atomic_t = 0

/// One watched target's parts for the session: what it shows, how it is probed.
struct WatchedTarget: Sendable {
  var view: DashboardModel.Target
  var probe: Probe
}

/// The live dashboard: owns the screen and the loop that turns events into frames.
///
/// Work happens off the screen's thread and comes back as events: every target's probes run
/// on one event loop (`ProbeSchedule`: one per target per interval, never overlapping); systemd is
/// asked about every unit and timer in one `systemctl show` per refresh; the files the timer
/// writes are looked at every half second, every two for a box of more than ten (a stat and
/// two small reads, the log's tail only when it changed: `TargetFiles`). Each target's state
/// is a `DashboardModel` the events update; the views render them.
final class DashboardSession {
  private var targets: [WatchedTarget]
  private let serviceManager: any ServiceManager
  private let demo: DemoService?
  /// The demo's stand-in for the systemd timer: a counting check this often.
  private let timerInterval: Duration?
  private let probeLoop: any EventLoop
  private var box: BoxModel
  private let started = ContinuousClock.now
  /// Each target's files, as last read.
  private var files: [TargetFiles]
  /// The box's config directory, followed: its targets as they are now, or why they cannot be
  /// read (the list then stays as it was).
  private var directory: (watch: ConfigDirectoryWatch, targets: () -> Result<[WatchedTarget], ConfigurationError>)?

  init(
    targets: [WatchedTarget], probeLoop: any EventLoop, serviceManager: any ServiceManager, demo: DemoService?,
    timerInterval: Duration?,
    following directory: (path: String, targets: () -> Result<[WatchedTarget], ConfigurationError>)? = nil
  ) {
    self.directory = directory.map { (ConfigDirectoryWatch(directory: $0.path), $0.targets) }
    self.targets = targets
    self.probeLoop = probeLoop
    self.serviceManager = serviceManager
    self.demo = demo
    self.timerInterval = timerInterval
    box = BoxModel(targets: targets.map { DashboardModel(target: $0.view) })
    // The demo's timer runs in this process: its rhythm is known.
    if let timerInterval { for index in box.targets.indices { box.targets[index].timerInterval = timerInterval } }
    files = targets.map { TargetFiles(settings: $0.view.settings) }
  }

  /// Opens the screen and runs until `q`, F10, Ctrl-C or SIGTERM.
  func run() throws {
    let screen = try CursesScreen()
    defer { screen.close() }
    signal(SIGTERM) { _ in terminationRequested = 1 }
    signal(SIGHUP) { _ in terminationRequested = 1 }
    signal(SIGPIPE, SIG_IGN)
    var mailbox = try SessionMailbox()
    var probing = ProbeSchedule(targets: targets, loop: probeLoop, mailbox: mailbox)
    defer {
      mailbox.stop()
      probing.stop()
    }
    startWatchingServices(mailbox)
    if let timerInterval { startTimerChecks(mailbox, every: timerInterval) }
    refreshFiles()

    var lastFileCheck = seconds()
    var drawnSize = (width: -1, height: -1)
    var needsFrame = true
    var lastFrame = -1.0
    var urgent = true
    while terminationRequested == 0 {
      // A few targets' files twice a second; a box of many every two seconds (the timers
      // write them every 15 s). Events are folded into at most four frames a second, one for
      // a box of many: each target's probe comes once a second, so every frame still shows
      // every target's latest (htop redraws every 1.5 s), and a frame of a hundred rows costs
      // as much as thirty probes. A key or a resize is drawn at once.
      let (fileInterval, frameInterval) = targets.count > 10 ? (2.0, 1.0) : (0.5, 0.25)
      var fds = [
        pollfd(fd: 0, events: Int16(POLLIN), revents: 0),
        pollfd(fd: mailbox.wakeDescriptor, events: Int16(POLLIN), revents: 0),
      ]
      // A tick every frame interval takes the probes' results (they do not wake this
      // thread); keys, other events, a resize or SIGTERM end the wait at once. A frame is only
      // built when something changed, and only its changed rows are sent; a frame held back by
      // the rate limit is drawn when the limit allows it.
      let tick = Int(frameInterval * 1000)
      let wait = needsFrame ? max(1, Int((lastFrame + frameInterval - seconds()) * 1000)) : tick
      _ = poll(&fds, 2, Int32(min(wait, tick)))
      for event in mailbox.take() {
        apply(event, mailbox: mailbox)
        needsFrame = true
      }
      var quit = false
      while let input = screen.readKey() {
        needsFrame = true
        urgent = true
        switch input {
        case .resize: screen.invalidate()
        case .ignored: break
        case .key(let key):
          var page = box.showsList ? max(1, screen.size.height - 6) : DashboardView.logPage(height: screen.size.height)
          if case .report = box.current.overlay { page = ReportViewer.page(height: screen.size.height) }
          if let (action, index) = BoxInput.handle(key, box: &box, pageSize: page) {
            if action == .quit { quit = true } else { perform(action, on: index, mailbox: mailbox) }
          }
        }
      }
      if quit { break }
      if seconds() - lastFileCheck >= fileInterval {
        if refreshFiles() { needsFrame = true }
        lastFileCheck = seconds()
        if directory?.watch.changed() == true, let targets = readDirectory() {
          // The probes and the systemd watch start over for the new list; what was shown of
          // a target that stays is kept.
          mailbox.stop()
          probing.stop()
          follow(targets)
          mailbox = try SessionMailbox()
          probing = ProbeSchedule(targets: self.targets, loop: probeLoop, mailbox: mailbox)
          startWatchingServices(mailbox)
          refreshFiles()
          needsFrame = true
        }
      }
      let size = screen.size
      let now = seconds()
      if size != drawnSize || (needsFrame && (urgent || now - lastFrame >= frameInterval)) {
        let frame =
          box.showsList
          ? TargetListView(box: box, glyphs: screen.glyphs).render(width: size.width, height: size.height)
          : DashboardView(model: box.current, glyphs: screen.glyphs).render(width: size.width, height: size.height)
        screen.draw(frame)
        drawnSize = size
        needsFrame = false
        urgent = false
        lastFrame = now
      }
    }
  }

  // MARK: - Work off the screen's thread

  /// Every unit's MainPID and state and every timer's state, in one `systemctl show` every
  /// 2 s, off the screen's thread because systemctl may be slow; with them, whether each
  /// target's checks still come (its last check's time, a small file).
  private func startWatchingServices(_ mailbox: SessionMailbox) {
    let serviceManager = self.serviceManager
    let units = targets.map(\.view.settings.unit)
    let watched = timerInterval == nil ? targets.map { ($0.view.timer, $0.view.settings.stateStore) } : []
    let timers = watched.compactMap(\.0)
    DispatchQueue(label: "websocket-health-check.systemd").async {
      // Each target's last check, read again only when its small file changed.
      var lastCheckWatches = [FileWatch](repeating: FileWatch(), count: watched.count)
      var lastChecks = [Int?](repeating: nil, count: watched.count)
      while true {
        do {
          let overview = try serviceManager.overview(units: units, timers: timers)
          let now = LocalTimestamp.now().seconds
          let problems = watched.indices.map { index in
            let (timer, store) = watched[index]
            return timer.flatMap { timer in
              if lastCheckWatches[index].mustRead(store.lastCheckPath) {
                lastChecks[index] = (try? store.peekLastCheck())??.unixSeconds
              }
              return TimerProblem.of(
                timer: overview.timers[timer.description], queryError: nil, lastCheck: lastChecks[index], now: now)
            }
          }
          mailbox.post(.services(overview, nil, timerProblems: problems))
        } catch {
          mailbox.post(.services(ServiceOverview(), "\(error)"))
        }
        if mailbox.waitUntilStopped(seconds: 2) { break }
      }
    }
  }

  /// The demo's timer: the same check the real timer runs, every few seconds.
  private func startTimerChecks(_ mailbox: SessionMailbox, every interval: Duration) {
    let cycles = targets.map { target in
      CheckCycle(settings: target.view.settings, serviceManager: serviceManager, probe: target.probe)
    }
    DispatchQueue(label: "websocket-health-check.timer").async {
      let clock = ContinuousClock()
      var next = clock.now + interval
      repeat {
        let left = next - clock.now
        mailbox.post(.timerDue(in: Int(left.components.seconds) + 1))
        if left <= .zero {
          for (index, cycle) in cycles.enumerated() { mailbox.post(.timerRan(index, cycle.run())) }
          next = clock.now + interval
        }
      } while !mailbox.waitUntilStopped(seconds: 0.25)
    }
  }

  private func perform(_ action: DashboardAction, on index: Int, mailbox: SessionMailbox) {
    let target = targets[index]
    let settings = target.view.settings
    let cycle = CheckCycle(settings: settings, serviceManager: serviceManager, probe: target.probe)
    let restarter = settings.restarter(serviceManager)
    let requester = Requester(name: WhoAsked.name(), place: "dashboard")
    let unit = settings.unit
    let serviceManager = self.serviceManager
    switch action {
    case .quit:
      break
    case .runCheck:
      box.targets[index].checkRunning = true
      box.targets[index].status = nil
      DispatchQueue.global().async { mailbox.post(.checked(index, cycle.run())) }
    case .dryRunRestart:
      do {
        try restarter.dryRun(count: box.targets[index].failureCount, by: requester)
        box.targets[index].status = .init(
          text: "dry run logged; a restart would run: \(serviceManager.restartCommand(for: unit))", tone: .plain)
      } catch {
        box.targets[index].status = .init(text: "\(error)", tone: .failing)
      }
      refreshFiles()
    case .restart, .approve, .reject:
      // The restart owner asks systemd for the MainPID it decides on; the one on screen may
      // be up to a refresh old.
      box.targets[index].status = .init(text: action == .reject ? "rejecting…" : "restarting \(unit)…", tone: .warning)
      DispatchQueue.global().async {
        do {
          let report =
            switch action {
            case .approve: try restarter.approve(by: requester)
            case .reject: try restarter.reject(by: requester)
            default: try restarter.restartNow(by: requester)
            }
          mailbox.post(.message(index, DashboardStatus.after(report, settings: settings)))
        } catch {
          mailbox.post(.message(index, .init(text: "\(error); nothing was restarted", tone: .failing)))
        }
      }
    case .openReport:
      guard let path = box.targets[index].latestReport?.path else { return }
      // Read whole when asked, not kept for every target: a report may be 2 MiB.
      if let lines = ReportShelf.lines(ofReportAt: path) {
        box.targets[index].overlay = .report(lines: lines, scroll: 0)
        box.showsList = false
      } else {
        box.targets[index].status = .init(text: "cannot read \(path); open it with: less \(path)", tone: .failing)
      }
    case .demo(let name):
      guard let demo, let mode = DemoService.Mode(rawValue: name) else { return }
      do {
        try demo.set(mode)
        box.targets[index].demoMode = mode.rawValue
        box.targets[index].status = .init(text: "demo service is now \(mode.rawValue)", tone: .plain)
      } catch {
        box.targets[index].status = .init(text: "demo: \(error)", tone: .failing)
      }
    }
    if box.showsList { box.status = box.targets[index].status }
  }

  private func apply(_ event: SessionMailbox.Event, mailbox: SessionMailbox) {
    let filesMoved = box.apply(event, at: seconds(), timersAreDemo: timerInterval != nil)
    if let demo, case .services = event {
      for index in box.targets.indices { box.targets[index].demoMode = demo.mode.rawValue }
    }
    if filesMoved { refreshFiles() }
  }

  // MARK: - The config directory

  /// The directory's targets now, or nil (said on the status line) when one cannot be read.
  private func readDirectory() -> [WatchedTarget]? {
    guard let directory else { return nil }
    switch directory.targets() {
    case .success(let targets) where !targets.isEmpty:
      return targets
    case .success:
      box.status = .init(
        text: "\(directory.watch.directory) has no targets now; still showing the last ones", tone: .warning)
    case .failure(let error):
      box.status = .init(text: "\(error); still showing the targets as they were", tone: .failing)
    }
    return nil
  }

  /// Takes the new list: a target that stays (same name, URI and unit) keeps its screen state,
  /// the selection stays on the target it was on.
  private func follow(_ new: [WatchedTarget]) {
    let selectedName = box.targets.indices.contains(box.selected) ? box.targets[box.selected].target.name : nil
    let before = Dictionary(box.targets.map { ($0.target.name, $0) }, uniquingKeysWith: { first, _ in first })
    let models = new.map { watched -> DashboardModel in
      guard var kept = before[watched.view.name], kept.target.uri == watched.view.uri,
        kept.target.unit == watched.view.unit
      else { return DashboardModel(target: watched.view) }
      kept.target = watched.view
      return kept
    }
    let added = new.filter { before[$0.view.name] == nil }.map(\.view.name)
    let removed = Set(before.keys).subtracting(new.map(\.view.name)).sorted()
    targets = new
    files = new.map { TargetFiles(settings: $0.view.settings) }
    var box = BoxModel(targets: models)
    box.filter = self.box.filter
    let kept = models.firstIndex { $0.target.name == selectedName }
    box.selected = kept ?? 0
    // A person reading one target's view stays there; if that target went, the list shows.
    box.showsList = self.box.showsList || kept == nil
    box.keepSelectionVisible()
    let changes =
      (added.isEmpty ? [] : ["added " + added.joined(separator: ", ")])
      + (removed.isEmpty ? [] : ["removed " + removed.joined(separator: ", ")])
    box.status = .init(
      text: "config directory changed: " + (changes.isEmpty ? "targets re-read" : changes.joined(separator: "; ")),
      tone: .plain)
    // Said where the person is looking: in a target's view, on its status line.
    if !box.showsList { box.targets[box.selected].status = box.status }
    self.box = box
  }

  // MARK: - Files shared with the timer

  /// Reads every target's files that changed into its model; whether anything shown changed.
  @discardableResult
  private func refreshFiles() -> Bool {
    var changed = false
    for index in box.targets.indices where files[index].refresh(&box.targets[index]) {
      changed = true
      // A target just opened shows the timer's last minute in its chart before its own probes.
      let wall = LocalTimestamp.now()
      let now = Int64(wall.seconds) * 1000 + Int64(wall.microseconds / 1000)
      box.targets[index].latency.addPast(box.targets[index].history, now: now, at: seconds())
    }
    return changed
  }

  private func seconds() -> Double {
    let elapsed = ContinuousClock.now - started
    return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
  }
}
