/// A mistake in what the operator asked for: a bad URI, threshold, unit name, or path.
///
/// It is never the WebSocket's fault, so it never counts as a failure and never restarts
/// anything. The message is one line that says what was wrong and what to do.
public struct ConfigurationError: Error, Sendable, Equatable, CustomStringConvertible {
  public let message: String

  public init(_ message: String) {
    self.message = message
  }

  public var description: String { message }
}
