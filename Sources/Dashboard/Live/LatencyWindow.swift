import Engine

/// The recent probes the dashboard graphs: each with its time, latency and outcome.
struct LatencyWindow: Sendable, Equatable {
  struct Sample: Sendable, Equatable {
    /// Seconds on a monotonic clock, for ageing samples out.
    var time: Double
    var result: ProbeResult
    /// Total latency in milliseconds.
    var milliseconds: Double { result.timings.total.inMilliseconds }
  }

  /// How far back the window reaches.
  let span: Double
  private(set) var samples: [Sample] = []

  init(span: Double = 60) {
    self.span = span
  }

  mutating func add(_ result: ProbeResult, at time: Double) {
    samples.append(Sample(time: time, result: result))
    samples.removeAll { $0.time < time - span }
  }

  /// Latency figures over the healthy probes in the window.
  struct Statistics: Sendable, Equatable {
    var minimum: Double
    var median: Double
    var p95: Double
    var maximum: Double
  }

  var statistics: Statistics? {
    let values = samples.filter(\.result.isHealthy).map(\.milliseconds).sorted()
    guard !values.isEmpty else { return nil }
    return Statistics(
      minimum: values.first!, median: Self.percentile(values, 0.5), p95: Self.percentile(values, 0.95),
      maximum: values.last!)
  }

  var failures: Int { samples.count { !$0.result.isHealthy } }

  /// Nearest-rank percentile of sorted values.
  static func percentile(_ sorted: [Double], _ fraction: Double) -> Double {
    let rank = Int((fraction * Double(sorted.count)).rounded(.up))
    return sorted[min(sorted.count, max(1, rank)) - 1]
  }
}
