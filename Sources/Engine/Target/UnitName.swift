/// The systemd unit the watchdog restarts, e.g. `openems.service`.
///
/// Validated with systemd's own rules (`unit_name_is_valid`): at most 255 characters of
/// `[A-Za-z0-9:_.\-@]` and `\`. A name without a suffix is passed on as it is; `systemctl`
/// then reads it as `NAME.service`, as the reference tool relies on. A leading `-` is refused
/// so that a unit name can never be read by `systemctl` as an option.
public struct UnitName: Sendable, Equatable, CustomStringConvertible {
  public let description: String

  public init(validating text: String) throws(ConfigurationError) {
    guard !text.isEmpty else {
      throw ConfigurationError("the unit name is empty: name the service to restart, e.g. openems.service")
    }
    guard text.utf8.count <= 255 else {
      throw ConfigurationError("unit name '\(text.prefix(40))…' is longer than systemd's 255 characters")
    }
    guard text.first != "-" else {
      throw ConfigurationError("unit name '\(text)' starts with '-'; systemd unit names never do")
    }
    let allowed: (Character) -> Bool = {
      $0.isASCII && ($0.isLetter || $0.isNumber || ":_.-@\\".contains($0))
    }
    if let bad = text.first(where: { !allowed($0) }) {
      throw ConfigurationError(
        "unit name '\(text)' contains '\(bad)', which systemd does not allow; use the name `systemctl list-units` shows"
      )
    }
    if text.hasSuffix("@.service") || text.hasSuffix("@") {
      throw ConfigurationError(
        "'\(text)' is a template; name one instance of it, e.g. \(text.replacing("@", with: "@NAME"))")
    }
    description = text
  }
}
