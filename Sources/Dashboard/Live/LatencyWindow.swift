import Engine

/// The recent probes the dashboard graphs: each with its time, latency and outcome.
struct LatencyWindow: Sendable, Equatable {
  struct Sample: Sendable, Equatable {
    /// Seconds on a monotonic clock, for ageing samples out.
    var time: Double
    var healthy: Bool
    /// Total latency in milliseconds.
    var milliseconds: Double
  }

  /// How far back the window reaches.
  let span: Double
  private(set) var samples: [Sample] = []

  init(span: Double = 60) {
    self.span = span
  }

  /// A probe this box kept from being made says nothing of the service: it is left out.
  mutating func add(_ result: ProbeResult, at time: Double) {
    guard result.failure?.isOnThisBox != true else { return }
    samples.append(Sample(time: time, healthy: result.isHealthy, milliseconds: result.timings.total.inMilliseconds))
    samples.removeAll { $0.time < time - span }
  }

  /// The timer's checks within the window before this screen's first probe, so the chart is
  /// not blank at open: `now` is the wall clock (Unix milliseconds) at `time` on the window's
  /// clock. Only into an empty window: after that the screen's own probes fill it.
  mutating func addPast(_ history: [CheckHistory.Entry], now: Int64, at time: Double) {
    guard samples.isEmpty else { return }
    for entry in history.reversed() {
      let age = Double(now - entry.unixMilliseconds) / 1000
      guard age <= span else { break }
      guard age >= 0 else { continue }
      samples.append(Sample(time: time - age, healthy: entry.healthy, milliseconds: entry.milliseconds))
    }
    samples.reverse()
  }

  /// Latency figures over the healthy probes in the window.
  struct Statistics: Sendable, Equatable {
    var minimum: Double
    var median: Double
    var p95: Double
    var maximum: Double
  }

  var statistics: Statistics? {
    let values = samples.filter(\.healthy).map(\.milliseconds).sorted()
    guard !values.isEmpty else { return nil }
    return Statistics(
      minimum: values.first!, median: Self.percentile(values, 0.5), p95: Self.percentile(values, 0.95),
      maximum: values.last!)
  }

  var failures: Int { samples.count { !$0.healthy } }

  /// Nearest-rank percentile of sorted values.
  static func percentile(_ sorted: [Double], _ fraction: Double) -> Double {
    let rank = Int((fraction * Double(sorted.count)).rounded(.up))
    return sorted[min(sorted.count, max(1, rank)) - 1]
  }
}
