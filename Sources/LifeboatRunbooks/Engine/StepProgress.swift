import Foundation
import Synchronization

/// What a running step has done so far, for the progress line: how long it has run and, for
/// transfers, how many bytes have moved.
public struct StepProgress: Sendable, Equatable {
    public let step: String
    public let action: String
    public let elapsed: TimeInterval
    public let bytes: Int64?
}

/// An event for the people following a run (webhooks): `runbook.started`,
/// `runbook.step_failed`, `runbook.approval_needed`, `runbook.completed`, `runbook.failed`,
/// or a runbook's own `notify` event.
public struct RunEvent: Sendable, Equatable {
    public let name: String
    public let details: [String: String]
}

/// The steps running now, shared between the step threads (bytes) and the ticker (reports).
final class ProgressBoard: Sendable {
    private struct Entry {
        let action: String
        let started: Date
        var bytes: Int64?
    }

    private let entries = Mutex<[String: Entry]>([:])
    private let order = Mutex<[String]>([])
    private let lastReport = Mutex(Date.distantPast)

    /// True at most four times a second: byte updates arrive per chunk, reports need not.
    func reportDue(now: Date = Date()) -> Bool {
        lastReport.withLock { last in
            guard now.timeIntervalSince(last) >= 0.25 else { return false }
            last = now
            return true
        }
    }

    func begin(_ step: String, action: String) {
        entries.withLock { $0[step] = Entry(action: action, started: Date()) }
        order.withLock { $0.append(step) }
    }

    func bytes(_ step: String, _ count: Int64) {
        entries.withLock { $0[step]?.bytes = count }
    }

    func end(_ step: String) {
        entries.withLock { _ = $0.removeValue(forKey: step) }
        order.withLock { $0.removeAll { $0 == step } }
    }

    func snapshot(now: Date = Date()) -> [StepProgress] {
        let steps = order.withLock { $0 }
        return entries.withLock { entries in
            steps.compactMap { id in
                entries[id].map {
                    StepProgress(
                        step: id, action: $0.action, elapsed: now.timeIntervalSince($0.started), bytes: $0.bytes)
                }
            }
        }
    }
}
