import Engine
import Testing

@testable import Dashboard

/// The box's list as frames and keys as tables: no terminal.
@Suite struct TargetListTests {
  func frame(_ box: BoxModel, _ width: Int, _ height: Int, _ glyphs: Glyphs = .unicode) -> Grid {
    TargetListView(box: box, glyphs: glyphs).render(width: width, height: height)
  }

  @Test func listAt80x24MarksFailingAndPendingWithoutColour() {
    let grid = frame(DashboardFixtures.box(), 80, 24)
    assertSnapshot(grid, named: "list-80x24-utf8")
    let lines = grid.text.split(separator: "\n").map(String.init)
    #expect(lines[0].contains("3 targets: 1 failing, 1 awaiting approval"))
    #expect(lines[1].contains("RESTART AWAITING APPROVAL: backend; select it and press A"))
    let backend = lines.first {
      $0.contains(" backend ") && $0.contains("AWAITING APPROVAL:") && !$0.contains("RESTART")
    }
    #expect(backend?.hasPrefix("!") == true, "a mark, not only a colour")
    #expect(lines.contains { $0.hasPrefix("▶ edge") })
    #expect(lines.last?.contains("? help") == true && lines.last?.contains("q quit") == true)
  }

  @Test func listAt160x50GivesTheGraphAndTheStatusRoom() {
    let grid = frame(DashboardFixtures.box(), 160, 50)
    assertSnapshot(grid, named: "list-160x50-utf8")
    #expect(grid.text.contains("AWAITING APPROVAL: no reply to the JSON-RPC request within 10 s"))
    #expect(grid.text.contains("⣀⣀⣀⣀⣤⣀⣀⣿⣀⣤⣀⣀⣤⣀××××××"), "the whole minute of probes")
  }

  @Test func allHealthyInASCII() {
    var box = DashboardFixtures.box()
    box.targets.remove(at: 0)
    box.selected = 0
    let grid = frame(box, 80, 24, .ascii)
    assertSnapshot(grid, named: "list-80x24-ascii-healthy")
    let ascii = grid.text.unicodeScalars.allSatisfy { $0.isASCII }
    #expect(ascii)
    #expect(grid.text.contains("2 targets: all ok"))
  }

  @Test func filteredByName() {
    var box = DashboardFixtures.box()
    box.filter = "ed"
    let grid = frame(box, 80, 24)
    assertSnapshot(grid, named: "list-80x24-filtered")
    #expect(!grid.text.contains(" ui "))
    #expect(grid.text.contains("filter: ed   (1 of 3; Esc clears it)"))
  }

  func press(_ keys: [DashboardKey], on box: inout BoxModel) -> [DashboardAction] {
    keys.compactMap { BoxInput.handle($0, box: &box, pageSize: 10)?.action }
  }

  @Test func arrowsAndJKSelectEnterOpensEscGoesBack() {
    var box = DashboardFixtures.box()
    #expect(box.showsList)
    _ = press([.up], on: &box)
    #expect(box.selected == 0)
    _ = press([.up, .character("j"), .character("j"), .down], on: &box)
    #expect(box.selected == 2, "stops at the last")
    _ = press([.character("k"), .enter], on: &box)
    #expect(!box.showsList && box.selected == 1)
    _ = press([.escape], on: &box)
    #expect(box.showsList)
  }

  @Test func slashFiltersByNameAndEscClearsIt() {
    var box = DashboardFixtures.box()
    _ = press([.character("/"), .character("u"), .character("i"), .enter], on: &box)
    #expect(box.filter == "ui" && !box.editingFilter)
    #expect(box.visible == [2])
    #expect(box.selected == 2, "the selection follows the filter")
    _ = press([.character("/"), .backspace, .backspace, .character("b"), .escape], on: &box)
    #expect(box.filter.isEmpty)
    _ = press([.character("/"), .character("q")], on: &box)
    #expect(box.filter == "q", "q is a letter while typing a filter, not quit")
  }

  @Test func theTargetsKeysActOnTheSelectedOne() {
    var box = DashboardFixtures.box()
    box.selected = 0
    let acted = BoxInput.handle(.character("p"), box: &box, pageSize: 10)
    #expect(acted?.action == .runCheck && acted?.target == 0)
    #expect(press([.character("A")], on: &box).isEmpty)
    #expect(!box.showsList, "A opens the selected target's confirmation in its view")
    #expect(press([.character("y")], on: &box) == [.approve])
  }

  @Test func escInsideATargetClosesItsOverlayFirst() {
    var box = DashboardFixtures.box()
    _ = press([.enter, .character("R")], on: &box)
    #expect(box.current.overlay != .none)
    _ = press([.escape], on: &box)
    #expect(!box.showsList && box.current.overlay == .none)
    _ = press([.escape], on: &box)
    #expect(box.showsList)
  }

  @Test func aSingleTargetHasNoListToGoBackTo() {
    var box = BoxModel(targets: [DashboardFixtures.healthy()])
    #expect(!box.showsList)
    _ = press([.escape], on: &box)
    #expect(!box.showsList)
  }
}
