import Foundation
import NIOPosix
import TestPeers
import Testing

@testable import Engine

/// A TLS failure names its cause and its fix: dates (and the clock), the host name, the issuer.
@Suite struct TLSFailureTests {
  let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
  let directory: URL

  init() throws {
    directory = FileManager.default.temporaryDirectory.appendingPathComponent("whc-tls-\(UUID())")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
  }

  func failure(
    validFrom: TimeInterval, until: TimeInterval, names: [String], ips: [String] = [], uri: (Int) -> String,
    trust: Bool = true
  ) throws -> String {
    defer { try? FileManager.default.removeItem(at: directory) }
    let now = Date()
    let tls = try WebSocketTestServer.certificate(
      in: directory, validFrom: now.addingTimeInterval(validFrom), until: now.addingTimeInterval(until),
      dnsNames: names, ipAddresses: ips)
    let server = try WebSocketTestServer(.healthy, tls: tls.context)
    defer { server.stop() }
    let options = ProbeOptions(timeout: .seconds(5), trustedCertificatesFile: trust ? tls.certificate : nil)
    let result = try Probe(uri: WebSocketURI(parsing: uri(server.port)), options: options, group: group).runToEnd()
    guard case .tls(let detail) = result.failure else {
      Issue.record("expected a TLS failure, got \(result.summary)")
      return ""
    }
    return detail
  }

  @Test func expiredCertificateSaysWhenAndPointsAtTheClock() throws {
    let detail = try failure(validFrom: -10 * 86400, until: -86400, names: ["localhost"]) { "wss://localhost:\($0)/" }
    #expect(detail.hasPrefix("the server's certificate expired on "), "\(detail)")
    #expect(detail.contains("this machine's clock says"))
    #expect(detail.contains("timedatectl"))
  }

  @Test func notYetValidCertificateSaysFromWhenAndPointsAtTheClock() throws {
    let detail = try failure(validFrom: 86400, until: 10 * 86400, names: ["localhost"]) { "wss://localhost:\($0)/" }
    #expect(detail.hasPrefix("the server's certificate is not valid before "), "\(detail)")
    #expect(detail.contains("check the clock"))
  }

  @Test func wrongHostNamesWhatTheCertificateHolds() throws {
    let detail = try failure(
      validFrom: -86400, until: 86400, names: ["edge.example", "backend.example"], ips: ["10.9.8.7"]
    ) { "wss://localhost:\($0)/" }
    #expect(
      detail
        == "the certificate is for edge.example, backend.example, 10.9.8.7, not localhost; probe a name it holds, or fix the certificate",
      "\(detail)")
  }

  @Test func untrustedIssuerPointsAtCAFile() throws {
    let detail = try failure(
      validFrom: -86400, until: 86400, names: ["localhost"], uri: { "wss://localhost:\($0)/" }, trust: false)
    #expect(detail.contains("not trusted") && detail.contains("--ca-file"), "\(detail)")
  }

  @Test func insecureSkipsTheCheckAndSaysSo() throws {
    defer { try? FileManager.default.removeItem(at: directory) }
    let now = Date()
    let tls = try WebSocketTestServer.certificate(
      in: directory, validFrom: now.addingTimeInterval(-10 * 86400), until: now.addingTimeInterval(-86400),
      dnsNames: ["elsewhere"])
    let server = try WebSocketTestServer(.healthy, tls: tls.context)
    defer { server.stop() }
    let result = try Probe(
      uri: WebSocketURI(parsing: "wss://localhost:\(server.port)/"), options: ProbeOptions(insecure: true), group: group
    ).runToEnd()
    #expect(result.isHealthy, "\(result.summary)")
    #expect(result.notes == [.certificateNotChecked])
  }
}
