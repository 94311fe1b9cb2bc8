/// The bottom row: the keys that act, as htop shows them.
struct KeyBar: Panel {
  var keys: [(key: String, label: String)]

  /// A target's keys: what acts on it, the demo's faults, help and quit.
  static func target(_ model: DashboardModel) -> KeyBar {
    var keys: [(String, String)] = [("p", "check now"), ("d", "dry-run restart")]
    if !model.target.readonly { keys.append(("R", "restart")) }
    if model.latestReport != nil { keys.append(("i", "report")) }
    if model.pendingRestart != nil && !model.target.readonly { keys.insert(("A", "APPROVE?"), at: 0) }
    if model.target.isDemo { keys += [("h", "hang"), ("w", "wedge"), ("s", "slow"), ("x", "refuse"), ("n", "normal")] }
    keys += [("?", "help"), ("q", "quit")]
    return KeyBar(keys: keys)
  }

  func height(width: Int) -> Int { 1 }

  /// Which keys give way first on a narrow screen, as htop's function bar folds: the ones a
  /// person needs least there (the demo's story is w, then n to recover).
  private static let foldOrder = ["x", "s", "h", "d", "R", "i", "n", "p", "w", "A"]

  /// The keys that fit, in their order; `?` and `q` are kept whatever the width, the rest
  /// folds away by `foldOrder`, and then `?` says that help has the rest.
  func draw(into grid: inout Grid) {
    let row = 0
    func width(_ list: [(key: String, label: String)]) -> Int {
      list.reduce(1) { $0 + $1.key.count + $1.label.count + 3 }
    }
    var shown = keys
    for key in Self.foldOrder + shown.map(\.key).filter({ !Self.foldOrder.contains($0) && $0 != "?" && $0 != "q" }) {
      guard width(shown) > grid.width else { break }
      guard let index = shown.firstIndex(where: { $0.key == key }) else { continue }
      shown.remove(at: index)
      // Keys that fold away are not gone without a word: help lists them all.
      if let help = shown.firstIndex(where: { $0.key == "?" }) { shown[help].label = "more keys" }
    }
    var x = 1
    for (key, label) in shown {
      x = grid.put(key, x: x, y: row, style: CellStyle(tone: .plain, bold: true, reverse: true))
      x = grid.put(" \(label)  ", x: x, y: row)
    }
  }
}
