import Prometheus

/// The rendering of a snapshot, apart from the rest so that the parsers' fuzzing build can
/// leave swift-prometheus out.
extension MetricsSnapshot {
  /// The text exposition format, version 0.0.4, written by swift-prometheus's registry.
  public var text: String {
    let registry = PrometheusCollectorRegistry()
    let labels = [("target", target), ("unit", unit)]
    /// `websocket_probe_success` as the library spells it: a name and its last part, the unit.
    func descriptor(_ name: String, _ help: String) -> MetricNameDescriptor {
      let split = name.lastIndex(of: "_")!
      return MetricNameDescriptor(
        metricName: String(name[..<split]), unitName: String(name[name.index(after: split)...]), helpText: help)
    }
    func gauge(_ name: String, _ help: String, _ value: Double, _ extra: [(String, String)] = []) {
      registry.makeGauge(descriptor: descriptor(name, help), labels: labels + extra).set(value)
    }
    gauge("websocket_probe_success", "Whether the last probe succeeded (1) or failed (0).", probe.isHealthy ? 1 : 0)
    for entry in probe.timings.entries {
      gauge(
        "websocket_probe_duration_seconds", "How long each phase of the last probe took.", entry.duration.inSeconds,
        [("phase", entry.phase.rawValue)])
    }
    gauge(
      "websocket_failcount", "Failed checks in a row for the current MainPID; -1 while disarmed.", Double(failcount))
    gauge("websocket_threshold", "Failed checks in a row that trigger a restart.", Double(threshold))
    gauge("websocket_armed", "Whether failures are counted (1) or not yet (0).", armed ? 1 : 0)
    for (result, count) in [("done", restartsDone), ("failed", restartsFailed)] {
      registry.makeCounter(
        descriptor: descriptor("websocket_restarts_total", "Restarts carried out, by result, since the state began."),
        labels: labels + [("result", result)]
      ).increment(by: Int64(count))
    }
    registry.makeCounter(
      descriptor: descriptor(
        "websocket_incident_reports_total", "Incident reports written before restarts, since the state began."),
      labels: labels
    ).increment(by: Int64(incidentReports))
    gauge("websocket_restart_pending", "Whether a restart awaits a person's approval.", restartPending ? 1 : 0)
    gauge(
      "websocket_restart_budget_exhausted", "Whether the restart budget holds restarts back.", budgetExhausted ? 1 : 0)
    gauge("websocket_last_check_timestamp_seconds", "When the last check ran, in Unix seconds.", checkedAtUnixSeconds)
    if let timer {
      // Whether anything will run the next check: the alert rules compare the last check's
      // age with the interval, and warn about a timer that a reboot would not start.
      gauge(
        "websocket_timer_active", "Whether the timer that runs the checks is running (1) or stopped (0).",
        timer.activeState == "active" || timer.activeState == "activating" ? 1 : 0)
      gauge("websocket_timer_enabled", "Whether that timer starts at boot (1) or not (0).", timer.isEnabled ? 1 : 0)
      gauge(
        "websocket_check_interval_seconds", "How often the timer runs a check.",
        (timer.interval ?? TimerProblem.defaultInterval).inSeconds)
      if let next = timer.nextRun {
        gauge(
          "websocket_timer_next_run_timestamp_seconds", "When the timer runs the next check, in Unix seconds.",
          (checkedAtUnixSeconds + next).rounded())
      }
    }
    var buffer: [UInt8] = []
    registry.emit(into: &buffer)
    return String(decoding: buffer, as: UTF8.self)
  }
}
