import NIOCore

#if canImport(Glibc)
  import Glibc
#endif

/// Name lookup with every address, in the resolver's order (`getaddrinfo`).
///
/// NIO's own lookup hides its timing inside `connect`; the probe times resolve on its own, so
/// it asks here, on a thread pool, never on the event loop.
enum AddressLookup {
  struct Failure: Error, CustomStringConvertible {
    let description: String
  }

  static func addresses(host: String, port: Int) throws -> [SocketAddress] {
    var hints = addrinfo()
    hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
    hints.ai_family = AF_UNSPEC
    var list: UnsafeMutablePointer<addrinfo>?
    let status = getaddrinfo(host, String(port), &hints, &list)
    guard status == 0, let list else {
      throw Failure(description: String(cString: gai_strerror(status)))
    }
    defer { freeaddrinfo(list) }
    var result: [SocketAddress] = []
    var next: UnsafeMutablePointer<addrinfo>? = list
    while let entry = next {
      if let address = entry.pointee.ai_addr {
        switch entry.pointee.ai_family {
        case AF_INET:
          let ipv4 = address.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { $0.pointee }
          result.append(SocketAddress(ipv4, host: host))
        case AF_INET6:
          let ipv6 = address.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { $0.pointee }
          result.append(SocketAddress(ipv6, host: host))
        default:
          break
        }
      }
      next = entry.pointee.ai_next
    }
    guard !result.isEmpty else { throw Failure(description: "no IPv4 or IPv6 address") }
    return result
  }
}
