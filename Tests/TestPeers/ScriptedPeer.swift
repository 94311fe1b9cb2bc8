import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// A hostile or broken server at the byte level, for what a well-behaved WebSocket library
/// cannot be made to do: trickle, flood, lie, reset. Plain sockets on a thread of its own;
/// every connection plays the same script.
public final class ScriptedPeer: @unchecked Sendable {
  public enum Step: Sendable {
    /// Read the client's request head (up to its blank line) before going on.
    case readRequest
    case send([UInt8])
    /// A valid 101 for the request just read, with these extra header lines and any bytes
    /// right after the head (frames sent with it).
    case upgrade(omit: [String] = [], acceptKey: String? = nil, then: [UInt8] = [])
    /// One byte at a time, forever, this many milliseconds apart.
    case trickle(everyMilliseconds: Int)
    /// The same bytes again and again, as fast as the socket takes them.
    case flood([UInt8])
    case sleep(milliseconds: Int)
    /// Waits for the client's close frame (or anything it sends), then goes on.
    case awaitClientBytes
    /// An RST instead of a FIN.
    case reset
    /// A FIN: shut down our side, then wait for the client to go.
    case finish
    /// Keeps the connection open until the client closes it.
    case hold
  }

  public let port: Int
  public let family: Int32
  private let listener: Int32
  private let steps: [Step]
  private let stopped = NSLock()
  private var isStopped = false

  public init(_ steps: [Step], ipv6: Bool = false) throws {
    self.steps = steps
    family = ipv6 ? AF_INET6 : AF_INET
    let fd = socket(family, Int32(SOCK_STREAM.rawValue), 0)
    var yes: Int32 = 1
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
    if ipv6 {
      var address = sockaddr_in6()
      address.sin6_family = sa_family_t(AF_INET6)
      address.sin6_addr = in6addr_loopback
      _ = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
          bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in6>.size))
        }
      }
    } else {
      var address = sockaddr_in()
      address.sin_family = sa_family_t(AF_INET)
      address.sin_addr.s_addr = inet_addr("127.0.0.1")
      _ = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
          bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
        }
      }
    }
    guard listen(fd, 16) == 0 else { throw POSIXError(.EADDRINUSE) }
    var bound = sockaddr_in6()
    var length = socklen_t(MemoryLayout<sockaddr_in6>.size)
    _ = withUnsafeMutablePointer(to: &bound) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
    }
    listener = fd
    port = Int(UInt16(bigEndian: bound.sin6_port))  // sin_port and sin6_port share the offset
    let thread = Thread { [self] in acceptLoop() }
    thread.start()
  }

  public func stop() {
    stopped.withLock { isStopped = true }
    shutdown(listener, Int32(SHUT_RDWR))
    close(listener)
  }

  private var stopping: Bool { stopped.withLock { isStopped } }

  private func acceptLoop() {
    while !stopping {
      let connection = Glibc.accept(listener, nil, nil)
      guard connection >= 0 else { return }
      Thread { [self] in play(on: connection) }.start()
    }
  }

  private func play(on connection: Int32) {
    var yes: Int32 = 1
    setsockopt(connection, Int32(IPPROTO_TCP), TCP_NODELAY, &yes, socklen_t(MemoryLayout<Int32>.size))
    var key = ""
    defer { close(connection) }
    for step in steps {
      switch step {
      case .readRequest:
        guard let head = readHead(connection) else { return }
        key =
          head.split(separator: "\r\n").first { $0.lowercased().hasPrefix("sec-websocket-key:") }
          .map { String($0.dropFirst("sec-websocket-key:".count)).trimmingCharacters(in: .whitespaces) } ?? ""
      case .send(let bytes):
        guard sendAll(connection, bytes) else { return }
      case .upgrade(let omit, let acceptKey, let then):
        var lines = [
          "HTTP/1.1 101 Switching Protocols", "Upgrade: websocket", "Connection: Upgrade",
          "Sec-WebSocket-Accept: \(acceptKey ?? Self.acceptValue(for: key))",
        ]
        lines.removeAll { line in omit.contains { line.hasPrefix($0) } }
        guard sendAll(connection, Array((lines.joined(separator: "\r\n") + "\r\n\r\n").utf8) + then) else { return }
      case .trickle(let every):
        while !stopping, sendAll(connection, [UInt8(ascii: "a")]) { usleep(UInt32(every * 1000)) }
        return
      case .flood(let bytes):
        while !stopping, sendAll(connection, bytes) {}
        return
      case .sleep(let milliseconds):
        usleep(UInt32(milliseconds * 1000))
      case .awaitClientBytes:
        var buffer = [UInt8](repeating: 0, count: 4096)
        guard recv(connection, &buffer, buffer.count, 0) > 0 else { return }
      case .reset:
        var linger = Glibc.linger(l_onoff: 1, l_linger: 0)
        setsockopt(connection, SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<Glibc.linger>.size))
        return
      case .finish:
        shutdown(connection, Int32(SHUT_WR))
        drain(connection)
        return
      case .hold:
        drain(connection)
        return
      }
    }
    drain(connection)
  }

  private func readHead(_ connection: Int32) -> String? {
    var head: [UInt8] = []
    var byte: UInt8 = 0
    while head.count < 65536 {
      guard recv(connection, &byte, 1, 0) == 1 else { return nil }
      head.append(byte)
      if head.count >= 4, head.suffix(4) == [13, 10, 13, 10] { return String(decoding: head, as: UTF8.self) }
    }
    return nil
  }

  private func sendAll(_ connection: Int32, _ bytes: [UInt8]) -> Bool {
    var sent = 0
    while sent < bytes.count {
      let count = bytes.withUnsafeBytes {
        send(connection, $0.baseAddress! + sent, bytes.count - sent, Int32(MSG_NOSIGNAL))
      }
      guard count > 0 else { return false }
      sent += count
    }
    return true
  }

  private func drain(_ connection: Int32) {
    var buffer = [UInt8](repeating: 0, count: 4096)
    while !stopping, recv(connection, &buffer, buffer.count, 0) > 0 {}
  }

  /// RFC 6455's accept value for a key. Its SHA-1 is the tests' own, not the Engine's
  /// `AcceptKey`: a peer that computed it with the code under test would agree with that
  /// code's mistakes.
  static func acceptValue(for key: String) -> String {
    Data(SHA1.digest(Array((key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").utf8))).base64EncodedString()
  }
}

/// SHA-1 (FIPS 180-4), for the accept key only.
enum SHA1 {
  static func digest(_ message: [UInt8]) -> [UInt8] {
    var h: [UInt32] = [0x6745_2301, 0xEFCD_AB89, 0x98BA_DCFE, 0x1032_5476, 0xC3D2_E1F0]
    var bytes = message + [0x80]
    while bytes.count % 64 != 56 { bytes.append(0) }
    let bits = UInt64(message.count) * 8
    for shift in stride(from: 56, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: bits >> UInt64(shift))) }
    for chunk in stride(from: 0, to: bytes.count, by: 64) {
      var w = [UInt32](repeating: 0, count: 80)
      for i in 0..<16 {
        w[i] = bytes[chunk + 4 * i..<chunk + 4 * i + 4].reduce(0) { $0 << 8 | UInt32($1) }
      }
      for i in 16..<80 {
        let x = w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16]
        w[i] = x << 1 | x >> 31
      }
      var (a, b, c, d, e) = (h[0], h[1], h[2], h[3], h[4])
      for i in 0..<80 {
        let (f, k): (UInt32, UInt32) =
          switch i {
          case 0..<20: ((b & c) | (~b & d), 0x5A82_7999)
          case 20..<40: (b ^ c ^ d, 0x6ED9_EBA1)
          case 40..<60: ((b & c) | (b & d) | (c & d), 0x8F1B_BCDC)
          default: (b ^ c ^ d, 0xCA62_C1D6)
          }
        let temp = (a << 5 | a >> 27) &+ f &+ e &+ k &+ w[i]
        (e, d, c, b, a) = (d, c, b << 30 | b >> 2, a, temp)
      }
      h = [h[0] &+ a, h[1] &+ b, h[2] &+ c, h[3] &+ d, h[4] &+ e]
    }
    return h.flatMap { value in (0..<4).map { UInt8(truncatingIfNeeded: value >> (24 - 8 * $0)) } }
  }
}
