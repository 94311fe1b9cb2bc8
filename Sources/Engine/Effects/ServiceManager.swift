/// What systemd says about the watched unit.
public struct ServiceStatus: Sendable, Equatable {
  /// 0 when the unit has no running main process.
  public var mainPID: Int
  /// `active`, `inactive`, `failed`, `activating`…
  public var activeState: String

  public init(mainPID: Int, activeState: String) {
    self.mainPID = mainPID
    self.activeState = activeState
  }
}

/// A failure to talk to systemd. Our error, never the WebSocket's: it never restarts anything.
public struct ServiceManagerError: Error, Sendable, Equatable, CustomStringConvertible {
  public let message: String
  public var description: String { message }
  public init(_ message: String) { self.message = message }
}

/// Asks about the watched service and restarts it. `Systemctl` in production; tests may
/// put a stand-in `systemctl` on `PATH` instead, so the real code path runs.
public protocol ServiceManager: Sendable {
  func status(of unit: UnitName) throws(ServiceManagerError) -> ServiceStatus
  func restart(_ unit: UnitName) throws(ServiceManagerError)
  /// The exact command a restart runs, shown to an operator before confirming.
  func restartCommand(for unit: UnitName) -> String
  /// Every unit's status and every timer's state (a default asks units one by one, no timers).
  func overview(units: [UnitName], timers: [UnitName]) throws(ServiceManagerError) -> ServiceOverview
}

extension ServiceManager {
  /// One question per unit, and no timers; `Systemctl` asks about all of them at once.
  public func overview(units: [UnitName], timers: [UnitName]) throws(ServiceManagerError) -> ServiceOverview {
    var overview = ServiceOverview()
    for unit in units { overview.statuses[unit.description] = try status(of: unit) }
    return overview
  }
}

/// Every watched unit's status and every timer's state, from one question to systemd.
public struct ServiceOverview: Sendable, Equatable {
  /// By unit name as given.
  public var statuses: [String: ServiceStatus] = [:]
  /// By timer name as given.
  public var timers: [String: TimerStatus] = [:]

  public init() {}

  /// Seconds until each timer fires, where it will.
  public func nextRun(of timer: UnitName) -> Int? {
    timers[timer.description]?.nextRun.map { Int($0.rounded(.up)) }
  }

  /// Reads `systemctl show --timestamp=unix` of several units: one block of `Key=value` lines
  /// each, separated by a blank line, in the order the units were named. `monotonicNow` and
  /// `unixNow` read the timers' next runs (see `TimerStatus`).
  public init(showOutput text: String, units: [UnitName], timers: [UnitName], monotonicNow: Double, unixNow: Double) {
    let blocks = UnitProperties.blocks(in: text)
    for (index, unit) in units.enumerated() where index < blocks.count {
      let block = blocks[index]
      guard block[.loadState] != "not-found", let pid = block[.mainPID].flatMap({ Int($0) }) else { continue }
      statuses[unit.description] = ServiceStatus(mainPID: pid, activeState: block[.activeState] ?? "unknown")
    }
    for (index, timer) in timers.enumerated() where units.count + index < blocks.count {
      self.timers[timer.description] = TimerStatus(
        properties: blocks[units.count + index], monotonicNow: monotonicNow, unixNow: unixNow)
    }
  }
}

/// One unit's block of `systemctl show`: the properties a dashboard asks for, each as given.
public struct UnitProperties: Sendable, Equatable {
  public enum Property: Int, CaseIterable, Sendable {
    case mainPID, loadState, activeState, unitFileState, nextElapseRealtime, nextElapseMonotonic, timersMonotonic

    /// As systemd names it.
    public var name: String {
      switch self {
      case .mainPID: "MainPID"
      case .loadState: "LoadState"
      case .activeState: "ActiveState"
      case .unitFileState: "UnitFileState"
      case .nextElapseRealtime: "NextElapseUSecRealtime"
      case .nextElapseMonotonic: "NextElapseUSecMonotonic"
      case .timersMonotonic: "TimersMonotonic"
      }
    }

    private static let names = allCases.map { Array($0.name.utf8) }

    /// The property a line's key names; nil for any other.
    init?(named key: some Collection<UInt8>) {
      guard let index = Self.names.firstIndex(where: { $0.elementsEqual(key) }) else { return nil }
      self.init(rawValue: index)
    }
  }

  private var values = [String?](repeating: nil, count: Property.allCases.count)

  public init(_ values: [Property: String] = [:]) {
    for (property, value) in values { self.values[property.rawValue] = value }
  }

  public subscript(property: Property) -> String? { values[property.rawValue] }

  /// A property given again (a timer with several triggers has a `TimersMonotonic=` line for
  /// each) keeps every value, one per line.
  mutating func add(_ value: String, to property: Property) {
    values[property.rawValue] = values[property.rawValue].map { $0 + "\n" + value } ?? value
  }

  /// The blocks of `systemctl show`'s output, one per unit, a blank line between; each second
  /// blank line of a run starts another block, as splitting at every "\n\n" would. Read as
  /// bytes: splitting into Characters and hashing Substring keys made this a tenth of the CPU
  /// of a dashboard watching a hundred units.
  static func blocks(in text: String) -> [UnitProperties] {
    var text = text
    return text.withUTF8(blocks(in:))
  }

  private static func blocks(in bytes: UnsafeBufferPointer<UInt8>) -> [UnitProperties] {
    var blocks = [UnitProperties()]
    var blankRun = 0
    var lineStart = 0
    while true {
      let lineEnd = bytes[lineStart...].firstIndex(of: UInt8(ascii: "\n")) ?? bytes.count
      if lineStart == lineEnd {
        blankRun += 1
        if blankRun % 2 == 1 { blocks.append(UnitProperties()) }
      } else {
        blankRun = 0
        if let equals = bytes[lineStart..<lineEnd].firstIndex(of: UInt8(ascii: "=")),
          let property = Property(named: bytes[lineStart..<equals])
        {
          blocks[blocks.count - 1].add(String(decoding: bytes[(equals + 1)..<lineEnd], as: UTF8.self), to: property)
        }
      }
      guard lineEnd < bytes.count else { return blocks }
      lineStart = lineEnd + 1
    }
  }
}

/// `systemctl`, found on `PATH`, called with an argument vector and a deadline.
public struct Systemctl: ServiceManager {
  /// For `show`: systemd answers in milliseconds unless it is wedged itself.
  public var queryTimeout: Duration
  /// For `restart`, which waits for the unit to stop and start again.
  public var restartTimeout: Duration

  public init(queryTimeout: Duration = .seconds(5), restartTimeout: Duration = .seconds(90)) {
    self.queryTimeout = queryTimeout
    self.restartTimeout = restartTimeout
  }

  public func status(of unit: UnitName) throws(ServiceManagerError) -> ServiceStatus {
    let arguments = [
      "systemctl", "show", "--property=MainPID", "--property=LoadState", "--property=ActiveState", "--",
      unit.description,
    ]
    let output = try run(arguments, timeout: queryTimeout, doing: "read the MainPID of \(unit)")
    // One unit, one block.
    let properties = UnitProperties.blocks(in: output.standardOutput)[0]
    guard let pidText = properties[.mainPID], let pid = Int(pidText), pid >= 0 else {
      throw ServiceManagerError(
        "systemctl show \(unit) gave no MainPID (output: \(Self.oneLine(output.standardOutput))); is systemd running?")
    }
    if properties[.loadState] == "not-found" {
      throw ServiceManagerError(
        "systemd knows no unit \(unit); check the name with: systemctl list-units --all '\(unit)*'")
    }
    return ServiceStatus(mainPID: pid, activeState: properties[.activeState] ?? "unknown")
  }

  public func restart(_ unit: UnitName) throws(ServiceManagerError) {
    _ = try run(["systemctl", "restart", "--", unit.description], timeout: restartTimeout, doing: "restart \(unit)")
  }

  public func restartCommand(for unit: UnitName) -> String {
    "systemctl restart -- \(unit)"
  }

  /// All units and timers in one `systemctl show`, so a dashboard watching a box runs one
  /// process per refresh, not one per unit.
  public func overview(units: [UnitName], timers: [UnitName]) throws(ServiceManagerError) -> ServiceOverview {
    guard !units.isEmpty || !timers.isEmpty else { return ServiceOverview() }
    let arguments =
      [
        "systemctl", "show", "--timestamp=unix", "--property=MainPID", "--property=LoadState",
        "--property=ActiveState", "--property=UnitFileState", "--property=NextElapseUSecRealtime",
        "--property=NextElapseUSecMonotonic", "--property=TimersMonotonic", "--",
      ] + (units + timers).map(\.description)
    let output = try run(
      arguments, timeout: queryTimeout, doing: "read the state of \(units.count + timers.count) units and timers")
    return ServiceOverview(
      showOutput: output.standardOutput, units: units, timers: timers, monotonicNow: TimerStatus.monotonicNow(),
      unixNow: LocalTimestamp.now().preciseSeconds)
  }

  private func run(_ arguments: [String], timeout: Duration, doing what: String) throws(ServiceManagerError)
    -> ExternalCommand.Output
  {
    let output: ExternalCommand.Output
    do throws(ExternalCommand.LaunchError) {
      output = try ExternalCommand(arguments: arguments, timeout: timeout).run()
    } catch {
      switch error {
      case .notFound:
        throw ServiceManagerError("cannot \(what): systemctl not found on PATH; this tool needs systemd")
      case .failed(let reason):
        throw ServiceManagerError("cannot \(what): \(reason)")
      }
    }
    if output.timedOut {
      throw ServiceManagerError(
        "cannot \(what): systemctl did not answer within \(DurationText.seconds(timeout)); systemd may still be working on it, see: systemctl status \(arguments.last!)"
      )
    }
    guard output.status == 0 else {
      let why = Self.oneLine(output.standardError)
      throw ServiceManagerError(
        "cannot \(what): `\(arguments.joined(separator: " "))` \(output.status.map { "exited with \($0)" } ?? "was killed")\(why.isEmpty ? "" : ": \(why)")"
      )
    }
    return output
  }

  /// systemctl's message on one line, for the one-line-per-event console.
  static func oneLine(_ text: String) -> String {
    text.split(whereSeparator: \.isNewline).map { $0.trimmingSpaces }.joined(separator: " / ")
  }
}
