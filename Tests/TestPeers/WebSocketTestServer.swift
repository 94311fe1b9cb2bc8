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
    /// Upgrades, then at once closes with this code (1011: internal error).
    case closeAfterUpgrade(code: UInt16)
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
  }

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
      .childChannelInitializer { channel in
        counter.withLockedValue { $0 += 1 }
        return channel.eventLoop.makeCompletedFuture {
          if let tls {
            try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: tls))
          }
          try Self.configure(channel, behaviour)
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

  private static func configure(_ channel: any Channel, _ behaviour: Behaviour) throws {
    switch behaviour {
    case .neverAnswer:
      return
    case .httpStatus(let code, let reason):
      let response = "HTTP/1.1 \(code) \(reason)\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
      try channel.pipeline.syncOperations.addHandler(RawAnswer(response: response))
    case .wrongAcceptKey:
      let response =
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        + "Sec-WebSocket-Accept: dGhpcyBpcyBub3QgdGhlIGtleQ==\r\n\r\n"
      try channel.pipeline.syncOperations.addHandler(RawAnswer(response: response))
    case .healthy, .closeAfterUpgrade, .upgradeAfter, .neverCloses:
      let upgrader = NIOWebSocketServerUpgrader(
        shouldUpgrade: { channel, _ in
          if case .upgradeAfter(let delay) = behaviour {
            return channel.eventLoop.scheduleTask(in: delay) { HTTPHeaders() }.futureResult
          }
          return channel.eventLoop.makeSucceededFuture(HTTPHeaders())
        },
        upgradePipelineHandler: { channel, _ in
          channel.eventLoop.makeCompletedFuture {
            try channel.pipeline.syncOperations.addHandler(FrameAnswer(behaviour))
          }
        })
      try channel.pipeline.syncOperations.configureHTTPServerPipeline(
        withServerUpgrade: (upgraders: [upgrader], completionHandler: { _ in }))
    }
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

/// What the server does with frames after the upgrade.
private final class FrameAnswer: ChannelInboundHandler {
  typealias InboundIn = WebSocketFrame
  typealias OutboundOut = WebSocketFrame
  let behaviour: WebSocketTestServer.Behaviour

  init(_ behaviour: WebSocketTestServer.Behaviour) { self.behaviour = behaviour }

  func handlerAdded(context: ChannelHandlerContext) {
    if case .closeAfterUpgrade(let code) = behaviour {
      // The server starts the close handshake itself, as RFC 6455 wants: close frame now,
      // TCP close once the client answered (below).
      var data = context.channel.allocator.buffer(capacity: 2)
      data.writeInteger(code)
      data.writeString("internal error")
      context.writeAndFlush(
        wrapOutboundOut(WebSocketFrame(fin: true, opcode: .connectionClose, data: data)), promise: nil)
    }
  }

  func channelRead(context: ChannelHandlerContext, data: NIOAny) {
    let frame = unwrapInboundIn(data)
    switch frame.opcode {
    case .connectionClose:
      if case .neverCloses = behaviour { return }
      if case .closeAfterUpgrade = behaviour {
        context.close(promise: nil)
        return
      }
      var payload = frame.unmaskedData
      let code = payload.readInteger(as: UInt16.self) ?? 1000
      var answer = context.channel.allocator.buffer(capacity: 2)
      answer.writeInteger(code)
      context.writeAndFlush(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .connectionClose, data: answer)))
        .whenComplete { [channel = context.channel] _ in channel.close(promise: nil) }
    case .ping:
      context.writeAndFlush(
        wrapOutboundOut(WebSocketFrame(fin: true, opcode: .pong, data: frame.unmaskedData)), promise: nil)
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
