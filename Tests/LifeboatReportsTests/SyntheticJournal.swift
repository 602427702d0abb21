import Foundation
import LifeboatRunbooks

/// Builds journals the way the engine writes them, with times in seconds after a fixed start,
/// so each test states only the story it tells.
struct SyntheticJournal {
    static let start = Date(timeIntervalSince1970: 1_737_169_200)  // 2025-01-18T03:00:00Z
    static let runID = "20250118t030000z-3fa2"

    private(set) var events: [JournalEvent] = []

    static func at(_ seconds: Double) -> Date { start.addingTimeInterval(seconds) }

    mutating func append(_ event: JournalEvent) { events.append(event) }

    mutating func replace(_ all: [JournalEvent]) { events = all }

    init(
        runbook: String = "recent-corruption", drill: Bool = false, inputs: [String: String] = ["backup_type": "daily"],
        target: String = "app", description: String = "Data went bad within the last day."
    ) {
        var event = JournalEvent(kind: .runStarted, at: Self.start)
        event.runbook = "/srv/lifeboat/runbooks/\(runbook).yaml"
        event.runbookSha256 = String(repeating: "ab", count: 32)
        event.runbookName = runbook
        event.runbookDescription = description
        event.inputs = inputs
        event.user = "alice"
        event.host = "db-host-1"
        event.target = target
        event.drill = drill
        events.append(event)
    }

    mutating func started(_ step: String, _ action: String?, at seconds: Double, attempt: Int = 1) {
        var event = JournalEvent(kind: .stepStarted, at: Self.at(seconds), step: step)
        event.action = action
        event.attempt = attempt
        events.append(event)
    }

    mutating func finished(
        _ step: String, _ action: String?, at seconds: Double, _ status: JournalEvent.Status = .succeeded,
        outputs: [String: String] = [:], message: String? = nil, duration: Double? = nil
    ) {
        var event = JournalEvent(kind: .stepFinished, at: Self.at(seconds), step: step)
        event.action = action
        event.status = status
        event.outputs = outputs
        event.message = message
        event.durationSeconds = duration
        events.append(event)
    }

    /// A step that starts and ends.
    mutating func step(
        _ step: String, _ action: String?, from start: Double, to end: Double,
        _ status: JournalEvent.Status = .succeeded,
        outputs: [String: String] = [:], message: String? = nil
    ) {
        started(step, action, at: start)
        finished(step, action, at: end, status, outputs: outputs, message: message)
    }

    mutating func approvalRequested(_ step: String, _ action: String?, at seconds: Double, message: String? = nil) {
        var event = JournalEvent(kind: .approvalRequested, at: Self.at(seconds), step: step)
        event.action = action
        event.message = message
        events.append(event)
    }

    mutating func approved(_ step: String, by: String, at seconds: Double, message: String = "Stop the application?") {
        var event = JournalEvent(kind: .approval, at: Self.at(seconds), step: step)
        event.by = by
        event.message = message
        events.append(event)
    }

    mutating func runFinished(_ status: JournalEvent.Status, at seconds: Double, message: String? = nil) {
        var event = JournalEvent(kind: .runFinished, at: Self.at(seconds))
        event.status = status
        event.message = message
        events.append(event)
    }

    static let selectOutputs = [
        "name": "app-daily-20250118t010000z.sql.gz.gpg", "path": "/backups/app-daily-20250118t010000z.sql.gz.gpg",
        "timestamp": "2025-01-18T01:00:00Z", "type": "daily", "source": "local", "bytes": "1468006",
        "sha256": String(repeating: "c0", count: 32)
    ]

    /// recent-corruption up to and including the approval of `stop` (approval asked at 20 s, given at 80 s).
    static func recentCorruptionPrefix() -> SyntheticJournal {
        var journal = SyntheticJournal()
        journal.step("pick", "backup.select", from: 1, to: 2, outputs: selectOutputs)
        journal.step(
            "verify", "backup.verify", from: 2, to: 19, outputs: ["passed": "true", "tables": "22", "rows": "46000"])
        journal.approvalRequested("stop", "services.stop", at: 20, message: "Stop the application and restore it?")
        journal.approved("stop", by: "alice", at: 80, message: "Stop the application and restore it?")
        journal.step("stop", "services.stop", from: 80, to: 81)
        return journal
    }

    /// A whole successful recent-corruption run.
    static func completed() -> SyntheticJournal {
        var journal = recentCorruptionPrefix()
        journal.step(
            "restore", "restore.database", from: 81, to: 140,
            outputs: ["database": "app", "kept_as": "app_before_20250118t030221z"])
        journal.step("check", "sql.check", from: 140, to: 141, outputs: ["value": "22"])
        journal.step("start", "services.start", from: 141, to: 143)
        journal.step("health", "services.health", from: 143, to: 150)
        journal.runFinished(.succeeded, at: 150)
        return journal
    }
}
