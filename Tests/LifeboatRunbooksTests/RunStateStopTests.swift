import Foundation
import Testing
@testable import LifeboatRunbooks

/// Whether a run "stopped silently" (killed, so the next resume must journal the interruption)
/// is read in the journal's order, not by time: a resume journals the interruption it found and
/// itself in the same millisecond, and a second kill after it must still be found and counted.
@Suite struct RunStateStopTests {
    /// Every event at one instant, as on a fast machine at millisecond resolution.
    static func events(_ kinds: [(JournalEvent.Kind, String?)], at instant: Date) -> [JournalEvent] {
        kinds.map { kind, step in
            var event = JournalEvent(kind: kind, step: step)
            event.at = instant
            if kind == .interrupted { event.lastEventAt = instant }
            return event
        }
    }

    @Test func aKillAfterAResumeInTheSameMillisecondIsStillSilent() {
        let instant = Date(timeIntervalSince1970: 1_796_000_000)
        var state = RunState(
            events: Self.events([(.runStarted, nil), (.stepStarted, "prepare"), (.interrupted, nil)], at: instant))
        #expect(!state.stoppedSilently, "the first kill is recorded")
        for event in Self.events([(.resumed, nil), (.stepStarted, "prepare")], at: instant) { state.apply(event) }
        #expect(state.stoppedSilently, "killed again in the same millisecond: nothing has said so yet")
        for event in Self.events([(.interrupted, nil), (.resumed, nil)], at: instant) { state.apply(event) }
        #expect(state.interruptions.count == 2)
        #expect(state.interruptions.map(\.steps) == [["prepare"], ["prepare"]])
    }

    @Test func aSignalOrADeclinedGateSaysSoAndAnEndEndsIt() {
        let instant = Date(timeIntervalSince1970: 1_796_000_000)
        let start = Self.events([(.runStarted, nil), (.stepStarted, "stop")], at: instant)
        #expect(RunState(events: start).stoppedSilently)
        var signal = JournalEvent(kind: .interrupted)
        signal.at = instant
        signal.signal = "SIGTERM"
        #expect(!RunState(events: start + [signal]).stoppedSilently)
        #expect(!RunState(events: start + Self.events([(.approvalDeclined, "stop")], at: instant)).stoppedSilently)
        var finished = JournalEvent(kind: .runFinished)
        finished.status = .succeeded
        #expect(!RunState(events: start + [finished]).stoppedSilently)
    }
}
