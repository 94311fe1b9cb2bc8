import Engine

/// Keys on the box's list, with no I/O; in a target's view, the target's own keys
/// (`DashboardInput`), and `Esc` back to the list.
enum BoxInput {
  /// The action, and for which target.
  static func handle(_ key: DashboardKey, box: inout BoxModel, pageSize: Int) -> (action: DashboardAction, target: Int)?
  {
    if box.editingFilter { return editFilter(key, box: &box) }
    if box.showsHelp {
      box.showsHelp = false
      return nil
    }
    if !box.showsList {
      // Esc leaves a target's view for the list when nothing is open over it.
      if key == .escape, box.targets.count > 1, box.current.overlay == .none {
        box.showsList = true
        box.current.status = nil
        return nil
      }
      let index = box.selected
      return DashboardInput.handle(key, model: &box.targets[index], pageSize: pageSize).map { ($0, index) }
    }
    let shown = box.visible
    let position = shown.firstIndex(of: box.selected) ?? 0
    switch key {
    case .quit, .character("q"):
      return (.quit, box.selected)
    case .up, .character("k"):
      if position > 0 { box.selected = shown[position - 1] }
    case .down, .character("j"):
      if position + 1 < shown.count { box.selected = shown[position + 1] }
    case .home, .character("g"):
      if let first = shown.first { box.selected = first }
    case .end, .character("G"):
      if let last = shown.last { box.selected = last }
    case .pageUp:
      if !shown.isEmpty { box.selected = shown[max(0, position - pageSize)] }
    case .pageDown:
      if !shown.isEmpty { box.selected = shown[min(shown.count - 1, position + pageSize)] }
    case .enter:
      if shown.contains(box.selected) { box.showsList = false }
    case .character("/"):
      box.editingFilter = true
      box.status = nil
    case .escape:
      box.filter = ""
      box.status = nil
      box.keepSelectionVisible()
    case .help, .character("?"):
      box.showsHelp = true
    case .character("p"), .character("d"), .character("R"), .character("A"), .character("i"):
      // The target's keys act on the selected target; what they open shows in its view.
      guard shown.contains(box.selected) else { return nil }
      let index = box.selected
      let action = DashboardInput.handle(key, model: &box.targets[index], pageSize: pageSize)
      if box.targets[index].overlay != .none { box.showsList = false }
      box.status = box.targets[index].status
      return action.map { ($0, index) }
    default:
      break
    }
    return nil
  }

  private static func editFilter(_ key: DashboardKey, box: inout BoxModel) -> (action: DashboardAction, target: Int)? {
    switch key {
    case .enter:
      box.editingFilter = false
    case .escape:
      box.editingFilter = false
      box.filter = ""
    case .backspace:
      if !box.filter.isEmpty { box.filter.removeLast() }
    case .character(let character) where !character.isNewline:
      box.filter.append(character)
    case .quit:
      return (.quit, box.selected)
    default:
      break
    }
    box.keepSelectionVisible()
    return nil
  }
}
