import NIOCore
import NIOEmbedded
import NIOPosix
import NIOWebSocket
import Testing

@testable import Engine

/// The close handshake on an EmbeddedChannel: frames in, frames out, no sockets.
@Suite struct CloseHandshakeTests {
  /// A probe attempt wired to an embedded loop, with its result.
  func attempt(on channel: EmbeddedChannel) throws -> (ProbeAttempt, EventLoopFuture<ProbeResult>) {
    let probe = try Probe(
      uri: WebSocketURI(parsing: "ws://127.0.0.1:1"), options: ProbeOptions(), group: channel.embeddedEventLoop)
    let promise = channel.eventLoop.makePromise(of: ProbeResult.self)
    let attempt = ProbeAttempt(probe: probe, eventLoop: channel.eventLoop, promise: promise)
    return (attempt, promise.futureResult)
  }

  func closeFrame(code: UInt16?, reason: String = "") -> WebSocketFrame {
    var data = ByteBuffer()
    if let code { data.writeInteger(code) }
    data.writeString(reason)
    return WebSocketFrame(fin: true, opcode: .connectionClose, data: data)
  }

  @Test func sendsAMaskedClose1000HealthCheck() throws {
    let channel = EmbeddedChannel()
    let (attempt, _) = try attempt(on: channel)
    try channel.pipeline.syncOperations.addHandler(CloseHandshakeHandler(attempt: attempt))
    let sent = try #require(try channel.readOutbound(as: WebSocketFrame.self))
    #expect(sent.opcode == .connectionClose)
    #expect(sent.maskKey != nil, "a client must mask its frames (RFC 6455 5.3)")
    // The encoder masks on the wire; the frame handed to it holds the plain payload.
    var payload = sent.data
    #expect(payload.readInteger(as: UInt16.self) == 1000)
    #expect(payload.readString(length: payload.readableBytes) == "Health check")
  }

  @Test(arguments: [
    (UInt16?.some(1000), ProbeFailure?.none),
    (nil, nil),
    (1011, .closedByPeer(code: 1011, reason: "boom")),
    (1001, .closedByPeer(code: 1001, reason: "boom")),
  ])
  func judgesTheServersCloseCode(code: UInt16?, expected: ProbeFailure?) throws {
    let channel = EmbeddedChannel()
    let (attempt, result) = try attempt(on: channel)
    try channel.pipeline.syncOperations.addHandler(CloseHandshakeHandler(attempt: attempt))
    _ = try channel.readOutbound(as: WebSocketFrame.self)
    try channel.writeInbound(closeFrame(code: code, reason: code == nil ? "" : "boom"))
    let outcome = try result.wait()
    #expect(outcome.failure == expected)
    #expect(outcome.timings[.close] != nil)
  }

  @Test func messagesAndPingsBeforeTheCloseAreIgnored() throws {
    let channel = EmbeddedChannel()
    let (attempt, result) = try attempt(on: channel)
    try channel.pipeline.syncOperations.addHandler(CloseHandshakeHandler(attempt: attempt))
    try channel.writeInbound(WebSocketFrame(fin: true, opcode: .text, data: ByteBuffer(string: "{}")))
    try channel.writeInbound(WebSocketFrame(fin: true, opcode: .ping, data: ByteBuffer()))
    #expect(!attempt.isFinished)
    try channel.writeInbound(closeFrame(code: 1000))
    #expect(try result.wait().failure == nil)
  }

  @Test func connectionDroppedBeforeTheCloseFrameIsAFailure() throws {
    let channel = EmbeddedChannel()
    let (attempt, result) = try attempt(on: channel)
    try channel.pipeline.syncOperations.addHandler(CloseHandshakeHandler(attempt: attempt))
    channel.pipeline.fireChannelInactive()
    #expect(try result.wait().failure == .connectionDropped(phase: .close))
  }
}
