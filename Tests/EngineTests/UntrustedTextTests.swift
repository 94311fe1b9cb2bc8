import Testing

@testable import Engine

/// What a server says reaches a terminal, the journal and the trigger log only as visible,
/// one-line, bounded text.
@Suite struct UntrustedTextTests {
  @Test(arguments: [
    ("Service Unavailable", "Service Unavailable"),
    ("\u{1B}]0;pwned\u{07}", "^[]0;pwned^G"),
    ("\u{1B}[2J\u{1B}[31mred", "^[[2J^[[31mred"),
    ("ok\u{08}\u{08}no", "ok^H^Hno"),
    (
      "x\n2026-12-02 03:00:00: Triggered restart! (fail count: 9)",
      "x^J2026-12-02 03:00:00: Triggered restart! (fail count: 9)"
    ),
    ("a\r\nb\tc\u{7F}", "a^M^Jb^Ic^?"),
    ("\u{9B}31m", "<U+009B>31m"),
    ("abc\u{202E}gnp.exe", "abc<U+202E>gnp.exe"),
    ("line\u{2028}two", "line<U+2028>two"),
    ("Grüße, 東京 ✔", "Grüße, 東京 ✔"),
  ])
  func controlAndFormatCharactersAreShownAsWhatTheyAre(text: String, shown: String) {
    #expect(UntrustedText.shown(text) == shown)
  }

  @Test func aLongTextIsCutSayingHowMuchWasLeftOut() {
    let reason = String(repeating: "A", count: 60_000)
    let shown = UntrustedText.shown(reason)
    #expect(shown == String(repeating: "A", count: 200) + "… (59800 more characters)")
  }

  @Test func bytesThatAreNotUTF8AreReplacedNotPassedOn() {
    #expect(UntrustedText.shown(bytes: [0x6F, 0x6B, 0xFF, 0x1B]) == "ok\u{FFFD}^[")
  }

  /// Every failure that carries a server's words shows them through it.
  @Test func everyFailureShowsTheServersWordsVisibly() {
    let hostile = "\u{1B}[2J\nfake: Triggered restart!"
    let failures: [ProbeFailure] = [
      .httpStatus(code: 503, reason: hostile), .closedBeforeAnswer(to: .ping, code: 1011, reason: hostile),
      .closedBeforeAnswer(to: .jsonRPC, code: 1001, reason: hostile), .tls(detail: hostile),
      .redirect(detail: hostile), .protocolViolation(detail: hostile),
      .noAnswer(to: .ping, within: .seconds(1), lastSkipped: hostile),
      .network(phase: .upgrade, detail: hostile), .nameNotResolved(host: "h", detail: hostile),
    ]
    for failure in failures {
      let text = failure.description
      #expect(!text.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F }, "\(text)")
      #expect(text.contains("^[[2J^Jfake: Triggered restart!"), "\(text)")
    }
    let notes: [ProbeNote] = [.redirected(to: hostile), .jsonRPCError(code: hostile, message: hostile)]
    for note in notes {
      #expect(!note.description.unicodeScalars.contains { $0.value < 0x20 }, "\(note)")
    }
  }
}

/// A secret a server repeats back is not shown: every string of a failure or a note is cleaned.
@Suite struct RedactionTests {
  @Test(arguments: [
    (ProbeFailure.httpStatus(code: 403, reason: "apikey k3y-abc refused"), "apikey (secret) refused"),
    (
      .closedBeforeAnswer(to: .ping, code: 1003, reason: "Apikey [k3y-abc] is not valid"),
      "Apikey [(secret)] is not valid"
    ),
    (.protocolViolation(detail: "k3y-abck3y-abc"), "(secret)(secret)"),
    (.connectionRefused, "connection refused"),
  ])
  func aRepeatedSecretIsShownAsSecret(failure: ProbeFailure, shown: String) {
    let cleaned = failure.redacting(["k3y-abc"]).description
    #expect(cleaned.contains(shown), "\(cleaned)")
    #expect(!cleaned.contains("k3y-abc"))
  }

  @Test func notesAreCleanedToo() {
    let note = ProbeNote.closedWith(code: 1008, reason: "bad key k3y-abc").redacting(["k3y-abc"])
    #expect(note == .closedWith(code: 1008, reason: "bad key (secret)"))
    #expect(ProbeNote.closeNotAnswered.redacting(["x"]) == .closeNotAnswered)
  }
}
