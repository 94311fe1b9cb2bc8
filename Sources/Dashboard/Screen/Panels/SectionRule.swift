/// `─ probe ─────────`: a panel's title across the screen.
struct SectionRule {
  var title: String
  var detail: String = ""

  func draw(into grid: inout Grid, row: Int, glyphs: Glyphs) {
    grid.fill(glyphs.horizontal, x: 0, y: row, count: grid.width, style: .dim)
    var x = grid.put(" \(title) ", x: 1, y: row, style: .title)
    if !detail.isEmpty {
      x = grid.put(" \(detail) ", x: x, y: row, style: .plain, limit: grid.width - x - 2)
    }
  }
}
