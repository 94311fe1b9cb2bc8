/// Reads the reference tool's own command line, `URI SERVICE [--option value]…`, without
/// swift-argument-parser.
///
/// The timer runs this form every 15 s on small boxes. Setting up swift-argument-parser
/// costs about 4 MB of memory and a few ms per run (measured: `bench/`), more than the probe,
/// so this fast path reads exactly that grammar and nothing else. Anything it does not
/// recognise (help, a subcommand, an unknown or repeated option, a missing or malformed
/// value) returns `nil`, and swift-argument-parser reads the command line and writes the
/// message. Tests hold both parsers to the same answers.
enum ReferenceCommandLine {
  static func parse(_ arguments: [String]) -> TargetArguments? {
    var positionals: [String] = []
    var values: [String: String] = [:]
    var dryRun = false
    var index = 0
    while index < arguments.count {
      let argument = arguments[index]
      index += 1
      guard argument.hasPrefix("-") else {
        positionals.append(argument)
        continue
      }
      if argument == "--dry-run" {
        guard !dryRun else { return nil }
        dryRun = true
        continue
      }
      var name = argument
      var value: String?
      if let equals = argument.firstIndex(of: "=") {
        name = String(argument[..<equals])
        value = String(argument[argument.index(after: equals)...])
      }
      guard valueOptions.contains(name), values[name] == nil else { return nil }
      if value == nil {
        // A negative number is a value, as argparse reads `--threshold -1`.
        guard index < arguments.count, !arguments[index].hasPrefix("-") || Double(arguments[index]) != nil
        else { return nil }
        value = arguments[index]
        index += 1
      }
      values[name] = value
    }
    let configFile = values["--config"]
    guard positionals.count == 2 || (positionals.isEmpty && configFile != nil),
      !subcommands.contains(positionals.first ?? "")
    else { return nil }
    var result = TargetArguments(uri: positionals.first, service: positionals.last, dryRun: dryRun)
    result.configFile = configFile
    if let path = values["--state-file"] { result.stateFile = path }
    if let path = values["--log-file"] { result.logFile = path }
    if let path = values["--ca-file"] { result.caFile = path }
    if let text = values["--threshold"] {
      guard let threshold = Int(text) else { return nil }
      result.threshold = threshold
    }
    if let text = values["--timeout"] {
      guard let timeout = Double(text) else { return nil }
      result.timeout = timeout
    }
    return result
  }

  private static let valueOptions: Set<String> = [
    "--state-file", "--threshold", "--log-file", "--timeout", "--ca-file", "--config",
  ]

  /// Words that name a subcommand in the first place; swift-argument-parser handles those.
  private static let subcommands: Set<String> = ["check", "demo", "dashboard", "help"]
}
