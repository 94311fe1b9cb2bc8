/// The Python reference's `websocket-health-check.service`, as `migrate` reads it: the
/// arguments of its `ExecStart=` (with systemd's quoting and line continuations) and its
/// `WorkingDirectory=`. Pure: text in, values out.
public struct ReferenceUnit: Equatable, Sendable {
  /// The program `ExecStart=` runs (the reference's script, or a wrapper around it).
  public var program: String
  public var uri: String
  public var unit: String
  public var threshold: Int?
  public var stateFile: String?
  /// As written: relative paths are relative to `workingDirectory`.
  public var logFile: String?
  public var dryRun = false
  public var workingDirectory: String?

  /// The log file as the reference opened it: relative to the unit's working directory, which
  /// systemd makes `/` when the unit names none.
  public var logFilePath: String {
    let file = logFile ?? TargetDraft.defaultLogFile
    guard !file.hasPrefix("/") else { return file }
    let base = workingDirectory ?? "/"
    let relative = file.hasPrefix("./") ? String(file.dropFirst(2)) : file
    return base.hasSuffix("/") ? base + relative : base + "/" + relative
  }

  public init(parsing text: String, path: String) throws(ConfigurationError) {
    var section = ""
    var execStarts: [String] = []
    var workingDirectory: String?
    for line in Self.logicalLines(text) {
      if line.hasPrefix("[") {
        section = line
        continue
      }
      guard section == "[Service]", let equals = line.firstIndex(of: "=") else { continue }
      let key = line[..<equals].trimmingSpaces
      let value = String(line[line.index(after: equals)...].trimmingSpaces)
      if key == "ExecStart", !value.isEmpty { execStarts.append(value) }
      if key == "ExecStart", value.isEmpty { execStarts = [] }  // an empty assignment resets the list
      if key == "WorkingDirectory" { workingDirectory = value.hasPrefix("-") ? String(value.dropFirst()) : value }
    }
    guard let execStart = execStarts.first else {
      throw ConfigurationError("\(path) has no ExecStart= in its [Service] section; is it the reference's unit?")
    }
    guard execStarts.count == 1 else {
      throw ConfigurationError(
        "\(path) has \(execStarts.count) ExecStart= lines; say which is the health check by giving a unit file with one"
      )
    }
    var words = try Self.words(of: execStart, path: path)
    // `@`: the second word is argv[0], a name, not an argument.
    if execStart.prefix(while: { "-@:+!".contains($0) }).contains("@"), words.count > 1 { words.remove(at: 1) }
    // `python3 script.py …`: the script is the program, its arguments follow it.
    let runsPython = words.first.map { $0.split(separator: "/").last?.hasPrefix("python") == true } ?? false
    let programIndex = runsPython ? 1 : 0
    guard programIndex < words.count else {
      throw ConfigurationError("\(path): ExecStart= names no program")
    }
    program = words[programIndex]
    self.workingDirectory = workingDirectory
    uri = ""
    unit = ""
    try readArguments(Array(words.dropFirst(programIndex + 1)), path: path)
  }

  /// The reference's command line, as Python's argparse reads it: options anywhere, values
  /// after a space or `=`, and any unambiguous prefix of an option's name.
  private mutating func readArguments(_ words: [String], path: String) throws(ConfigurationError) {
    let options = ["--state-file", "--threshold", "--log-file", "--dry-run"]
    var positionals: [String] = []
    var index = 0
    var optionsEnded = false
    while index < words.count {
      let word = words[index]
      index += 1
      guard !optionsEnded, word.hasPrefix("-"), word != "-" else {
        positionals.append(word)
        continue
      }
      if word == "--" {
        optionsEnded = true
        continue
      }
      let (name, inlineValue) =
        word.firstIndex(of: "=").map { (String(word[..<$0]), Optional(String(word[word.index(after: $0)...]))) }
        ?? (word, nil)
      let matches = options.filter { $0.hasPrefix(name) && name.count > 2 }
      guard matches.count == 1, let option = matches.first else {
        throw ConfigurationError(
          "\(path): ExecStart= passes '\(word)', which the reference's command line "
            + (matches.isEmpty ? "does not have" : "cannot tell apart (\(matches.joined(separator: ", ")))")
            + "; is this the reference's unit?")
      }
      if option == "--dry-run" {
        dryRun = true
        continue
      }
      let value: String
      if let inlineValue {
        value = inlineValue
      } else if index < words.count {
        value = words[index]
        index += 1
      } else {
        throw ConfigurationError("\(path): ExecStart= ends after \(option), which needs a value")
      }
      switch option {
      case "--threshold":
        guard let number = Int(value), number >= 1 else {
          throw ConfigurationError(
            "\(path): ExecStart= gives --threshold '\(value)', not a whole number of at least 1 (the reference would have refused it too)"
          )
        }
        threshold = number
      case "--state-file": stateFile = value
      default: logFile = value
      }
    }
    guard positionals.count == 2 else {
      throw ConfigurationError(
        "\(path): ExecStart= should give the reference a URI and a unit, but gives "
          + (positionals.isEmpty ? "neither" : "'\(positionals.joined(separator: " "))'"))
    }
    uri = positionals[0]
    unit = positionals[1]
  }

  /// Lines with comments dropped and backslash continuations joined, as systemd reads them.
  static func logicalLines(_ text: String) -> [String] {
    var lines: [String] = []
    var pending: String?
    for raw in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline) {
      let line = String(raw.trimmingSpaces)
      if pending == nil, line.hasPrefix("#") || line.hasPrefix(";") { continue }
      if pending != nil, line.hasPrefix("#") || line.hasPrefix(";") { continue }  // comments inside a continuation
      if line.hasSuffix("\\") {
        pending = (pending.map { $0 + " " } ?? "") + line.dropLast()
        continue
      }
      lines.append((pending.map { $0 + " " } ?? "") + line)
      pending = nil
    }
    if let pending { lines.append(pending) }
    return lines.filter { !$0.isEmpty }
  }

  /// `ExecStart=`'s words: systemd's prefixes dropped, quotes and escapes resolved. Variables
  /// and specifiers come from elsewhere (Environment=, the instance), so they are refused.
  static func words(of value: String, path: String) throws(ConfigurationError) -> [String] {
    var text = Substring(value)
    while let first = text.first, "-@:+!".contains(first) { text = text.dropFirst() }
    var words: [String] = []
    var word = ""
    var inWord = false
    var quote: Character?
    var characters = text.makeIterator()
    while let character = characters.next() {
      switch character {
      case "\\":
        guard let escaped = characters.next() else { break }
        let known: [Character: Character] = ["n": "\n", "t": "\t", "\\": "\\", "\"": "\"", "'": "'", " ": " "]
        word.append(known[escaped] ?? escaped)
        inWord = true
      case "\"" where quote == nil, "'" where quote == nil:
        quote = character
        inWord = true
      case let closing where closing == quote:
        quote = nil
      case " " where quote == nil, "\t" where quote == nil:
        if inWord { words.append(word) }
        word = ""
        inWord = false
      case "$":
        throw ConfigurationError(
          "\(path): ExecStart= uses a variable ($…), whose value comes from Environment=; write the value in and run migrate again"
        )
      case "%":
        guard let specifier = characters.next(), specifier == "%" else {
          throw ConfigurationError(
            "\(path): ExecStart= uses a systemd specifier (%…); write its value in and run migrate again")
        }
        word.append("%")
        inWord = true
      default:
        word.append(character)
        inWord = true
      }
    }
    if quote != nil { throw ConfigurationError("\(path): ExecStart= has a quote that is never closed") }
    if inWord { words.append(word) }
    return words
  }
}
