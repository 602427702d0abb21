import Foundation

/// What a drill measured, from its journal: RTO, from the start of the run to the moment the
/// restored data was validated; RPO, the target time (the `target_time` input, else the
/// incident's time — `incident_time`, `deleted_at` —, else the run's start) minus the
/// snapshot time of the backup the run chose. For a physical
/// point-in-time recovery (`physical.restore`) the RPO is the target minus the last transaction
/// the recovery replayed, and the restore's own figures are kept beside it. Downtime, from
/// the first step that stops the application (or PostgreSQL) starting to the last step that
/// starts it again finishing; in a drill those steps are recorded, not run, so it is the span
/// of the work that would have happened while they were down.
public struct DrillMeasures: Sendable, Codable, Equatable {
    public let rtoSeconds: Double?
    public let rpoSeconds: Double?
    public var downtimeSeconds: Double?
    public let backup: String?
    /// The runbook's objectives against these measures (empty without a runbook or objectives).
    public var objectives: [ObjectiveVerdict] = []
    /// physical.restore: the last replayed transaction's commit time (ISO 8601, UTC).
    public var recoveredTo: String?
    /// physical.restore: from the start of pgbackrest restore to the promoted cluster.
    public var recoverySeconds: Double?
    /// physical.restore: the WAL segments replayed, first and last.
    public var walStart: String?
    public var walStop: String?

    static let validationActions = [
        RestoreDatabase.name, RestoreTables.name, ValidateRowCounts.name, SQLCheck.name, PhysicalRestoreAction.name
    ]
    static let selectionActions = [BackupSelect.name, PhysicalRestoreAction.name]
    /// What takes the application or the database down, and what brings it back.
    static let stopActions = [ServicesStop.name, PostgresStop.name]
    static let startActions = [ServicesStart.name, PostgresStart.name, PostgresWaitReady.name]

    /// The actions whose steps a measure comes from: a runbook with none of them cannot be
    /// judged on that objective (the validator says so).
    public static func actions(measuring kind: RecoveryObjectives.Kind) -> Set<String> {
        switch kind {
        case .rto: Set(validationActions)
        case .rpo: Set(selectionActions)
        case .downtime: Set(stopActions)
        }
    }

    public func achieved(_ kind: RecoveryObjectives.Kind) -> Double? {
        switch kind {
        case .rto: rtoSeconds
        case .rpo: rpoSeconds
        case .downtime: downtimeSeconds
        }
    }

    /// From the journal alone (it records each step's action); `runbook` fills in journals
    /// written before actions were recorded.
    public init(state: RunState, runbook: Runbook? = nil) {
        self.init(measuring: state, runbook: runbook)
        objectives = runbook.map { ObjectiveVerdict.judge($0.objectives, self) } ?? []
    }

    private init(measuring state: RunState, runbook: Runbook?) {
        func action(_ id: String) -> String? { state.steps[id]?.action ?? runbook?.step(id)?.action }
        let validated = state.order.compactMap { id -> Date? in
            guard let name = action(id), Self.validationActions.contains(name),
                state.steps[id]?.status == .succeeded
            else { return nil }
            return state.steps[id]?.finishedAt
        }.max()
        rtoSeconds = zip(state.startedAt, validated).map { $1.timeIntervalSince($0) }
        downtimeSeconds = Self.downtime(state, action: action)
        let selection = state.order.first { action($0) == BackupSelect.name && state.steps[$0]?.status == .succeeded }
        let outputs = selection.flatMap { state.steps[$0]?.outputs } ?? [:]
        if let physical = PhysicalRestoreAction.Outcome(succeededIn: state, action: action) {
            backup = physical.backupSet
            recoveredTo = physical.recoveredTo
            recoverySeconds = physical.recoverySeconds
            walStart = physical.walStart
            walStop = physical.walStop
            rpoSeconds = physical.recoveryPointGapSeconds
            return
        }
        backup = outputs[BackupSelect.Output.name]
        let snapshot = outputs[BackupSelect.Output.timestamp].flatMap { ISO8601DateFormatter().date(from: $0) }
        // The moment the data should be back to: a PITR target, else when the damage began
        // (recent-corruption's incident_time unless `latest`, accidental-deletion's deleted_at),
        // else the run's start.
        let targetTime =
            ["target_time", "incident_time", "deleted_at"].lazy
            .compactMap { state.inputs[$0].flatMap { $0 == "latest" ? nil : InputValues.timestamp($0) } }.first
            ?? state.startedAt
        rpoSeconds = zip(targetTime, snapshot).map { $0.timeIntervalSince($1) }
    }
}

extension DrillMeasures {
    /// The first stop starting to the last start (after it) finishing; 0 when nothing was
    /// stopped (a path that kept the application up had no downtime), nil when something was
    /// stopped and never started again.
    static func downtime(_ state: RunState, action: (String) -> String?) -> Double? {
        let ended: Set<JournalEvent.Status> = [.succeeded, .recorded]
        let stopped = state.order.compactMap { id -> Date? in
            guard let name = action(id), stopActions.contains(name), let record = state.steps[id],
                let status = record.status, ended.contains(status)
            else { return nil }
            // A drill records a stop without starting it: the moment it was recorded is when it would have begun.
            return record.startedAt ?? record.finishedAt
        }.min()
        guard let stopped else { return 0 }
        let started = state.order.compactMap { id -> Date? in
            guard let name = action(id), startActions.contains(name), let record = state.steps[id],
                let status = record.status, ended.contains(status), let finished = record.finishedAt,
                finished >= stopped
            else { return nil }
            return finished
        }.max()
        return started.map { $0.timeIntervalSince(stopped) }
    }
}

private func zip<A, B>(_ a: A?, _ b: B?) -> (A, B)? {
    guard let a, let b else { return nil }
    return (a, b)
}
