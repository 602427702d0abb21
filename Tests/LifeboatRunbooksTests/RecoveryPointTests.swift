import Foundation
import Testing
@testable import LifeboatRunbooks

/// Issue 20 item 6: RPO is measured against the incident time when the run was given one (the
/// data lost is what was written between the backup and the moment the damage began), not
/// against the run's start.
@Suite struct RecoveryPointTests {
    static func state(inputs: [String: String], started: Date, backupAt: Date) -> RunState {
        var start = JournalEvent(kind: .runStarted)
        start.at = started
        start.inputs = inputs
        var pickStarted = JournalEvent(kind: .stepStarted, step: "pick")
        pickStarted.action = "backup.select"
        pickStarted.at = started
        var pickFinished = JournalEvent(kind: .stepFinished, step: "pick")
        pickFinished.action = "backup.select"
        pickFinished.status = .succeeded
        pickFinished.at = started
        pickFinished.outputs = [
            "name": "backup_daily.sql.gz", "timestamp": ISO8601DateFormatter().string(from: backupAt)
        ]
        return RunState(events: [start, pickStarted, pickFinished])
    }

    @Test(arguments: [
        (["incident_time": "2025-01-18T10:00:00Z"], 3_600.0),
        (["deleted_at": "2025-01-18T10:00:00Z"], 3_600.0),
        (["incident_time": "latest"], 7_200.0),
        ([:], 7_200.0)
    ])
    func rpoIsMeasuredFromTheBackupToTheIncident(inputs: [String: String], expected: Double) {
        let backupAt = ISO8601DateFormatter().date(from: "2025-01-18T09:00:00Z")!
        let started = ISO8601DateFormatter().date(from: "2025-01-18T11:00:00Z")!
        let measures = DrillMeasures(state: Self.state(inputs: inputs, started: started, backupAt: backupAt))
        #expect(measures.rpoSeconds == expected, "\(inputs)")
    }
}
