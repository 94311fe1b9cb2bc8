#if canImport(Glibc)
  import Glibc
#endif

/// Who is at the keyboard, for the trigger log: the user behind sudo, else the login name.
enum WhoAsked {
  static func name() -> String {
    if let user = getenv("SUDO_USER") { return String(cString: user) }
    if let login = getlogin() { return String(cString: login) }
    if let entry = getpwuid(geteuid()) { return String(cString: entry.pointee.pw_name) }
    return "uid \(geteuid())"
  }
}
