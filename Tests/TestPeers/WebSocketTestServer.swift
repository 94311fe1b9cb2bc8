import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import NIOWebSocket

/// A real WebSocket server on 127.0.0.1, port chosen by the kernel, with the faults a probe
/// must tell apart. Started by tests, stopped by them.
public final class WebSocketTestServer: @unchecked Sendable {
  /// How the server treats a client.
  public enum Behaviour: Sendable {
    /// Upgrades, answers a close frame with the same code: a healthy service.
    case healthy
    /// Upgrades, then at once closes with this code and reason.
    case closeAfterUpgrade(code: UInt16, reason: String = "internal error")
    /// Upgrades only after this delay.
    case upgradeAfter(TimeAmount)
    /// Accepts TCP and never reads or answers: a wedged service.
    case neverAnswer
    /// Answers the upgrade request with this HTTP status.
    case httpStatus(Int, String)
    /// Answers 101 with a `Sec-WebSocket-Accept` that does not match the key.
    case wrongAcceptKey
    /// Upgrades, then ignores the close frame.
    case neverCloses
    /// A wedged OpenEMS: upgrades and answers pings (the library's threads) but never replies
    /// to a request (the blocked request pool).
    case wedgedOpenEMS
    /// One OpenEMS endpoint of a kind and version, as its sources describe it: see `OpenEMSPeer`.
    case openEMS(OpenEMSPeer)
    /// Refuses the upgrade (403) unless `Origin` is this.
    case checksOrigin(String)
    /// Refuses the upgrade (400) unless this subprotocol is asked for, then selects it.
    case needsSubprotocol(String)
    /// Sends a text message of this many bytes as one frame on open, then behaves.
    case pushesOnOpen(bytes: Int)
    /// Drops TCP when our close frame comes, instead of echoing it.
    case dropsInsteadOfClosing
    /// Answers every upgrade with a redirect to this location.
    case redirect(to: String)
    /// Upgrades with a space and a tab after the `Sec-WebSocket-Accept` value.
    case acceptWithWhitespace
    /// On open sends a 200-byte ping and a ping with FIN unset, then behaves.
    case pingsRudely
    /// Pongs only the first bytes of a ping's payload, as a libwebsockets protocol whose
    /// buffer holds that many.
    case pongsAtMost(bytes: Int)
    /// Answers a text message compressed (RSV1 set, permessage-deflate), although no
    /// compression was negotiated.
    case compressesUnasked
  }

  /// Requests' `apikey` headers and every text message received, for tests that check what
  /// reached the server.
  public let seen = NIOLockedValueBox<[String]>([])

  public let port: Int
  private let channel: any Channel
  private let group: MultiThreadedEventLoopGroup
  private let connections = NIOLockedValueBox(0)

  /// Connections accepted so far.
  public var connectionCount: Int { connections.withLockedValue { $0 } }

  /// - Parameter tls: when given, the server speaks TLS first (`wss://`).
  public init(_ behaviour: Behaviour, tls: NIOSSLContext? = nil) throws {
    group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    let counter = connections
    channel = try ServerBootstrap(group: group)
      .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
      .childChannelOption(.autoRead, value: { if case .neverAnswer = behaviour { false } else { true } }())
      .childChannelInitializer { [seen] channel in
        counter.withLockedValue { $0 += 1 }
        return channel.eventLoop.makeCompletedFuture {
          if let tls {
            try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: tls))
          }
          try Self.configure(channel, behaviour, seen: seen)
        }
      }
      .bind(host: "127.0.0.1", port: 0).wait()
    port = channel.localAddress!.port!
  }

  private let stopped = NIOLockedValueBox(false)

  /// Closes the listening socket and its loop; safe to call again (and from `deinit`).
  public func stop() {
    let first = stopped.withLockedValue { wasStopped in
      defer { wasStopped = true }
      return !wasStopped
    }
    guard first else { return }
    try? channel.close().wait()
    try? group.syncShutdownGracefully()
  }

  deinit { stop() }

  private static func configure(_ channel: any Channel, _ behaviour: Behaviour, seen: NIOLockedValueBox<[String]>)
    throws
  {
    switch behaviour {
    case .neverAnswer:
      return
    case .httpStatus(let code, let reason):
      let response = "HTTP/1.1 \(code) \(reason)\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
      try channel.pipeline.syncOperations.addHandler(RawAnswer(response: response))
      return
    case .wrongAcceptKey:
      let response =
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        + "Sec-WebSocket-Accept: dGhpcyBpcyBub3QgdGhlIGtleQ==\r\n\r\n"
      try channel.pipeline.syncOperations.addHandler(RawAnswer(response: response))
      return
    case .redirect(let location):
      let response = "HTTP/1.1 302 Found\r\nLocation: \(location)\r\nContent-Length: 0\r\n\r\n"
      try channel.pipeline.syncOperations.addHandler(RawAnswer(response: response))
      return
    case .acceptWithWhitespace:
      try channel.pipeline.syncOperations.addHandler(AcceptValuePadding())
    default:
      break
    }
    let upgrader = NIOWebSocketServerUpgrader(
      shouldUpgrade: { channel, head in
        seen.withLockedValue { $0.append("apikey=\(head.headers.first(name: "apikey") ?? "")") }
        switch behaviour {
        case .upgradeAfter(let delay):
          return channel.eventLoop.scheduleTask(in: delay) { HTTPHeaders() }.futureResult
        case .checksOrigin(let origin):
          return channel.eventLoop.makeSucceededFuture(
            head.headers.first(name: "Origin") == origin ? HTTPHeaders() : nil)
        case .needsSubprotocol(let name):
          let offered = head.headers[canonicalForm: "Sec-WebSocket-Protocol"].map(String.init)
          return channel.eventLoop.makeSucceededFuture(
            offered.contains(name) ? HTTPHeaders([("Sec-WebSocket-Protocol", name)]) : nil)
        default:
          return channel.eventLoop.makeSucceededFuture(HTTPHeaders())
        }
      },
      upgradePipelineHandler: { channel, head in
        channel.eventLoop.makeCompletedFuture {
          var answer = behaviour
          if case .openEMS(let peer) = behaviour,
            let refusal = peer.onOpen(apikey: head.headers.first(name: "apikey"))
          {
            answer = .closeAfterUpgrade(code: refusal.code, reason: refusal.reason)
          }
          try channel.pipeline.syncOperations.addHandler(FrameAnswer(answer, seen: seen))
        }
      })
    // A request no upgrader took (wrong Origin, no subprotocol) is refused, as servers do;
    // once upgraded, the refusal leaves the pipeline.
    let refusal: HTTPResponseStatus = if case .checksOrigin = behaviour { .forbidden } else { .badRequest }
    try channel.pipeline.syncOperations.configureHTTPServerPipeline(
      withServerUpgrade: (
        upgraders: [upgrader],
        completionHandler: { context in
          context.pipeline.removeHandler(name: RefuseRequest.name, promise: nil)
        }
      ))
    try channel.pipeline.syncOperations.addHandler(RefuseRequest(status: refusal), name: RefuseRequest.name)
  }

  /// Makes a self-signed certificate for `localhost` and 127.0.0.1 with the openssl command.
  /// - Returns: the certificate's PEM path and a server TLS context using it.
  public static func selfSignedTLS(in directory: URL) throws -> (certificate: String, context: NIOSSLContext) {
    let certificate = directory.appendingPathComponent("cert.pem").path
    let key = directory.appendingPathComponent("key.pem").path
    let openssl = Process()
    openssl.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
    openssl.arguments = [
      "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "2",
      "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
      "-keyout", key, "-out", certificate,
    ]
    openssl.standardError = FileHandle.nullDevice
    try openssl.run()
    openssl.waitUntilExit()
    let configuration = TLSConfiguration.makeServerConfiguration(
      certificateChain: try NIOSSLCertificate.fromPEMFile(certificate).map { .certificate($0) },
      privateKey: .privateKey(try NIOSSLPrivateKey(file: key, format: .pem)))
    return (certificate, try NIOSSLContext(configuration: configuration))
  }
}

/// Answers the first request with fixed bytes.
private final class RawAnswer: ChannelInboundHandler {
  typealias InboundIn = ByteBuffer
  typealias OutboundOut = ByteBuffer
  let response: String
  var request = ""
  var answered = false

  init(response: String) { self.response = response }

  func channelRead(context: ChannelHandlerContext, data: NIOAny) {
    var buffer = unwrapInboundIn(data)
    request += buffer.readString(length: buffer.readableBytes) ?? ""
    guard !answered, request.contains("\r\n\r\n") else { return }
    answered = true
    context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(string: response)), promise: nil)
  }
}

/// Answers an HTTP request that was not upgraded with a status and no body.
private final class RefuseRequest: ChannelInboundHandler, RemovableChannelHandler {
  static let name = "refuse-request"
  typealias InboundIn = HTTPServerRequestPart
  typealias OutboundOut = HTTPServerResponsePart
  let status: HTTPResponseStatus

  init(status: HTTPResponseStatus) { self.status = status }

  func channelRead(context: ChannelHandlerContext, data: NIOAny) {
    guard case .end = unwrapInboundIn(data) else { return }
    let head = HTTPResponseHead(
      version: .http1_1, status: status, headers: ["Content-Length": "0", "Connection": "close"])
    context.write(wrapOutboundOut(.head(head)), promise: nil)
    context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { [channel = context.channel] _ in
      channel.close(promise: nil)
    }
  }
}

/// Rewrites the 101 response on its way out: the accept value gets optional white space
/// after it, which HTTP allows around every field value.
private final class AcceptValuePadding: ChannelOutboundHandler {
  typealias OutboundIn = ByteBuffer
  typealias OutboundOut = ByteBuffer
  var done = false

  func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
    var buffer = unwrapOutboundIn(data)
    guard !done, let text = buffer.getString(at: buffer.readerIndex, length: buffer.readableBytes),
      text.hasPrefix("HTTP/1.1 101"), let range = text.range(of: "sec-websocket-accept: ", options: .caseInsensitive)
    else {
      context.write(data, promise: promise)
      return
    }
    done = true
    let end = text[range.upperBound...].range(of: "\r\n")!.lowerBound
    let padded = text[..<end] + " \t" + text[end...]
    buffer = context.channel.allocator.buffer(string: String(padded))
    context.write(wrapOutboundOut(buffer), promise: promise)
  }
}

/// What the server does with frames after the upgrade.
private final class FrameAnswer: ChannelInboundHandler {
  typealias InboundIn = WebSocketFrame
  typealias OutboundOut = WebSocketFrame
  let behaviour: WebSocketTestServer.Behaviour
  let seen: NIOLockedValueBox<[String]>

  init(_ behaviour: WebSocketTestServer.Behaviour, seen: NIOLockedValueBox<[String]>) {
    self.behaviour = behaviour
    self.seen = seen
  }

  func handlerAdded(context: ChannelHandlerContext) {
    let allocator = context.channel.allocator
    switch behaviour {
    case .closeAfterUpgrade(let code, let reason):
      // The server starts the close handshake itself, as RFC 6455 wants: close frame now,
      // TCP close once the client answered (below).
      var data = allocator.buffer(capacity: 2)
      data.writeInteger(code)
      data.writeString(reason)
      context.writeAndFlush(
        wrapOutboundOut(WebSocketFrame(fin: true, opcode: .connectionClose, data: data)), promise: nil)
    case .pushesOnOpen(let bytes):
      let data = allocator.buffer(repeating: UInt8(ascii: "x"), count: bytes)
      context.writeAndFlush(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .text, data: data)), promise: nil)
    case .pingsRudely:
      let big = allocator.buffer(repeating: 1, count: 200)
      context.write(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .ping, data: big)), promise: nil)
      context.writeAndFlush(
        wrapOutboundOut(WebSocketFrame(fin: false, opcode: .ping, data: allocator.buffer(bytes: [2]))), promise: nil)
    default:
      break
    }
  }

  func channelRead(context: ChannelHandlerContext, data: NIOAny) {
    let frame = unwrapInboundIn(data)
    switch frame.opcode {
    case .connectionClose:
      // What a server's log would say of the client's goodbye: a close, with its code.
      var said = frame.unmaskedData
      seen.withLockedValue { $0.append("close \(said.readInteger(as: UInt16.self).map(String.init) ?? "none")") }
      switch behaviour {
      case .neverCloses: return
      case .closeAfterUpgrade, .dropsInsteadOfClosing:
        context.close(promise: nil)
        return
      default: break
      }
      var payload = frame.unmaskedData
      let code = payload.readInteger(as: UInt16.self) ?? 1000
      var answer = context.channel.allocator.buffer(capacity: 2)
      answer.writeInteger(code)
      context.writeAndFlush(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .connectionClose, data: answer)))
        .whenComplete { [channel = context.channel] _ in channel.close(promise: nil) }
    case .ping:
      var payload = frame.unmaskedData
      seen.withLockedValue { $0.append("ping \(payload.readableBytes)") }
      if case .pongsAtMost(let bytes) = behaviour {
        payload = payload.getSlice(at: 0, length: min(bytes, payload.readableBytes))!
      }
      context.writeAndFlush(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .pong, data: payload)), promise: nil)
    case .text:
      var payload = frame.unmaskedData
      let text = payload.readString(length: payload.readableBytes) ?? ""
      seen.withLockedValue { $0.append(text) }
      switch behaviour {
      case .openEMS(let peer):
        for answer in peer.answers(to: text) {
          context.write(
            wrapOutboundOut(
              WebSocketFrame(fin: true, opcode: .text, data: context.channel.allocator.buffer(string: answer))),
            promise: nil)
        }
        context.flush()
      case .wedgedOpenEMS:
        break  // the request pool is blocked: no reply, ever
      case .compressesUnasked:
        // A raw DEFLATE block of "ok" (what permessage-deflate would send), flagged RSV1.
        let deflated = context.channel.allocator.buffer(bytes: [0xCB, 0xCF, 0x06, 0x00])
        context.writeAndFlush(
          wrapOutboundOut(WebSocketFrame(fin: true, rsv1: true, opcode: .text, data: deflated)), promise: nil)
      default:
        context.writeAndFlush(
          wrapOutboundOut(WebSocketFrame(fin: true, opcode: .text, data: frame.unmaskedData)), promise: nil)
      }
    default:
      break
    }
  }
}

/// A port on 127.0.0.1 where nothing listens: bound, then closed again.
public func closedPort() throws -> Int {
  let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
  defer { try? group.syncShutdownGracefully() }
  let channel = try ServerBootstrap(group: group).bind(host: "127.0.0.1", port: 0).wait()
  let port = channel.localAddress!.port!
  try channel.close().wait()
  return port
}

extension WebSocketTestServer {
  /// A self-signed certificate with the given validity and names, made with Debian's
  /// python3-cryptography (openssl's command line cannot back-date a certificate).
  /// - Returns: the certificate's PEM path (trust it with --ca-file) and a server TLS context.
  public static func certificate(
    in directory: URL, validFrom: Date, until: Date, dnsNames: [String], ipAddresses: [String] = []
  ) throws -> (certificate: String, context: NIOSSLContext) {
    let certificate = directory.appendingPathComponent("cert-\(UUID()).pem").path
    let key = directory.appendingPathComponent("key-\(UUID()).pem").path
    let script = """
      import datetime, ipaddress, sys
      from cryptography import x509
      from cryptography.x509.oid import NameOID
      from cryptography.hazmat.primitives import hashes, serialization
      from cryptography.hazmat.primitives.asymmetric import ec
      cert_path, key_path, start, end = sys.argv[1:5]
      names = [x509.DNSName(n) for n in sys.argv[5].split(",") if n]
      names += [x509.IPAddress(ipaddress.ip_address(a)) for a in sys.argv[6].split(",") if a]
      key = ec.generate_private_key(ec.SECP256R1())
      subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "websocket-health-check test")])
      builder = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject)
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(datetime.datetime.utcfromtimestamp(float(start)))
        .not_valid_after(datetime.datetime.utcfromtimestamp(float(end)))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True))
      if names:
        builder = builder.add_extension(x509.SubjectAlternativeName(names), critical=False)
      cert = builder.sign(key, hashes.SHA256())
      open(cert_path, "wb").write(cert.public_bytes(serialization.Encoding.PEM))
      open(key_path, "wb").write(key.private_bytes(serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
      """
    let python = Process()
    python.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
    python.arguments = [
      "-c", script, certificate, key, "\(Int(validFrom.timeIntervalSince1970))", "\(Int(until.timeIntervalSince1970))",
      dnsNames.joined(separator: ","), ipAddresses.joined(separator: ","),
    ]
    try python.run()
    python.waitUntilExit()
    guard python.terminationStatus == 0 else {
      throw CocoaError(.fileWriteUnknown, userInfo: ["reason": "python3-cryptography could not make a certificate"])
    }
    let configuration = TLSConfiguration.makeServerConfiguration(
      certificateChain: try NIOSSLCertificate.fromPEMFile(certificate).map { .certificate($0) },
      privateKey: .privateKey(try NIOSSLPrivateKey(file: key, format: .pem)))
    return (certificate, try NIOSSLContext(configuration: configuration))
  }
}
