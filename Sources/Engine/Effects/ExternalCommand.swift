#if canImport(Glibc)
  import Glibc
#endif

/// Runs a program with an argument vector (never through a shell) and a deadline.
///
/// The program is looked up on `PATH`, as the reference tool's `subprocess` does, so a
/// stand-in `systemctl` earlier on `PATH` is used by tests.
struct ExternalCommand: Sendable {
  let arguments: [String]
  let timeout: Duration
  /// `NAME=value` entries added to this process's environment for the program.
  var environment: [String] = []

  struct Output: Sendable {
    /// The exit status; `nil` when killed by a signal or by our deadline.
    var status: Int32?
    var standardOutput: String
    var standardError: String
    var timedOut: Bool
  }

  enum LaunchError: Error {
    case notFound
    case failed(String)
  }

  func run() throws(LaunchError) -> Output {
    var outputPipe: [Int32] = [-1, -1]
    var errorPipe: [Int32] = [-1, -1]
    guard pipe(&outputPipe) == 0, pipe(&errorPipe) == 0 else {
      throw .failed("cannot create a pipe: \(errnoText())")
    }
    // Our ends must not leak into the child, or it would never see end of file.
    for fd in outputPipe + errorPipe { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
    posix_spawn_file_actions_adddup2(&actions, outputPipe[1], 1)
    posix_spawn_file_actions_adddup2(&actions, errorPipe[1], 2)

    let argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
    defer { for pointer in argv { free(pointer) } }
    var pid: pid_t = 0
    // This process's environment, with `environment`'s entries replacing any of the same name.
    let owned: [UnsafeMutablePointer<CChar>?] = environment.map { strdup($0) }
    defer { for pointer in owned { free(pointer) } }
    // Names compared as bytes: a dashboard runs systemctl every two seconds, and decoding
    // every variable of the environment into Characters cost more than the spawn.
    let names = environment.map { Array($0.utf8.prefix { $0 != UInt8(ascii: "=") }) }
    var entries: [UnsafeMutablePointer<CChar>?] = []
    var cursor = environ
    while let variable = cursor.pointee {
      let nameLength = strcspn(variable, "=")
      let name = UnsafeRawBufferPointer(start: variable, count: nameLength)
      let replaced = names.contains { $0.elementsEqual(name) }
      if !replaced { entries.append(variable) }
      cursor += 1
    }
    entries += owned
    entries.append(nil)
    let spawnError = posix_spawnp(&pid, arguments[0], &actions, nil, argv, entries)
    close(outputPipe[1])
    close(errorPipe[1])
    guard spawnError == 0 else {
      close(outputPipe[0])
      close(errorPipe[0])
      if spawnError == ENOENT { throw .notFound }
      throw .failed("cannot start \(arguments[0]): \(errnoText(spawnError))")
    }

    // The boot clock, not ContinuousClock: that one is the concurrency library's, whose code
    // a check would map for these few readings.
    let deadline = Moment.now() + timeout
    var output: [UInt8] = []
    var errors: [UInt8] = []
    var open = [outputPipe[0], errorPipe[0]]
    var timedOut = false
    var chunk = [UInt8](repeating: 0, count: 4096)
    while !open.isEmpty {
      let left = deadline - Moment.now()
      if left <= .zero {
        timedOut = true
        break
      }
      var fds = open.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
      let waitMilliseconds = Int32(min(left.inMilliseconds.rounded(.up), 60_000))
      let ready = poll(&fds, nfds_t(fds.count), waitMilliseconds)
      if ready < 0 && errno != EINTR { break }
      for entry in fds where entry.revents != 0 {
        let count = chunk.withUnsafeMutableBytes { read(entry.fd, $0.baseAddress, $0.count) }
        if count > 0 {
          if entry.fd == outputPipe[0] {
            output += chunk[..<count]
          } else {
            errors += chunk[..<count]
          }
        } else if count == 0 || (errno != EINTR && errno != EAGAIN) {
          open.removeAll { $0 == entry.fd }
        }
      }
    }
    close(outputPipe[0])
    close(errorPipe[0])
    if timedOut { kill(pid, SIGKILL) }
    var status: Int32 = 0
    while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
    let exited = (status & 0x7f) == 0
    return Output(
      status: exited && !timedOut ? (status >> 8) & 0xff : nil,
      standardOutput: String(decoding: output, as: UTF8.self),
      standardError: String(decoding: errors, as: UTF8.self),
      timedOut: timedOut)
  }
}
