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
  /// Whether the list shows this target as needing a look: failing, a request pending, or
  /// our own trouble reading its files or systemd.
  var needsAttention: Bool {
    pendingRestart != nil || lastProbe.map { !$0.result.isHealthy } == true || stateError != nil
      || serviceError != nil
  }
}
