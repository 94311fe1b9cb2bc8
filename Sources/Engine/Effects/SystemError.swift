#if canImport(Glibc)
  import Glibc
#endif

/// The C library's words for an `errno`, e.g. "Permission denied".
func errnoText(_ code: Int32 = errno) -> String {
  String(cString: strerror(code))
}

/// The effective user: whose files we trust and whose directories we create.
var effectiveUserID: uid_t { geteuid() }

/// Splits `a/b/c` into (`a/b`, `c`); a bare name lives in `.`.
func splitPath(_ path: String) -> (directory: String, name: String) {
  guard let slash = path.lastIndex(of: "/") else { return (".", path) }
  let directory = String(path[..<slash])
  return (directory.isEmpty ? "/" : directory, String(path[path.index(after: slash)...]))
}

/// `mkdir -p` for the parents of our own files, each new directory made with `mode`.
/// - Returns: an error text, or `nil` when the directory exists now.
func makeDirectories(_ path: String, mode: mode_t) -> String? {
  var info = stat()
  if stat(path, &info) == 0 {
    return (info.st_mode & S_IFMT) == S_IFDIR ? nil : "\(path) exists but is not a directory"
  }
  guard errno == ENOENT else { return "cannot use \(path): \(errnoText())" }
  let (parent, _) = splitPath(path)
  if parent != path, let error = makeDirectories(parent, mode: mode) { return error }
  if mkdir(path, mode) != 0 && errno != EEXIST {
    return "cannot create directory \(path): \(errnoText())"
  }
  return nil
}

/// Writes all of `bytes`, going on after short writes and signals.
func writeAll(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
  var offset = 0
  while offset < bytes.count {
    let written = bytes.withUnsafeBytes { buffer in
      write(fd, buffer.baseAddress! + offset, buffer.count - offset)
    }
    if written < 0 {
      if errno == EINTR { continue }
      return false
    }
    offset += written
  }
  return true
}
