import Engine
import Testing

@Suite struct TargetConfigFileTests {
  @Test func readsEveryKeyWithCommentsQuotesAndBlankLines() throws {
    let text = """
      # OpenEMS Edge UI API
      uri = ws://localhost:8085/websocket
      unit=openems.service   # the Java service

      threshold = 6
      mode = dry-run
      timeout = 2.5
      state-file = "/var/lib/websocket-health-check/edge.failcount"
      log-file = '/var/log/websocket-health-check/edge.log'
      ca-file = /etc/ssl/edge.pem
      """
    let file = try TargetConfigFile(parsing: text, path: "edge.conf")
    #expect(file.uri == "ws://localhost:8085/websocket")
    #expect(file.unit == "openems.service")
    #expect(file.threshold == 6)
    #expect(file.mode == .dryRun)
    #expect(file.timeout == 2.5)
    #expect(file.stateFile == "/var/lib/websocket-health-check/edge.failcount")
    #expect(file.logFile == "/var/log/websocket-health-check/edge.log")
    #expect(file.caFile == "/etc/ssl/edge.pem")
  }

  @Test(arguments: [
    ("uri = ws://x\ntreshold = 6", "edge.conf:2: unknown key 'treshold'; known keys: uri, unit"),
    ("threshold = six", "edge.conf:1: threshold 'six' is not a whole number"),
    ("mode = sometimes", "edge.conf:1: mode 'sometimes' is not one of: auto, dry-run"),
    ("timeout = soon", "edge.conf:1: timeout 'soon' is not a number of seconds"),
    ("\n\nuri ws://x", "edge.conf:3: expected 'key = value', got 'uri ws://x'"),
    ("unit = a\nunit = b", "edge.conf:2: key 'unit' is set twice"),
    ("unit =", "edge.conf:1: key 'unit' has no value"),
  ])
  func mistakesNameFileLineAndKey(text: String, message: String) {
    do {
      _ = try TargetConfigFile(parsing: text, path: "edge.conf")
      Issue.record("accepted: \(text)")
    } catch {
      #expect(error.message.hasPrefix(message), "\(error.message)")
    }
  }

  @Test func missingFileIsAClearError() {
    do {
      _ = try TargetConfigFile(contentsOf: "/nonexistent/edge.conf")
      Issue.record("accepted a missing file")
    } catch {
      #expect(error.message.contains("cannot read config file /nonexistent/edge.conf"))
    }
  }
}
