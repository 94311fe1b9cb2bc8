import Engine

extension TitleBar {
  /// The top row of a target: what is watched, the service's PID and state, the restart mode.
  static func target(_ model: DashboardModel, glyphs: Glyphs) -> TitleBar {
    let target = model.target
    var service = ""
    if let status = model.service {
      service = "pid \(status.mainPID) \(status.activeState)"
    } else if model.serviceError != nil {
      service = "systemd: no answer"
    }
    var right = target.mode.rawValue
    if target.readonly { right += " read-only" }
    // How deep the probe looks, and for OpenEMS which endpoint it took the port for.
    if let depth = target.depth.label { right = depth + "  " + right }
    if target.isDemo { right = "DEMO (\(model.demoMode ?? "healthy")) " + right }
    // --insecure stays in sight for as long as it is in force, as the check warns every run.
    if target.certificateUnchecked { right = "TLS UNCHECKED " + right }
    return TitleBar(
      subject: target.uri, detail: "  \(glyphs.arrow) \(target.unit)   \(service)   ", right: right, glyphs: glyphs)
  }

  /// A restart waiting for a person's yes, in one reversed row that no overlay hides.
  static func approval(_ pending: PendingRestart, readonly: Bool, glyphs: Glyphs) -> TitleBar {
    let action = readonly ? "approve with the approve command" : "A to approve or reject"
    // The reason is not squeezed in here: A shows it whole, as does the trigger log's newest line.
    return .banner(
      "RESTART AWAITING APPROVAL since \(pending.wallTime.dropFirst(11).prefix(8)), fail count \(pending.count): "
        + action, glyphs: glyphs)
  }

  /// The box's version: which target waits, and how many more.
  static func approval(in box: BoxModel, glyphs: Glyphs) -> TitleBar? {
    guard let pending = box.targets.firstIndex(where: { $0.pendingRestart != nil }) else { return nil }
    let others = box.targets.count { $0.pendingRestart != nil } - 1
    let more = others > 0 ? " (and \(others) more)" : ""
    return .banner(
      "RESTART AWAITING APPROVAL: \(box.targets[pending].target.name)\(more); select it and press A", glyphs: glyphs)
  }

  private static func banner(_ text: String, glyphs: Glyphs) -> TitleBar {
    TitleBar(title: " ", subject: text, style: CellStyle(tone: .warning, bold: true, reverse: true), glyphs: glyphs)
  }
}
