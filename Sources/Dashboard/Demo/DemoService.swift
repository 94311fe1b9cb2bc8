import Engine
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOWebSocket

/// The demo's stand-in for OpenEMS: a real WebSocket server on 127.0.0.1 whose faults the
/// viewer switches with keys, and a fake MainPID that changes when it is "restarted".
final class DemoService: Sendable {
  /// How the server treats the next connection.
  enum Mode: String, Sendable, CaseIterable {
    /// Upgrades at once and answers the close handshake.
    case healthy
    /// Accepts TCP but never reads: a frozen process (`kill -STOP`).
    case hung
    /// Upgrades and answers pings, but its request threads are stuck: no request is answered.
    /// What a wedged OpenEMS looks like; only a probe that asks something can see it.
    case wedged
    /// Upgrades after 1.5 s: alive but slow.
    case slow
    /// Not listening at all: connection refused.
    case refusing
  }

  /// The demo probes as an OpenEMS box should be probed: one JSON-RPC request that needs a
  /// reply, so a wedge shows; 1 s so the story moves.
  static let probeOptions = ProbeOptions(timeout: .seconds(1), depth: .openEMS(.edge, assumed: false))

  let port: Int
  private let group: MultiThreadedEventLoopGroup
  fileprivate struct Running {
    var mode: Mode = .healthy
    var pid = 4100
    var listener: (any Channel)?
  }
  private let running = NIOLockedValueBox(Running())

  var mode: Mode { running.withLockedValue { $0.mode } }
  var pid: Int { running.withLockedValue { $0.pid } }

  init() throws {
    group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    let listener = try Self.listen(port: 0, group: group, state: running)
    port = listener.localAddress!.port!
    running.withLockedValue { $0.listener = listener }
  }

  /// Switches the fault; `refusing` closes the listening socket, leaving it reopens it.
  func set(_ mode: Mode) throws {
    let (old, listener) = running.withLockedValue { state in
      defer { state.mode = mode }
      return (state.mode, state.listener)
    }
    if mode == .refusing, old != .refusing {
      try listener?.close().wait()
      running.withLockedValue { $0.listener = nil }
    } else if mode != .refusing, old == .refusing {
      let listener = try Self.listen(port: port, group: group, state: running)
      running.withLockedValue { $0.listener = listener }
    }
  }

  /// What `systemctl restart` does to the real service: a new process, healthy again.
  func restart() throws {
    try set(.refusing)
    running.withLockedValue { $0.pid += 1 }
    try set(.healthy)
  }

  func stop() {
    let listener = running.withLockedValue { $0.listener }
    try? listener?.close().wait()
    try? group.syncShutdownGracefully()
  }

  /// Binds the listener; each new connection follows the mode `state` holds at that moment.
  private static func listen(port: Int, group: any EventLoopGroup, state: NIOLockedValueBox<Running>) throws
    -> any Channel
  {
    try ServerBootstrap(group: group)
      .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
      .childChannelInitializer { channel in
        let mode = state.withLockedValue { $0.mode }
        if mode == .hung {
          // Never read: the kernel completed the TCP handshake, nothing more happens.
          return channel.setOption(.autoRead, value: false)
        }
        return channel.eventLoop.makeCompletedFuture {
          let upgrader = NIOWebSocketServerUpgrader(
            shouldUpgrade: { channel, _ in
              mode == .slow
                ? channel.eventLoop.scheduleTask(in: .milliseconds(1500)) { HTTPHeaders() }.futureResult
                : channel.eventLoop.makeSucceededFuture(HTTPHeaders())
            },
            upgradePipelineHandler: { channel, _ in
              channel.eventLoop.makeCompletedFuture {
                try channel.pipeline.syncOperations.addHandler(DemoFrameAnswer(wedged: mode == .wedged))
              }
            })
          try channel.pipeline.syncOperations.configureHTTPServerPipeline(
            withServerUpgrade: (upgraders: [upgrader], completionHandler: { _ in }))
        }
      }
      .bind(host: "127.0.0.1", port: port).wait()
  }
}

/// Answers pings and the close handshake (OpenEMS's WebSocket library does, even when wedged)
/// and JSON-RPC requests as OpenEMS's request threads do, unless they are wedged.
private final class DemoFrameAnswer: ChannelInboundHandler {
  typealias InboundIn = WebSocketFrame
  typealias OutboundOut = WebSocketFrame
  let wedged: Bool

  init(wedged: Bool) { self.wedged = wedged }

  func channelRead(context: ChannelHandlerContext, data: NIOAny) {
    let frame = unwrapInboundIn(data)
    switch frame.opcode {
    case .connectionClose:
      var payload = frame.unmaskedData
      var answer = context.channel.allocator.buffer(capacity: 2)
      answer.writeInteger(payload.readInteger(as: UInt16.self) ?? 1000)
      context.writeAndFlush(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .connectionClose, data: answer)))
        .whenComplete { [channel = context.channel] _ in channel.close(promise: nil) }
    case .ping:
      context.writeAndFlush(
        wrapOutboundOut(WebSocketFrame(fin: true, opcode: .pong, data: frame.unmaskedData)), promise: nil)
    case .text:
      var payload = frame.unmaskedData
      guard !wedged, let text = payload.readString(length: payload.readableBytes),
        let reply = JSONRPCExchange.currentEdgeReply(to: text)
      else { return }
      let data = context.channel.allocator.buffer(string: reply)
      context.writeAndFlush(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .text, data: data)), promise: nil)
    default:
      break
    }
  }
}

/// The demo's `systemctl`: reports the fake MainPID and restarts the in-process server.
struct DemoServiceManager: ServiceManager {
  let service: DemoService

  func status(of unit: UnitName) throws(ServiceManagerError) -> ServiceStatus {
    ServiceStatus(mainPID: service.pid, activeState: "active")
  }

  func restart(_ unit: UnitName) throws(ServiceManagerError) {
    do {
      try service.restart()
    } catch {
      throw ServiceManagerError("demo restart failed: \(error)")
    }
  }

  func restartCommand(for unit: UnitName) -> String {
    "systemctl restart -- \(unit)  (demo: restarts the in-process server)"
  }
}
