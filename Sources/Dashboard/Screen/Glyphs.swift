/// The characters the screen draws with: Unicode where the terminal's locale is UTF-8, plain
/// ASCII elsewhere (a serial console, `LANG=C`, an old PuTTY).
struct Glyphs: Sendable, Equatable {
  var horizontal: Character
  var barFull: Character
  var barEmpty: Character
  var arrow: String
  var okMark: String
  var failMark: String
  /// Latency levels, lowest first; one column per probe.
  var levels: [Character]
  var failedProbe: Character

  static let unicode = Glyphs(
    horizontal: "─", barFull: "█", barEmpty: "░", arrow: "→", okMark: "✔", failMark: "✖",
    levels: ["⣀", "⣤", "⣶", "⣿"], failedProbe: "×")

  static let ascii = Glyphs(
    horizontal: "-", barFull: "#", barEmpty: ".", arrow: "->", okMark: "OK", failMark: "FAIL",
    levels: ["_", "-", "=", "#"], failedProbe: "X")
}
