/// How a cell looks, in words a terminal without colour can still show.
///
/// The meaning comes first (`ok`, `failing`…); the screen decides whether that is a colour,
/// bold or reverse video, so nothing is ever told by colour alone.
struct CellStyle: Hashable, Sendable {
  enum Tone: UInt8, Sendable {
    case plain, dim, ok, warning, failing, accent
  }

  var tone: Tone = .plain
  var bold = false
  var reverse = false

  static let plain = CellStyle()
  static let title = CellStyle(tone: .accent, bold: true)
  static let dim = CellStyle(tone: .dim)
  static let ok = CellStyle(tone: .ok)
  static let warning = CellStyle(tone: .warning, bold: true)
  static let failing = CellStyle(tone: .failing, bold: true)
}

/// One character cell, as plain data: a frame of a hundred rows is 8,000 of them, made,
/// compared with the last frame's and sent every second, and bits are copied and compared
/// without a call (a `Character` is a string: retained, released, compared as text).
///
/// A character is kept as its scalars: nearly always one; a letter and one combining mark (an
/// accent as a server may write it) as both. Of a character of more scalars (an emoji
/// sequence, already wider than its one column) the first two are kept.
struct Cell: Hashable, Sendable {
  private(set) var scalar: Unicode.Scalar
  /// The scalar after `scalar` (a combining mark, nearly always), or 0.
  private(set) var mark: UInt32
  var style: CellStyle

  init(character: Character = " ", style: CellStyle = .plain) {
    var scalars = character.unicodeScalars.makeIterator()
    scalar = scalars.next() ?? " "
    mark = scalars.next()?.value ?? 0
    self.style = style
  }

  /// An ASCII byte's cell, without making a `Character` of it.
  init(ascii: UInt8, style: CellStyle) {
    scalar = Unicode.Scalar(ascii)
    mark = 0
    self.style = style
  }

  var character: Character {
    guard mark != 0, let mark = Unicode.Scalar(mark) else { return Character(scalar) }
    var text = String(scalar)
    text.unicodeScalars.append(mark)
    return Character(text)
  }
}

/// A rectangle of a frame, in the frame's columns and rows.
struct Area: Equatable, Sendable {
  var x = 0
  var y = 0
  var width: Int
  var height: Int

  /// The rows `top..<top+rows` of this area, clipped to it.
  func rows(_ top: Int, _ rows: Int) -> Area {
    let top = min(max(0, top), height)
    return Area(x: x, y: y + top, width: width, height: max(0, min(rows, height - top)))
  }
}

/// A frame in memory: panels draw here; a backend flushes it to curses or to text for tests.
///
/// A panel draws into one rectangle of it, as ratatui's widgets render into an area of a
/// buffer: while it does, `width` and `height` are the rectangle's, column and row 0 its
/// corner, and nothing outside it can be written.
///
/// Every character is one column: the panels only use ASCII, box drawing and braille,
/// all single-width.
struct Grid: Equatable, Sendable {
  /// The whole frame's size.
  private let columns: Int
  private let lines: Int
  private(set) var cells: [Cell]
  /// The rectangle being drawn into, in the frame's coordinates: the whole frame at rest.
  private var area: Area

  init(width: Int, height: Int) {
    columns = max(0, width)
    lines = max(0, height)
    cells = Array(repeating: Cell(), count: columns * lines)
    area = Area(width: columns, height: lines)
  }

  /// The drawing area's size: the frame's, or the panel's rectangle while one draws.
  var width: Int { area.width }
  var height: Int { area.height }

  subscript(x: Int, y: Int) -> Cell {
    get { cells[(area.y + y) * columns + area.x + x] }
    set {
      guard x >= 0, x < area.width, y >= 0, y < area.height else { return }
      cells[(area.y + y) * columns + area.x + x] = newValue
    }
  }

  /// Lets `panel` draw into `rectangle` (in this drawing area's coordinates), and nowhere else.
  mutating func render(_ panel: some Panel, in rectangle: Area) {
    let saved = area
    let left = min(max(0, rectangle.x), saved.width)
    let top = min(max(0, rectangle.y), saved.height)
    area = Area(
      x: saved.x + left, y: saved.y + top, width: max(0, min(rectangle.width, saved.width - left)),
      height: max(0, min(rectangle.height, saved.height - top)))
    if area.width > 0 && area.height > 0 { panel.draw(into: &self) }
    area = saved
  }

  /// Writes `text` from column `x` of row `y`, clipped to `limit` columns (to the right edge
  /// by default). Returns the column after the last one written.
  @discardableResult
  mutating func put(_ text: String, x: Int, y: Int, style: CellStyle = .plain, limit: Int? = nil) -> Int {
    guard y >= 0, y < height else { return x }
    let end = min(width, x + (limit ?? width))
    var column = x
    // ASCII (the panels' own words, numbers, names) a byte to a cell, without splitting the
    // text into characters; from the first other byte on (a carriage return, which a line
    // feed would join, counts as other) character by character, starting again at the byte
    // before it, which a combining mark may belong to.
    let bytes = text.utf8
    var index = bytes.startIndex
    while index < bytes.endIndex {
      let byte = bytes[index]
      guard byte < 0x80, byte != 13 else {
        if index > bytes.startIndex {
          index = bytes.index(before: index)
          column -= 1
        }
        for character in text[index...] {
          guard column < end else { break }
          if column >= 0 { self[column, y] = Cell(character: character, style: style) }
          column += 1
        }
        return column
      }
      // Past the end only now: the byte after the last cell may still have been a mark of it.
      guard column < end else { break }
      if column >= 0 { self[column, y] = Cell(ascii: byte, style: style) }
      column += 1
      index = bytes.index(after: index)
    }
    return column
  }

  /// Fills columns `x..<x+count` of row `y` with `character`.
  mutating func fill(_ character: Character, x: Int, y: Int, count: Int, style: CellStyle = .plain) {
    guard y >= 0, y < height else { return }
    for column in max(0, x)..<max(max(0, x), min(width, x + count)) {
      self[column, y] = Cell(character: character, style: style)
    }
  }

  /// The whole frame as text, one line per row, trailing spaces kept: what snapshot tests
  /// compare.
  var text: String {
    (0..<lines).map { row in String(cells[row * columns..<(row + 1) * columns].map(\.character)) }
      .joined(separator: "\n")
  }

  /// A stretch of one row, in one style, that a redraw must send.
  struct Change: Equatable {
    var row: Int
    var column: Int
    var cells: ArraySlice<Cell>
    var style: CellStyle
  }

  /// Where this frame differs from `previous`, as runs of cells of one style: the cells that
  /// stayed are not sent again (a hundred targets' rows change every frame, but mostly in
  /// their latency and graph). Everything, when there is no previous frame of this size.
  func changes(since previous: Grid?) -> [Change] {
    let old = previous.flatMap { $0.columns == columns && $0.lines == lines ? $0.cells : nil }
    var changes: [Change] = []
    for row in 0..<lines {
      let rowStart = row * columns
      var column = 0
      while column < columns {
        let index = rowStart + column
        if let old, old[index] == cells[index] {
          column += 1
          continue
        }
        let style = cells[index].style
        var end = index + 1
        while end < rowStart + columns, cells[end].style == style {
          if let old, old[end] == cells[end] { break }
          end += 1
        }
        changes.append(Change(row: row, column: column, cells: cells[index..<end], style: style))
        column += end - index
      }
    }
    return changes
  }
}
