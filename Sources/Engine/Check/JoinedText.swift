extension Sequence<String> {
  /// The elements with `separator` between them, as `joined(separator:)` gives. Written out
  /// because the standard library's looks `[String]` up in the runtime's conformance records
  /// the first time a process calls it: a scan of all 4,900 records, which every check paid on
  /// the way to its one line of output.
  func joined(between separator: String) -> String {
    var text = ""
    var first = true
    for element in self {
      if !first { text += separator }
      text += element
      first = false
    }
    return text
  }
}
