import Engine
import Testing

@testable import Dashboard

/// What the timer will do if nothing changes, and when: on screen under the counter.
@Suite struct WhatNextTests {
  @Test(arguments: [
    // count, threshold, next check, interval → the check that reaches the threshold
    (4 as Int?, 6, 1000 as Int?, 15, 1015 as Int?),
    (5, 6, 1000, 15, 1000),
    (1, 3, 1000, 60, 1060),
    (0, 6, 1000, 15, nil),
    (-1, 6, 1000, 15, nil),
    (nil, 6, 1000, 15, nil),
    (6, 6, 1000, 15, nil),
    (4, 6, nil, 15, nil),
    (4, 6, 1000, 0, nil),
  ])
  func theThresholdCheckFollowsTheTimersRhythm(count: Int?, threshold: Int, next: Int?, interval: Int, at: Int?) {
    #expect(
      WhatNext.thresholdCheck(count: count, threshold: threshold, nextCheck: next, interval: .seconds(interval)) == at)
    // The counter and the timer's next run win over the episode's start.
    #expect(
      WhatNext.thresholdCheck(
        count: count, threshold: threshold, nextCheck: next, interval: .seconds(interval), episodeStart: 1) == at
        || next == nil)
  }

  @Test(arguments: [
    // count, threshold, episode's first failed check, interval → the check that reaches the threshold
    (1 as Int?, 6, 1000 as Int?, 15, 1075 as Int?),
    (4, 6, 1000, 15, 1075),
    (5, 6, 1000, 60, 1300),
    (1, 1, 1000, 15, nil),
    (0, 6, 1000, 15, nil),
    (nil, 6, 1000, 15, nil),
    (4, 6, nil, 15, nil),
  ])
  func withoutTheTimersNextRunTheThresholdComesThresholdIntervalsAfterTheLastGoodCheck(
    count: Int?, threshold: Int, episodeStart: Int?, interval: Int, at: Int?
  ) {
    #expect(
      WhatNext.thresholdCheck(
        count: count, threshold: threshold, nextCheck: nil, interval: .seconds(interval), episodeStart: episodeStart)
        == at)
  }

  @Test func theWatchdogSaysWhenTheRestartComesInTheModesWords() {
    var model = DashboardFixtures.failing()
    model.timerInterval = .seconds(15)
    model.nextTimerCheck = 9
    let due = LocalTimestamp(seconds: model.nextTimerCheckAt! + 15, microseconds: 0).timeOfDay
    let frame = DashboardView(model: model, glyphs: .unicode).render(width: 120, height: 30)
    #expect(
      frame.text.contains("timer: failing since 16:01:26 (4 checks); restart at ~\(due) if it keeps failing"),
      "\(frame.text)")
    model.target.settings.policy = RestartPolicy(mode: .approve, approvalTimeout: .seconds(1800))
    let asked = DashboardView(model: model, glyphs: .unicode).render(width: 120, height: 30)
    #expect(asked.text.contains("restart asked for at ~\(due) if it keeps failing"), "\(asked.text)")

    model.pendingRestart = DashboardInputTests.pending
    model.approvalExpires = DashboardFixtures.time.seconds + 1800
    let pending = DashboardView(model: model, glyphs: .unicode).render(width: 120, height: 30)
    let expiry = LocalTimestamp(seconds: DashboardFixtures.time.seconds + 1800, microseconds: 0).timeOfDay
    #expect(
      pending.text.contains("timer: restart awaiting approval since 03:12:09; expires \(expiry)"), "\(pending.text)")
  }
}
