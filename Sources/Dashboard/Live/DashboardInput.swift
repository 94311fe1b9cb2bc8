import Engine

/// A key as the dashboard understands it, whatever terminal sent it.
enum DashboardKey: Equatable, Sendable {
  case character(Character)
  case up, down, pageUp, pageDown, home, end
  case enter, backspace
  case escape, help, quit
}

/// What a key asks the session to do beyond changing the model.
enum DashboardAction: Equatable, Sendable {
  case quit
  case runCheck
  case dryRunRestart
  case restart
  case approve
  case reject
  /// Read the latest incident report and show it whole.
  case openReport
  case demo(String)
}

/// Keys to model changes and actions, with no I/O: tested by tables.
enum DashboardInput {
  static func handle(_ key: DashboardKey, model: inout DashboardModel, pageSize: Int) -> DashboardAction? {
    switch model.overlay {
    case .help:
      model.overlay = .none
      return nil
    case .confirmRestart:
      model.overlay = .none
      if key == .character("y") || key == .character("Y") {
        return .restart
      }
      model.status = .init(text: "restart cancelled; nothing was done", tone: .plain)
      return nil
    case .confirmApproval:
      model.overlay = .none
      switch key {
      case .character("y"), .character("Y"): return .approve
      case .character("n"), .character("N"): return .reject
      default:
        model.status = .init(text: "the restart request stays pending; A decides", tone: .plain)
        return nil
      }
    case .report(let lines, let scroll):
      // A pager's keys: the arrows and pages scroll, Esc, q or i close.
      let last = max(0, lines.count - pageSize)
      switch key {
      case .up, .character("k"): model.overlay = .report(lines: lines, scroll: max(0, scroll - 1))
      case .down, .character("j"): model.overlay = .report(lines: lines, scroll: min(last, scroll + 1))
      case .pageUp: model.overlay = .report(lines: lines, scroll: max(0, scroll - pageSize))
      case .pageDown, .character(" "): model.overlay = .report(lines: lines, scroll: min(last, scroll + pageSize))
      case .home, .character("g"): model.overlay = .report(lines: lines, scroll: 0)
      case .end, .character("G"): model.overlay = .report(lines: lines, scroll: last)
      default: model.overlay = .none
      }
      return nil
    case .none:
      break
    }
    let maxScroll = max(0, model.logLines.count - 1)
    switch key {
    case .quit, .character("q"):
      return .quit
    case .help, .character("?"):
      model.overlay = .help
    case .character("p"):
      if model.checkRunning {
        model.status = .init(text: "a check is already running", tone: .plain)
        return nil
      }
      return .runCheck
    case .character("d"):
      return .dryRunRestart
    case .character("i"):
      guard model.latestReport != nil else {
        model.status = .init(
          text: "no incident report yet (one is written when the threshold is reached)", tone: .plain)
        return nil
      }
      return .openReport
    case .character("A"):
      guard let pending = model.pendingRestart else {
        model.status = .init(text: "no restart is awaiting approval", tone: .plain)
        return nil
      }
      if model.target.readonly {
        model.status = .init(
          text: "read-only dashboard (--readonly): approve with: \(model.target.settings.approveCommand)",
          tone: .warning)
        return nil
      }
      model.overlay = .confirmApproval(pending, command: model.target.restartCommand)
    case .character("R"):
      if model.target.readonly {
        model.status = .init(text: "read-only dashboard (--readonly): restart is not offered", tone: .warning)
      } else {
        model.overlay = .confirmRestart(command: model.target.restartCommand)
        return nil
      }
    case .up: model.logScroll = min(maxScroll, model.logScroll + 1)
    case .down: model.logScroll = max(0, model.logScroll - 1)
    case .pageUp: model.logScroll = min(maxScroll, model.logScroll + pageSize)
    case .pageDown: model.logScroll = max(0, model.logScroll - pageSize)
    case .home, .character("g"): model.logScroll = maxScroll
    case .end, .character("G"): model.logScroll = 0
    case .character(let character) where model.target.isDemo && "hwsxn".contains(character):
      let mode = ["h": "hung", "w": "wedged", "s": "slow", "x": "refusing", "n": "healthy"][String(character)]!
      return .demo(mode)
    case .escape:
      model.status = nil
    default:
      break
    }
    return nil
  }
}
