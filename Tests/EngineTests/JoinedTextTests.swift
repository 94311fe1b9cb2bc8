import Testing

@testable import Engine

@Suite struct JoinedTextTests {
  // Written out by hand for the check's sake; it must say exactly what the library's does.
  @Test(arguments: [[], [""], ["a"], ["a", "b"], ["", ""], ["a", "", "c"], ["é", "日本", "x y"]])
  func joinsAsTheStandardLibraryDoes(parts: [String]) {
    for separator in ["", ", ", "\t", "\n"] {
      #expect(parts.joined(between: separator) == parts.joined(separator: separator))
    }
  }

  // Cleaned by hand for the same reason: tabs and line breaks become spaces, 500 characters kept.
  @Test(arguments: [
    ("", ""), ("plain", "plain"), ("a\tb\nc\r\nd", "a b c d"), ("x\u{2028}y", "x y"),
    (String(repeating: "é", count: 600), String(repeating: "é", count: 500)),
  ])
  func cleansAReasonForOneLine(text: String, expected: String) {
    #expect(RestartRecord.clean(text) == expected)
  }
}
