import NIOSSL

/// BoringSSL's error stacks, cut down to the words that tell an operator what to fix.
enum TLSErrorText {
  static func describe(_ error: BoringSSLError) -> String {
    let text = "\(error)"
    if text.contains("CERTIFICATE_VERIFY_FAILED") {
      return "certificate not trusted (self-signed or unknown issuer?); trust it with --ca-file PEM"
    }
    if text.contains("WRONG_VERSION_NUMBER") {
      return "the server does not speak TLS on this port (try ws:// instead of wss://)"
    }
    return text
  }
}
