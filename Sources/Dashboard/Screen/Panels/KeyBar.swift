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
    var x = 1
    for (key, label) in keys {
      x = grid.put(key, x: x, y: row, style: CellStyle(tone: .plain, bold: true, reverse: true))
      x = grid.put(" \(label)  ", x: x, y: row)
    }
  }
}
