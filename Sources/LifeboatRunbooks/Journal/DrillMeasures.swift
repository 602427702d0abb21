import Foundation

/// What a drill measured, from its journal: RTO, from the start of the run to the moment the
/// restored data was validated; RPO, the target time (the `target_time` input, else the
/// incident's time — `incident_time`, `deleted_at` —, else the run's start) minus the
/// snapshot time of the backup the run chose. For a physical
/// point-in-time recovery (`physical.restore`) the RPO is the target minus the last transaction
/// the recovery replayed, and the restore's own figures are kept beside it.
public struct DrillMeasures: Sendable, Codable, Equatable {
    public let rtoSeconds: Double?
    public let rpoSeconds: Double?
    public let backup: String?
    /// physical.restore: the last replayed transaction's commit time (ISO 8601, UTC).
    public var recoveredTo: String?
    /// physical.restore: from the start of pgbackrest restore to the promoted cluster.
    public var recoverySeconds: Double?
    /// physical.restore: the WAL segments replayed, first and last.
    public var walStart: String?
    public var walStop: String?

    static let validationActions = ["restore.database", "restore.tables", "validate.row_counts", "sql.check", "physical.restore"]

    /// From the journal alone (it records each step's action); `runbook` fills in journals
    /// written before actions were recorded.
    public init(state: RunState, runbook: Runbook? = nil) {
        func action(_ id: String) -> String? { state.steps[id]?.action ?? runbook?.step(id)?.action }
        let validated = state.order.compactMap { id -> Date? in
            guard let name = action(id), Self.validationActions.contains(name),
                  state.steps[id]?.status == .succeeded else { return nil }
            return state.steps[id]?.finishedAt
        }.max()
        rtoSeconds = zip(state.startedAt, validated).map { $1.timeIntervalSince($0) }
        let selection = state.order.first { action($0) == "backup.select" && state.steps[$0]?.status == .succeeded }
        let outputs = selection.flatMap { state.steps[$0]?.outputs } ?? [:]
        let physical = state.order.first { action($0) == "physical.restore" && state.steps[$0]?.status == .succeeded }
            .flatMap { state.steps[$0]?.outputs }
        if let physical {
            backup = physical["backup_set"]
            recoveredTo = physical["recovered_to"].flatMap { $0.isEmpty ? nil : $0 }
            recoverySeconds = physical["recovery_seconds"].flatMap(Double.init)
            walStart = physical["wal_start"].flatMap { $0.isEmpty ? nil : $0 }
            walStop = physical["wal_stop"].flatMap { $0.isEmpty ? nil : $0 }
            rpoSeconds = physical["recovery_point_gap_seconds"].flatMap(Double.init)
            return
        }
        backup = outputs["name"]
        let snapshot = outputs["timestamp"].flatMap { ISO8601DateFormatter().date(from: $0) }
        // The moment the data should be back to: a PITR target, else when the damage began
        // (recent-corruption's incident_time unless `latest`, accidental-deletion's deleted_at),
        // else the run's start.
        let targetTime = ["target_time", "incident_time", "deleted_at"].lazy
            .compactMap { state.inputs[$0].flatMap { $0 == "latest" ? nil : InputValues.timestamp($0) } }.first ?? state.startedAt
        rpoSeconds = zip(targetTime, snapshot).map { $0.timeIntervalSince($1) }
    }
}

private func zip<A, B>(_ a: A?, _ b: B?) -> (A, B)? {
    guard let a, let b else { return nil }
    return (a, b)
}
