extension Substring {
  /// Without leading and trailing white space, as Python's `strip()`, which the reference's
  /// files and systemctl's output are read with.
  var trimmingSpaces: Substring {
    let start = firstIndex { !$0.isWhitespace } ?? endIndex
    let end = lastIndex { !$0.isWhitespace }.map(index(after:)) ?? start
    return self[start..<Swift.max(start, end)]
  }
}
