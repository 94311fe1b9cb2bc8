import Testing

@testable import Dashboard

/// What a redraw sends: only the cells that differ from the last frame, in runs of one style.
@Suite struct GridChangesTests {
  static let red = CellStyle(tone: .failing, bold: false)

  /// A 6x2 frame: "ab  xy" over "cd  zw"; `edit` changes it before it is compared.
  static func frame(_ edit: (inout Grid) -> Void = { _ in }) -> Grid {
    var grid = Grid(width: 6, height: 2)
    grid.put("ab  xy", x: 0, y: 0)
    grid.put("cd  zw", x: 0, y: 1)
    edit(&grid)
    return grid
  }

  /// Each change as "row,column:text".
  static func described(_ changes: [Grid.Change]) -> [String] {
    changes.map { "\($0.row),\($0.column):\(String($0.cells.map(\.character)))" }
  }

  @Test(arguments: [
    ("the same frame", frame(), [String]()),
    ("one cell", frame { $0.put("Q", x: 2, y: 0) }, ["0,2:Q"]),
    ("a stretch", frame { $0.put("QRS", x: 1, y: 1) }, ["1,1:QRS"]),
    (
      "two stretches of one row",
      frame {
        $0.put("Q", x: 0, y: 0)
        $0.put("R", x: 5, y: 0)
      }, ["0,0:Q", "0,5:R"]
    ),
    (
      "a style change splits a stretch",
      frame {
        $0.put("Q", x: 1, y: 0)
        $0.put("R", x: 2, y: 0, style: red)
      }, ["0,1:Q", "0,2:R"]
    ),
    ("the same text in another style", frame { $0.put("xy", x: 4, y: 1, style: red) }, ["1,4:xy"]),
  ])
  func onlyWhatChangedIsSent(name: String, next: Grid, sent: [String]) {
    #expect(Self.described(next.changes(since: Self.frame())) == sent, "\(name)")
  }

  @Test func everythingWhenThereIsNoLastFrameOfThisSize() {
    let next = Self.frame { $0.put("z", x: 0, y: 1, style: Self.red) }
    #expect(Self.described(next.changes(since: nil)) == ["0,0:ab  xy", "1,0:z", "1,1:d  zw"])
    #expect(Self.described(next.changes(since: Grid(width: 5, height: 2))) == Self.described(next.changes(since: nil)))
  }
}

/// Text into cells: one character a column, whatever bytes it is made of.
@Suite struct GridTextTests {
  static func row(_ text: String, x: Int = 0, width: Int = 8, limit: Int? = nil) -> (String, Int) {
    var grid = Grid(width: width, height: 1)
    let next = grid.put(text, x: x, y: 0, limit: limit)
    return (grid.text, next)
  }

  @Test(
    arguments: [
      ("ASCII", "ok 12ms", 0, 8, nil, "ok 12ms ", 7),
      ("cut at the edge", "0123456789", 0, 8, nil, "01234567", 8),
      ("cut at a limit", "0123456789", 1, 8, 3, " 012    ", 4),
      ("from left of the edge", "abcdef", -2, 8, nil, "cdef    ", 4),
      ("braille and ASCII", "⣿⣀ 5 ms", 0, 8, nil, "⣿⣀ 5 ms ", 7),
      ("an accent as one scalar", "café ok", 0, 8, nil, "café ok ", 7),
      // "e" and U+0301: one character, one column, both kept.
      ("an accent as a mark after ASCII", "cafe\u{301} ok", 0, 8, nil, "cafe\u{301} ok ", 7),
      ("a mark cut at a limit", "xe\u{301}yz", 0, 8, 2, "xe\u{301}      ", 2),
      ("a mark first", "\u{301}ab", 0, 8, nil, "\u{301}ab     ", 3),
      ("left of the edge, then an accent", "abe\u{301}c", -2, 8, nil, "e\u{301}c      ", 2),
      ("a carriage return and line feed", "a\r\nb", 0, 8, nil, "a\r\nb     ", 3),
    ] as [(String, String, Int, Int, Int?, String, Int)])
  func eachCharacterTakesOneColumn(
    name: String, text: String, x: Int, width: Int, limit: Int?, shown: String, next: Int
  ) {
    let (row, column) = Self.row(text, x: x, width: width, limit: limit)
    #expect(row == shown, "\(name)")
    #expect(column == next, "\(name)")
  }

  @Test func aCellIsPlainData() {
    // Copied and compared as bits: eight thousand a frame.
    #expect(_isPOD(Cell.self))
    #expect(Cell(character: "e\u{301}") != Cell(character: "e"))
    #expect(Cell(character: "e\u{301}").character == "e\u{301}")
    #expect(Cell(ascii: 0x41, style: .ok) == Cell(character: "A", style: .ok))
  }

  @Test func ofACharacterOfManyScalarsTheFirstTwoAreKept() {
    // A woman, a zero-width joiner, a laptop: one character, wider than a column already.
    let cell = Cell(character: "👩\u{200D}💻")
    #expect(cell.character.unicodeScalars.map(\.value) == [0x1F469, 0x200D])
  }
}
