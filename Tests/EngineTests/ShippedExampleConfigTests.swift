import Foundation
import Testing

@testable import Engine

/// The example.conf the package installs, as an administrator uses it: copied, `uri` and
/// `unit` set, then a commented setting uncommented (one depth at a time).
@Suite struct ShippedExampleConfigTests {
  static let shipped: String = {
    let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
      .deletingLastPathComponent()
    return (try? String(contentsOf: repository.appendingPathComponent("systemd/example.conf"), encoding: .utf8)) ?? ""
  }()

  /// The commented settings that go together; `mode` is what the group needs beside them.
  static let groups: [(keys: [String], mode: String?)] = [
    (["approval-timeout", "approval-fallback"], "approve"), (["notify-command"], nil),
    (["max-restarts", "within"], nil), (["rearm-after"], nil), (["ca-file"], nil), (["openems-kind"], nil),
    (["ping"], nil), (["send", "expect"], nil), (["header-file"], nil), (["header"], nil),
    (["subprotocol"], nil), (["origin"], nil), (["metrics-file"], nil),
  ]

  /// `# key = value` lines whose key is a setting: what a person uncomments.
  static var commentedKeys: [String] {
    let known = Set(TargetSetting.all.map(\.name))
    return shipped.split(separator: "\n").compactMap { line -> String? in
      guard line.hasPrefix("# "), let equals = line.firstIndex(of: "=") else { return nil }
      let key = line.dropFirst(2)[..<equals].trimmingCharacters(in: .whitespaces)
      return known.contains(key) ? key : nil
    }
  }

  static func uncommenting(_ keys: [String], mode: String?) -> String {
    shipped.split(separator: "\n", omittingEmptySubsequences: false).map { line -> String in
      for key in keys where line.hasPrefix("# \(key) =") { return String(line.dropFirst(2)) }
      if let mode, line.hasPrefix("mode =") { return "mode = \(mode)" }
      return String(line)
    }.joined(separator: "\n")
  }

  @Test func parsesAsShipped() throws {
    #expect(!Self.shipped.isEmpty, "systemd/example.conf not found beside the tests")
    let draft = try TargetDraft(parsing: Self.shipped, path: "example.conf")
    #expect(draft[.uri] == "ws://localhost:8085/websocket")
    #expect(draft[.unit] == "openems.service")
    #expect(draft[.threshold] == 6)
    #expect(draft[.mode] == .auto)
    // Nothing commented out leaked in as a setting.
    #expect(
      draft[.expect] == nil && draft[.send] == nil && draft[.openems] == nil && draft[.openemsKind] == nil
        && (draft[.header] ?? []).isEmpty)
  }

  @Test func everyCommentedSettingIsCoveredBelow() {
    let covered = Set(Self.groups.flatMap(\.keys))
    #expect(!Self.commentedKeys.isEmpty)
    for key in Self.commentedKeys { #expect(covered.contains(key), "example.conf's '# \(key) = …' is not tested") }
  }

  @Test(arguments: Self.groups.indices)
  func eachCommentedSettingWorksUncommented(group: Int) throws {
    let (keys, mode) = Self.groups[group]
    let text = Self.uncommenting(keys, mode: mode)
    var draft = try TargetDraft(parsing: text, path: "edge.conf")
    for key in keys {
      #expect(text.contains("\n\(key) ="), "example.conf has no '# \(key) = …' line")
    }
    draft[.stateFile] = "/tmp/whc-example-tests/failcount"
    draft[.logFile] = "/tmp/whc-example-tests/trigger.log"
    do {
      let resolved = try draft.resolved()
      switch keys[0] {
      case "openems-kind": #expect(resolved.probeOptions.depth == .openEMS(.edge, assumed: false))
      case "ping": #expect(resolved.probeOptions.depth == .ping)
      case "send":
        #expect(resolved.probeOptions.depth == .message(text: #"{"status":"?"}"#, expect: try ReplyPattern("ok")))
      case "max-restarts": #expect(resolved.settings.policy.budget?.maximum == 3)
      case "approval-timeout": #expect(resolved.settings.policy.approvalTimeout == .seconds(1800))
      case "header": #expect(resolved.probeOptions.headers.map(\.name) == ["X-Probe"])
      default: break
      }
    } catch {
      // A setting that names a file of this box is read when resolved; its absence here is
      // said with its path, which proves the value got through.
      let paths = ["/etc/websocket-health-check/backend.headers"]
      #expect(paths.contains { error.message.contains($0) }, "\(keys): \(error.message)")
    }
  }

  @Test(arguments: [
    #"# expect = "ok""#, #"#expect="ok""#, "# expect = 'ok'", #"  # send = {"status":"?"}"#,
    #"# header = "X-Probe: a # b""#,
  ])
  func aCommentedOutSettingWithQuotesStaysAComment(line: String) throws {
    let draft = try TargetDraft(parsing: "unit = a.service\n\(line)\n", path: "edge.conf")
    #expect(draft[.unit] == "a.service")
    #expect(draft[.expect] == nil && draft[.send] == nil && (draft[.header] ?? []).isEmpty)
  }
}
