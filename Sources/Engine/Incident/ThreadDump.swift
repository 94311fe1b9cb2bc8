/// A HotSpot thread dump (what a JVM prints to its standard output on SIGQUIT) read back as
/// values: each Java thread's name, state and frames, and a summary a person reads first —
/// thread states, and the threads of one pool stuck at the same frame grouped:
/// `10 of 10 threads of pool-2 WAITING at io.openems.….OnMessageHandler.run`.
public struct ThreadDump: Sendable, Equatable {
  public struct Thread: Sendable, Equatable {
    public var name: String
    /// `RUNNABLE`, `BLOCKED`, `WAITING`, `TIMED_WAITING`…; empty for the VM's own threads.
    public var state: String
    /// `at` lines, innermost first, without the `at ` and the source in parentheses.
    public var frames: [String]
  }

  public var threads: [Thread]
  /// `Found one Java-level deadlock` was in the dump.
  public var deadlock: Bool

  /// The dump in `lines` (the JVM's output, as the journal kept it), from its last `Full thread
  /// dump` line on; `nil` when there is none.
  public init?(lines: [String]) {
    guard let start = lines.lastIndex(where: { $0.hasPrefix("Full thread dump") }) else { return nil }
    var threads: [Thread] = []
    var deadlock = false
    for line in lines[start...] {
      if line.hasPrefix("\"") {
        // `"pool-2-thread-1" #15 prio=5 …`: the name is between the first two quotes.
        let name = line.dropFirst().prefix { $0 != "\"" }
        threads.append(Thread(name: String(name), state: "", frames: []))
        continue
      }
      if line.hasPrefix("Found one Java-level deadlock") || line.hasPrefix("Found ") && line.contains("deadlock") {
        deadlock = true
      }
      guard !threads.isEmpty else { continue }
      let text = line.drop { $0 == " " || $0 == "\t" }
      if text.hasPrefix("java.lang.Thread.State: ") {
        let state = text.dropFirst("java.lang.Thread.State: ".count).prefix { $0 != " " }
        threads[threads.count - 1].state = String(state)
      } else if text.hasPrefix("at ") {
        let frame = text.dropFirst(3).prefix { $0 != "(" }
        threads[threads.count - 1].frames.append(String(frame))
      } else if text.hasPrefix("JNI global refs") {
        break
      }
    }
    self.threads = threads
    self.deadlock = deadlock
  }

  /// Java threads only: the VM's own (GC, compiler) have no state line.
  public var javaThreads: [Thread] { threads.filter { !$0.state.isEmpty } }

  /// `pool-2` of `pool-2-thread-7`, `qtp1-12` → `qtp1`, `Worker-3` → `Worker`: the name
  /// without its trailing number, so a pool's threads group.
  public static func pool(of name: String) -> String {
    var base = Substring(name)
    while let last = base.last, last.isNumber { base = base.dropLast() }
    if base.count < name.count, base.hasSuffix("-thread-") { return String(base.dropLast("-thread-".count)) }
    while let last = base.last, last == "-" || last == "#" || last == " " { base = base.dropLast() }
    return base.isEmpty ? name : String(base)
  }

  /// The frame that says where a thread waits: the innermost one outside the JDK (the
  /// application's own code), else the innermost.
  public static func telling(_ frames: [String]) -> String? {
    let platform = ["java.", "javax.", "jdk.", "sun.", "com.sun."]
    return frames.first { frame in !platform.contains { frame.hasPrefix($0) } } ?? frames.first
  }

  /// What a person reads first, a line each: the threads by state; a deadlock; then every
  /// group of two or more threads of one pool, blocked or waiting at the same frame, largest
  /// first.
  public var summary: [String] {
    let java = javaThreads
    guard !java.isEmpty else { return ["thread dump: no Java threads in it"] }
    var states: [String: Int] = [:]
    for thread in java { states[thread.state, default: 0] += 1 }
    let order = ["RUNNABLE", "BLOCKED", "WAITING", "TIMED_WAITING"]
    let named =
      order.compactMap { state in states[state].map { "\($0) \(state)" } }
      + states.keys.filter { !order.contains($0) }.sorted().map { "\(states[$0]!) \($0)" }
    var lines = ["\(java.count) Java threads: " + named.joined(separator: ", ")]
    if deadlock { lines.append("the JVM found a Java-level deadlock (see the dump below)") }
    var poolSize: [String: Int] = [:]
    for thread in java { poolSize[Self.pool(of: thread.name), default: 0] += 1 }
    struct Group: Hashable {
      var pool: String
      var state: String
      var frame: String
    }
    var groups: [Group: Int] = [:]
    var firstSeen: [Group] = []
    for thread in java where ["BLOCKED", "WAITING", "TIMED_WAITING"].contains(thread.state) {
      guard let frame = Self.telling(thread.frames) else { continue }
      let group = Group(pool: Self.pool(of: thread.name), state: thread.state, frame: frame)
      if groups[group] == nil { firstSeen.append(group) }
      groups[group, default: 0] += 1
    }
    let stuck = firstSeen.filter { groups[$0]! >= 2 }.sorted { groups[$0]! > groups[$1]! }
    for group in stuck {
      let count = groups[group]!
      lines.append(
        "\(count) of \(poolSize[group.pool]!) threads of \(group.pool) \(group.state) at \(group.frame)")
    }
    return lines
  }
}
