import Foundation
import Synchronization

/// The run's journal and the state rebuilt from it, shared by the steps that run at the same
/// time: every event is appended (fsync'd) and applied under one lock, so the journal's order
/// is the order the state saw.
final class RunRecorder: Sendable {
    private let journal: RunJournal
    private let current: Mutex<RunState>

    init(journal: RunJournal) throws {
        self.journal = journal
        current = Mutex(RunState(events: try RunJournal.read(journal.url)))
    }

    var state: RunState { current.withLock { $0 } }

    func record(_ event: JournalEvent) throws {
        try current.withLock { state in
            try journal.append(event)
            state.apply(event)
        }
    }
}
