import Engine

/// A restart waiting for a person's yes, in one reversed row that no view or overlay hides.
struct ApprovalBanner {
  let pending: PendingRestart
  let readonly: Bool

  func draw(into grid: inout Grid, row: Int) {
    let style = CellStyle(tone: .warning, bold: true, reverse: true)
    grid.fill(" ", x: 0, y: row, count: grid.width, style: style)
    let action = readonly ? "approve with the approve command" : "A to approve or reject"
    // The reason is not squeezed in here: A shows it whole, as does the trigger log's newest line.
    let text =
      " RESTART AWAITING APPROVAL since \(pending.wallTime.dropFirst(11).prefix(8)), fail count \(pending.count): "
      + action
    grid.put(text, x: 0, y: row, style: style, limit: grid.width)
  }
}
