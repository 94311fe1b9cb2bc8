/// The bottom row: the keys that act, as htop shows them.
struct KeyBar {
  let model: DashboardModel

  var keys: [(key: String, label: String)] {
    var keys: [(String, String)] = [("p", "check now"), ("d", "dry-run restart")]
    if !model.target.readonly { keys.append(("R", "restart")) }
    if model.pendingRestart != nil && !model.target.readonly { keys.insert(("A", "APPROVE?"), at: 0) }
    if model.target.isDemo { keys += [("h", "hang"), ("w", "wedge"), ("s", "slow"), ("x", "refuse"), ("n", "normal")] }
    keys += [("?", "help"), ("q", "quit")]
    return keys
  }

  func draw(into grid: inout Grid, row: Int) {
    Self.draw(keys, into: &grid, row: row)
  }

  /// The keys that fit; `?` and `q` are kept whatever the width, the rest folds away from
  /// the end, as htop's function bar does.
  static func draw(_ keys: [(key: String, label: String)], into grid: inout Grid, row: Int) {
    func width(_ list: [(key: String, label: String)]) -> Int {
      list.reduce(1) { $0 + $1.key.count + $1.label.count + 3 }
    }
    var shown = keys
    let kept = Set(["?", "q"])
    while width(shown) > grid.width, let index = shown.lastIndex(where: { !kept.contains($0.key) }) {
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
