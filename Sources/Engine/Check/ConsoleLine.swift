/// One line of what a check says, as the reference prints it: `[Info] WebSocket healthy`.
///
/// Under systemd these lines are the journal, so each event is exactly one line.
public struct ConsoleLine: Sendable, Equatable, CustomStringConvertible {
  public enum Kind: String, Sendable {
    case info = "Info"
    case warning = "Warning"
    case error = "Error"
    case watchdog = "Watchdog"
  }

  public var kind: Kind
  public var text: String
  /// A person should act on it (a restart awaits approval, a request was withdrawn): the
  /// journal gets it at warning priority, so `journalctl -p warning` shows it.
  public var urgent: Bool

  public init(_ kind: Kind, _ text: String, urgent: Bool = false) {
    self.kind = kind
    self.text = text
    self.urgent = urgent
  }

  public var description: String { "[\(kind.rawValue)] \(text)" }
}

/// How a command ended, as its exit status. `--help` and the man page list them from
/// `meaning`, so the numbers and their words live here only.
public enum CheckExitStatus: Int32, Sendable, CaseIterable {
  /// The check ran: healthy, counted, not armed, restarted, or dry run.
  case completed = 0
  /// Our own error (configuration, state or log file, systemctl unreachable, a probe this box
  /// could not make): nothing was counted or restarted. The same code as the reference's.
  case ourError = 1
  /// The command line itself was wrong (unknown option, missing argument), as Python's argparse.
  case usage = 2
  /// The threshold was reached but `systemctl restart` failed or did not finish in time.
  case restartFailed = 3
  /// `approve` or `reject` found no pending restart request.
  case nothingToDecide = 4
  /// `status`: a target is failing, has never been checked, or waits for approval.
  case needsAttention = 5
  /// The restart was carried out, but its trigger-log line could not be written.
  case triggerLogFailed = 6
}

extension CheckExitStatus {
  /// What the code means, for `--help` and the man page's EXIT STATUS.
  public var meaning: String {
    switch self {
    case .completed: "the check ran: healthy, counted, not armed yet, restarted, dry run"
    case .ourError: "our own or this box's error (arguments, files, systemctl): nothing counted"
    case .usage: "the command line itself is wrong (unknown option, missing value)"
    case .restartFailed: "the threshold was reached but `systemctl restart` failed or timed out"
    case .nothingToDecide: "approve or reject found no pending restart request"
    case .needsAttention: "status: a target failing, unchecked, awaiting approval or not watched"
    case .triggerLogFailed: "the unit was restarted, but the trigger log could not be written"
    }
  }

  /// `  0  the check ran…`, one line a code: each meaning fits 80 columns after its code,
  /// or the help's wrap would start its second line at the margin.
  public static var table: String {
    allCases.map { "  \($0.rawValue)  \($0.meaning)" }.joined(separator: "\n")
  }
}
