import Engine

/// Reads the timer's own command line, `URI SERVICE [--option value]…` or `--config FILE`,
/// without swift-argument-parser.
///
/// The timer runs this form every 15 s on small boxes. Setting up swift-argument-parser
/// costs about 4 MB of memory and a few ms per run (measured: `bench/`), more than the probe,
/// so this fast path reads exactly that grammar, with the options of `TargetSetting.all`, and
/// nothing else. Anything it does not recognise (help, a subcommand, an unknown or repeated
/// option, a missing or malformed value) returns `nil`, and swift-argument-parser reads the
/// command line and writes the message. Tests hold both parsers to the same answers.
enum ReferenceCommandLine {
  static func parse(_ arguments: [String]) -> TargetDraft? {
    var positionals: [String] = []
    var given: [(setting: TargetSetting, text: String)] = []
    var configFile: String?
    var index = 0
    while index < arguments.count {
      let argument = arguments[index]
      index += 1
      guard argument.hasPrefix("-") else {
        positionals.append(argument)
        continue
      }
      var name = argument
      var value: String?
      if let equals = argument.firstIndex(of: "=") {
        name = String(argument[..<equals])
        value = String(argument[argument.index(after: equals)...])
      }
      let setting = options[name]
      guard setting != nil || name == "--config" else { return nil }
      if let setting, setting.kind != .list, given.contains(where: { $0.setting.name == setting.name }) { return nil }
      if setting?.kind == .flag {
        guard value == nil else { return nil }
        given.append((setting!, "true"))
        continue
      }
      if value == nil {
        // A negative number is a value, as argparse reads `--threshold -1`.
        guard index < arguments.count, !arguments[index].hasPrefix("-") || Double(arguments[index]) != nil
        else { return nil }
        value = arguments[index]
        index += 1
      }
      if let setting {
        given.append((setting, value!))
      } else {
        guard configFile == nil else { return nil }
        configFile = value
      }
    }
    // The URI has its `://`: a first word without one is a subcommand (`migrate foo`) or a
    // target's name (`status edge`), swift-argument-parser's to read.
    guard positionals.count == 2 || (positionals.isEmpty && configFile != nil),
      positionals.first.map(WebSocketURI.hasSchemeSeparator) ?? true
    else { return nil }
    var draft = TargetDraft()
    draft[.uri] = positionals.first
    draft[.unit] = positionals.last
    draft.configFile = configFile
    for (setting, text) in given {
      // A value the setting refuses (`--threshold three`) is ArgumentParser's to report.
      guard (try? setting.apply(text, to: &draft, source: setting.option)) != nil else { return nil }
    }
    return draft
  }

  private static let options: [String: TargetSetting] = Dictionary(
    uniqueKeysWithValues: TargetSetting.all.filter { $0.places.contains(.commandLine) }.map { ($0.option, $0) })

}
