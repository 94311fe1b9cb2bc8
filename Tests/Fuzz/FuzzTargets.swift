// libFuzzer entry for every parser we wrote, compiled together with the Engine's sources by
// Tests/Fuzz/fuzz.sh (not by SwiftPM): WHC_FUZZ_TARGET picks the parser. Besides "no crash,
// no hang, no sanitizer report", each target checks what the parser promises: what it reads
// back it writes the same, what it keeps stays within its bounds, the fast path agrees with
// the plain one.

#if canImport(Glibc)
  import Glibc
#endif

/// The fuzzing build leaves swift-prometheus out; metrics are never rendered here.
extension MetricsSnapshot {
  var text: String { "" }
}

private func say(_ text: String) {
  _ = Array(text.utf8).withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
}

private let target: String = {
  guard let name = getenv("WHC_FUZZ_TARGET") else {
    say("set WHC_FUZZ_TARGET to one of: \(targets.keys.sorted().joined(separator: ", "))\n")
    exit(2)
  }
  return String(cString: name)
}()

private func require(_ condition: Bool, _ what: @autoclosure () -> String) {
  guard !condition else { return }
  say("fuzz invariant broken: \(what())\n")
  abort()
}

/// Splits `bytes` into chunks whose sizes the input itself chooses (its first byte), so the
/// readers see every way a server's bytes can arrive.
private func chunks(_ bytes: [UInt8]) -> [ArraySlice<UInt8>] {
  guard let first = bytes.first else { return [] }
  let size = Int(first % 32) + 1
  let rest = bytes.dropFirst()
  return stride(from: rest.startIndex, to: rest.endIndex, by: size).map { rest[$0..<min($0 + size, rest.endIndex)] }
}

/// One file in memory (/dev/shm) for the log-tail target, rewritten for every input.
private let logFile: Int32 = {
  let path = "/dev/shm/whc-fuzz-log-\(getpid())"
  let fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0o600)
  unlink(path)
  return fd
}()

private let targets: [String: @Sendable ([UInt8]) -> Void] = [
  "state": { bytes in
    let text = String(decoding: bytes, as: UTF8.self)
    if let counter = FailureCounter(fileText: text) {
      require(FailureCounter(fileText: counter.fileText) == counter, "state \(text) does not read back")
    }
  },
  "record": { bytes in
    let text = String(decoding: bytes, as: UTF8.self)
    if let record = RestartRecord(fileText: text) {
      require(RestartRecord(fileText: record.fileText) == record, "record does not read back: \(text)")
    }
    if let last = RestartRecord.LastCheck(fileText: text) {
      require(RestartRecord.LastCheck(fileText: last.fileText) == last, "last check does not read back: \(text)")
    }
  },
  "config": { bytes in
    _ = try? TargetDraft(parsing: String(decoding: bytes, as: UTF8.self), path: "fuzz.conf")
  },
  "headers": { bytes in
    if let fields = try? HeaderFile.fields(in: String(decoding: bytes, as: UTF8.self), source: "fuzz.headers") {
      for field in fields {
        require(!field.name.isEmpty && !field.name.contains(":"), "a header field named '\(field.name)'")
        require(!field.value.contains("\r") && !field.value.contains("\n"), "a header value with a line break")
      }
    }
  },
  "unit": { bytes in
    _ = try? ReferenceUnit(parsing: String(decoding: bytes, as: UTF8.self), path: "fuzz.service")
  },
  "logtail": { bytes in
    let count = Int(bytes.first ?? 0) % 20
    let data = Array(bytes.dropFirst())
    ftruncate(logFile, 0)
    _ = data.withUnsafeBytes { pwrite(logFile, $0.baseAddress, $0.count, 0) }
    let fd = logFile
    let fast = TriggerLogTail.lastLines(count, fd: fd, size: data.count)
    var plain = data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
    if plain.last?.isEmpty == true { plain.removeLast() }
    let expected = count > 0 ? plain.suffix(count).map { String(decoding: $0, as: UTF8.self) } : []
    require(fast == expected, "the log's tail read backwards differs from the plain reading")
  },
  "upgrade": { bytes in
    var reader = ResponseHeadReader()
    for chunk in chunks(bytes) {
      switch reader.feed(chunk) {
      case .needMore: continue
      case .failed: return
      case .head(let head, let rest):
        require(rest.count <= bytes.count, "more bytes after the head than came in")
        let handshake = UpgradeHandshake(
          uri: try! WebSocketURI(parsing: "ws://fuzz/"), options: ProbeOptions(), keyBytes: Array(0..<16))
        _ = handshake.judge(head)
        return
      }
    }
  },
  "frames": { bytes in
    var reader = FrameReader(keepsMessages: true, messageLimit: 4096)
    for chunk in chunks(bytes) {
      for event in reader.feed(chunk) {
        if case .message(_, let payload, _, _) = event {
          require(payload.count <= 4096, "a message of \(payload.count) bytes kept past its 4096-byte limit")
        }
      }
    }
  },
  "json": { bytes in
    _ = JSONValue.parse(bytes)
  },
]

private let run: @Sendable ([UInt8]) -> Void = {
  guard let body = targets[target] else {
    say("no fuzz target '\(target)'; known: \(targets.keys.sorted().joined(separator: ", "))\n")
    exit(2)
  }
  return body
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
  run(Array(UnsafeBufferPointer(start: data, count: size)))
  return 0
}
