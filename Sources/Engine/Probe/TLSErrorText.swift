import NIOSSL

#if canImport(Glibc)
  import Glibc
#endif

/// A TLS failure in words that name its cause and its fix, from BoringSSL's error stack and
/// the certificate the server showed.
enum TLSErrorText {
  static func describe(_ error: BoringSSLError, host: String, certificate: NIOSSLCertificate?) -> String {
    let text = "\(error)"
    if text.contains("CERTIFICATE_VERIFY_FAILED") {
      return certificateProblem(certificate, now: time(nil))
    }
    if text.contains("WRONG_VERSION_NUMBER") {
      return "the server does not speak TLS on this port (try ws:// instead of wss://)"
    }
    return text
  }

  static func describe(_ error: NIOSSLExtraError, host: String, certificate: NIOSSLCertificate?) -> String {
    guard "\(error)".contains("failedToValidateHostname") else { return "\(error)" }
    return wrongHost(host, names: certificate.map(names) ?? [])
  }

  /// Why a certificate chain was refused: its dates first (a wrong clock is the common cause
  /// on boxes without NTP), else its issuer.
  static func certificateProblem(_ certificate: NIOSSLCertificate?, now: time_t) -> String {
    if let certificate {
      if now > certificate.notValidAfter {
        return "the server's certificate expired on \(utc(certificate.notValidAfter)) (this machine's clock says "
          + "\(utc(now)); if the clock is wrong, fix it (timedatectl), else renew the certificate)"
      }
      if now < certificate.notValidBefore {
        return "the server's certificate is not valid before \(utc(certificate.notValidBefore)) (this machine's "
          + "clock says \(utc(now)); check the clock (timedatectl))"
      }
    }
    return "the certificate is not trusted: self-signed or from an unknown issuer; trust it with --ca-file PEM"
  }

  static func wrongHost(_ host: String, names: [String]) -> String {
    let held = names.isEmpty ? "no host names" : names.prefix(6).joined(separator: ", ")
    return "the certificate is for \(held), not \(host); probe a name it holds, or fix the certificate"
  }

  /// The DNS names and IP addresses of a certificate's subject alternative names.
  static func names(_ certificate: NIOSSLCertificate) -> [String] {
    certificate._subjectAlternativeNames().compactMap { name -> String? in
      let bytes = Array(name.contents)
      switch name.nameType {
      case .dnsName:
        return String(decoding: bytes, as: UTF8.self)
      case .ipAddress where bytes.count == 4:
        return bytes.map(String.init).joined(separator: ".")
      case .ipAddress where bytes.count == 16:
        return stride(from: 0, to: 16, by: 2).map { String(UInt16(bytes[$0]) << 8 | UInt16(bytes[$0 + 1]), radix: 16) }
          .joined(separator: ":")
      default:
        return nil
      }
    }
  }

  /// `2026-11-24 12:00 UTC`
  static func utc(_ moment: time_t) -> String {
    var seconds = moment
    var parts = tm()
    gmtime_r(&seconds, &parts)
    func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
    return "\(parts.tm_year + 1900)-\(two(parts.tm_mon + 1))-\(two(parts.tm_mday)) "
      + "\(two(parts.tm_hour)):\(two(parts.tm_min)) UTC"
  }
}
