import Engine

/// How text fits a width without lying: wrapped on whole words, or fields shown whole or not
/// at all. Pure, so the tables in tests say exactly what a screen will show.
enum TextLayout {
  /// `text` in lines of at most `width` columns, broken at spaces; a word longer than a whole
  /// line is split, since it could not be shown otherwise. Spaces at a break are dropped.
  static func wrap(_ text: String, width: Int) -> [String] {
    guard width > 0 else { return [] }
    var lines: [String] = []
    var line = ""
    // Counted as they grow: counting a string's characters walks all of it.
    var lineCount = 0
    for word in text.split(separator: " ", omittingEmptySubsequences: true) {
      var word = Substring(word)
      var wordCount = word.count
      if lineCount > 0, lineCount + 1 + wordCount <= width {
        line += " "
        line += word
        lineCount += 1 + wordCount
        continue
      }
      if lineCount > 0 {
        lines.append(line)
      }
      while wordCount > width {
        lines.append(String(word.prefix(width)))
        word = word.dropFirst(width)
        wordCount -= width
      }
      line = String(word)
      lineCount = wordCount
    }
    if !line.isEmpty || lines.isEmpty { lines.append(line) }
    return lines
  }

  /// The fields that fit in `width` columns, `separator` between them, each whole: the least
  /// important (the highest `rank`) go first, and the rest keep their order. A number is
  /// never cut from its unit, nor a value from its label.
  static func fields(_ fields: [(text: String, rank: Int)], width: Int, separator: String = "  ") -> String {
    Self.fields(left: fields, right: [], width: width, gap: 0, separator: separator).left
  }

  /// As `fields`, for a line with fields on the left and on the right (and at least `gap`
  /// columns between): the least important of either side go first.
  static func fields(
    left: [(text: String, rank: Int)], right: [(text: String, rank: Int)], width: Int, gap: Int = 3,
    separator: String = "  "
  ) -> (left: String, right: String) {
    var kept = left.map { (field: $0, isLeft: true) } + right.map { (field: $0, isLeft: false) }
    func joined(_ isLeft: Bool) -> String {
      kept.filter { $0.isLeft == isLeft }.map(\.field.text).joined(separator: separator)
    }
    while joined(true).count + gap + joined(false).count > width, let worst = kept.map(\.field.rank).max(),
      let drop = kept.lastIndex(where: { $0.field.rank == worst })
    {
      kept.remove(at: drop)
    }
    return (joined(true), joined(false))
  }

  /// `2.4 ms`, `12 ms`, `1.53 s`, `10 s`: a latency whole with its unit, for a screen.
  static func latency(milliseconds: Double) -> String {
    milliseconds >= 1000
      ? DurationText.seconds(.milliseconds(Int64(milliseconds.rounded())))
      : DurationText.milliseconds(.microseconds(Int64((milliseconds * 1000).rounded())))
  }
}
