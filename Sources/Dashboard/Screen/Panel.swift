/// A part of a screen that says how tall it wants to be for a width and draws into whatever
/// rectangle it is given, as ratatui's widgets and htop's meters do: the views only choose
/// rectangles, so the list and a target's view compose the same panels.
protocol Panel {
  /// Rows this panel wants at `width`: everything it has to say.
  func height(width: Int) -> Int
  /// Rows below which it says too little to be drawn; what it wants, unless it can shrink.
  func minimumHeight(width: Int) -> Int
  /// Draws into the whole of `grid`'s drawing area (see `Grid.render(_:in:)`), whatever its
  /// height.
  func draw(into grid: inout Grid)
}

extension Panel {
  func minimumHeight(width: Int) -> Int { height(width: width) }
}

/// Panels one above the other across the full width: each gets its minimum, then what it
/// wants in the stack's order, and the one that grows takes the rows left.
struct PanelStack: Panel {
  struct Item {
    var panel: any Panel
    var grows = false
  }

  var items: [Item]

  init(_ items: [Item]) {
    self.items = items
  }

  func height(width: Int) -> Int { items.reduce(0) { $0 + $1.panel.height(width: width) } }
  func minimumHeight(width: Int) -> Int { items.reduce(0) { $0 + $1.panel.minimumHeight(width: width) } }

  /// The rows each item gets out of `total`: minimums first (from the top while they last),
  /// then each item's wish in order, then the rest to the first that grows.
  static func heights(minimum: [Int], wanted: [Int], grows: [Bool], total: Int) -> [Int] {
    var heights = [Int]()
    var left = max(0, total)
    for wish in minimum {
      heights.append(min(left, max(0, wish)))
      left -= heights.last!
    }
    for index in heights.indices where left > 0 {
      let more = min(left, max(0, wanted[index] - heights[index]))
      heights[index] += more
      left -= more
    }
    if left > 0, let grower = grows.firstIndex(of: true) { heights[grower] += left }
    return heights
  }

  func draw(into grid: inout Grid) {
    let width = grid.width
    let heights = Self.heights(
      minimum: items.map { $0.panel.minimumHeight(width: width) }, wanted: items.map { $0.panel.height(width: width) },
      grows: items.map(\.grows), total: grid.height)
    var top = 0
    for (item, rows) in zip(items, heights) {
      grid.render(item.panel, in: Area(y: top, width: width, height: rows))
      top += rows
    }
  }
}

/// A panel under its title rule: `─ probe ───`.
struct Section: Panel {
  var title: String
  var detail = ""
  var glyphs: Glyphs
  var body: any Panel

  func height(width: Int) -> Int { 1 + body.height(width: width) }
  func minimumHeight(width: Int) -> Int { 1 + body.minimumHeight(width: width) }

  func draw(into grid: inout Grid) {
    SectionRule(title: title, detail: detail).draw(into: &grid, row: 0, glyphs: glyphs)
    grid.render(body, in: Area(y: 1, width: grid.width, height: grid.height - 1))
  }
}

/// One line of text, such as the line that answers the last key.
struct TextLine: Panel {
  var text: String
  var style: CellStyle = .plain

  func height(width: Int) -> Int { 1 }

  func draw(into grid: inout Grid) {
    grid.put(text, x: 0, y: 0, style: style)
  }
}

/// A reversed row across the screen: the title bar, or a restart waiting for a person.
///
/// What gives way on a narrow screen: first `title`, then the end of `subject`; `detail`
/// and `right` stay.
struct TitleBar: Panel {
  var title = " websocket-health-check  "
  var subject: String
  var detail = ""
  var right = ""
  var style = CellStyle(tone: .plain, bold: true, reverse: true)
  var glyphs: Glyphs

  func height(width: Int) -> Int { 1 }

  func draw(into grid: inout Grid) {
    grid.fill(" ", x: 0, y: 0, count: grid.width, style: style)
    var title = self.title
    var subject = self.subject
    let fixed = detail.count + (right.isEmpty ? 0 : right.count + 1)
    if title.count + subject.count + fixed > grid.width { title = " " }
    let room = grid.width - title.count - fixed
    if subject.count > room {
      subject = String(subject.prefix(max(0, room - 1))) + (glyphs == .unicode ? "…" : "~")
    }
    let x = grid.put(title + subject + detail, x: 0, y: 0, style: style)
    if !right.isEmpty { grid.put(right + " ", x: max(x, grid.width - right.count - 1), y: 0, style: style) }
  }
}
