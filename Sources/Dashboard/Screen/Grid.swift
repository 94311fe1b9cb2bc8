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

/// One character cell.
struct Cell: Hashable, Sendable {
  var character: Character = " "
  var style: CellStyle = .plain
}

/// A frame in memory: panels draw here; a backend flushes it to curses or to text for tests.
///
/// Every character is one column: the panels only use ASCII, box drawing and braille,
/// all single-width.
struct Grid: Equatable, Sendable {
  let width: Int
  let height: Int
  private(set) var cells: [Cell]

  init(width: Int, height: Int) {
    self.width = max(0, width)
    self.height = max(0, height)
    cells = Array(repeating: Cell(), count: self.width * self.height)
  }

  subscript(x: Int, y: Int) -> Cell {
    get { cells[y * width + x] }
    set { cells[y * width + x] = newValue }
  }

  /// Writes `text` from column `x` of row `y`, clipped to `limit` columns (to the right edge
  /// by default). Returns the column after the last one written.
  @discardableResult
  mutating func put(_ text: String, x: Int, y: Int, style: CellStyle = .plain, limit: Int? = nil) -> Int {
    guard y >= 0, y < height else { return x }
    let end = min(width, x + (limit ?? width))
    var column = x
    for character in text {
      guard column < end else { break }
      if column >= 0 { self[column, y] = Cell(character: character, style: style) }
      column += 1
    }
    return column
  }

  /// Fills columns `x..<x+count` of row `y` with `character`.
  mutating func fill(_ character: Character, x: Int, y: Int, count: Int, style: CellStyle = .plain) {
    guard y >= 0, y < height else { return }
    for column in max(0, x)..<min(width, x + count) {
      self[column, y] = Cell(character: character, style: style)
    }
  }

  /// Copies `rows` of `other` (as wide as this grid) here, from row `y` down.
  mutating func paste(_ other: Grid, rows: Range<Int>, at y: Int) {
    for (offset, row) in rows.enumerated() where row < other.height && y + offset >= 0 && y + offset < height {
      for column in 0..<min(width, other.width) { self[column, y + offset] = other[column, row] }
    }
  }

  /// The frame as text, one line per row, trailing spaces kept: what snapshot tests compare.
  var text: String {
    (0..<height).map { row in String(cells[row * width..<(row + 1) * width].map(\.character)) }
      .joined(separator: "\n")
  }

  /// The rows where this frame differs from `previous`: what a redraw must send.
  func changedRows(since previous: Grid?) -> [Int] {
    guard let previous, previous.width == width, previous.height == height else { return Array(0..<height) }
    return (0..<height).filter { row in
      cells[row * width..<(row + 1) * width] != previous.cells[row * width..<(row + 1) * width]
    }
  }
}
