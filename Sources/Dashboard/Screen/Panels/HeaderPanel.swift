import Engine

/// The top row: what is watched, the service's PID and state, the restart mode.
struct HeaderPanel {
  let model: DashboardModel
  let glyphs: Glyphs

  func draw(into grid: inout Grid, row: Int) {
    let style = CellStyle(tone: .plain, bold: true, reverse: true)
    grid.fill(" ", x: 0, y: row, count: grid.width, style: style)
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
    let fixed = "  \(glyphs.arrow) \(target.unit)   \(service)   \(right) "
    // What gives way on a narrow screen: first the title, then the URI's end.
    var title = " websocket-health-check  "
    var uri = target.uri
    if title.count + uri.count + fixed.count > grid.width { title = " " }
    let room = grid.width - title.count - fixed.count
    if uri.count > room { uri = String(uri.prefix(max(0, room - 1))) + (glyphs == .unicode ? "…" : "~") }
    var x = grid.put(title + uri, x: 0, y: row, style: style)
    x = grid.put("  \(glyphs.arrow) \(target.unit)   ", x: x, y: row, style: style)
    grid.put(service, x: x, y: row, style: style)
    grid.put(right + " ", x: max(x, grid.width - right.count - 1), y: row, style: style)
  }
}
