/// How a cell style reaches the terminal: with colours where the terminal has them and
/// `NO_COLOR` is unset, else with bold and reverse video, so a failure always stands out.
struct Appearance: Equatable, Sendable {
  /// Colour pairs the screen sets up: 1 green, 2 yellow, 3 red, 4 cyan, on the default background.
  enum Pair: Int16, Sendable {
    case green = 1
    case yellow, red, cyan
  }

  var bold = false
  var reverse = false
  var dim = false
  var pair: Pair?

  init(bold: Bool = false, reverse: Bool = false, dim: Bool = false, pair: Pair? = nil) {
    self.bold = bold
    self.reverse = reverse
    self.dim = dim
    self.pair = pair
  }

  init(_ style: CellStyle, colour: Bool) {
    self.init(bold: style.bold, reverse: style.reverse)
    switch style.tone {
    case .plain: break
    case .dim: dim = true
    case .ok: if colour { pair = .green }
    case .warning:
      if colour { pair = .yellow } else { bold = true }
    case .failing:
      bold = true
      if colour { pair = .red } else { reverse = true }
    case .accent:
      if colour { pair = .cyan } else { bold = true }
    }
  }
}
