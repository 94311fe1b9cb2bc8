/// Durations as an operator reads them: milliseconds for latencies, seconds for timeouts.
public enum DurationText {
  /// `2.4 ms`; `12 ms` at ten and above, `1234 ms` above a second.
  public static func milliseconds(_ duration: Duration) -> String {
    let ms = duration.inMilliseconds
    if ms < 10 { return "\(fixed(ms, decimals: 1)) ms" }
    return "\(Int(ms.rounded())) ms"
  }

  /// `10 s`, `0.5 s`, `2.25 s`: no trailing zeros.
  public static func seconds(_ duration: Duration) -> String {
    var text = fixed(duration.inMilliseconds / 1000, decimals: 2)
    while text.hasSuffix("0") { text.removeLast() }
    if text.hasSuffix(".") { text.removeLast() }
    return "\(text) s"
  }

  /// Fixed-point text without Foundation's `String(format:)`.
  public static func fixed(_ value: Double, decimals: Int) -> String {
    var scale = 1.0
    for _ in 0..<decimals { scale *= 10 }
    let scaled = (abs(value) * scale).rounded()
    guard scaled < 1e15 else { return value < 0 ? "-inf" : "inf" }
    let whole = Int(scaled) / Int(scale)
    let fraction = Int(scaled) % Int(scale)
    let sign = value < 0 && scaled > 0 ? "-" : ""
    guard decimals > 0 else { return "\(sign)\(whole)" }
    var fractionText = String(fraction)
    while fractionText.count < decimals { fractionText = "0" + fractionText }
    return "\(sign)\(whole).\(fractionText)"
  }
}

extension Duration {
  /// This duration in milliseconds, as a `Double`.
  public var inMilliseconds: Double {
    let (seconds, attoseconds) = components
    return Double(seconds) * 1000 + Double(attoseconds) / 1e15
  }
}
