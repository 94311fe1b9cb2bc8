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
