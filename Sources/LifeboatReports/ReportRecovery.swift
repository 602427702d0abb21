import Foundation
import LifeboatRunbooks

/// A physical recovery (pgBackRest restore plus WAL replay), from the journal: the outputs of
/// the run's `physical.restore` step, the moment `postgres.wait_ready` saw recovery reach, and
/// the reason `recovery.choose_path` gave for the path. nil for runs without a physical restore.
public struct ReportRecovery: Codable, Sendable, Equatable {
    public var step: String
    public var engine: String
    public var backupSet: String?
    /// What was asked for: a time (ISO-8601) or "latest".
    public var target: String?
    /// The WAL replayed: from the set's first segment, towards (at most) the newest archived one.
    public var walStart: String?
    public var walStop: String?
    /// The commit time of the last transaction replayed: the moment the data is from.
    public var recoveredTo: Date?
    public var restoreSeconds: Double?
    public var path: String?
    public var reason: String?

    enum CodingKeys: String, CodingKey {
        case step, engine, backupSet = "backup_set", target, walStart = "wal_start", walStop = "wal_stop"
        case recoveredTo = "recovered_to", restoreSeconds = "restore_seconds", path, reason
    }

    init?(steps: [ReportStep]) {
        guard
            let step = steps.last(where: { $0.action == PhysicalRestoreAction.name && $0.status == .succeeded })
        else {
            return nil
        }
        func text(_ value: String?) -> String? { value.flatMap { $0.isEmpty ? nil : $0 } }
        let restore = PhysicalRestoreAction.Outcome(step: step.id, outputs: step.outputs)
        let ready = steps.last { $0.action == PostgresWaitReady.name && $0.status == .succeeded }?.outputs
        let choice = steps.last { $0.action == RecoveryChoosePath.name && $0.status == .succeeded }?.outputs
        let reached = restore.recoveredTo ?? text(ready?[PostgresWaitReady.Output.recoveredTo])
        self.init(
            step: restore.step, engine: restore.engine, backupSet: restore.backupSet, target: restore.target,
            walStart: restore.walStart, walStop: restore.walStop, recoveredTo: reached.flatMap(Self.date),
            restoreSeconds: restore.recoverySeconds,
            path: text(choice?[RecoveryChoosePath.Output.path]), reason: text(choice?[RecoveryChoosePath.Output.reason])
        )
    }

    /// `wait_ready` gives whole seconds, the drill's scratch cluster milliseconds: read both.
    static func date(_ text: String) -> Date? {
        let fractional = ISO8601DateFormatter()
        fractional.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return ISO8601DateFormatter().date(from: text) ?? fractional.date(from: text)
    }

    init(
        step: String, engine: String, backupSet: String?, target: String?, walStart: String?, walStop: String?,
        recoveredTo: Date?, restoreSeconds: Double?, path: String?, reason: String?
    ) {
        self.step = step
        self.engine = engine
        self.backupSet = backupSet
        self.target = target
        self.walStart = walStart
        self.walStop = walStop
        self.recoveredTo = recoveredTo
        self.restoreSeconds = restoreSeconds
        self.path = path
        self.reason = reason
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(step, forKey: .step)
        try container.encode(engine, forKey: .engine)
        try container.encode(backupSet, forKey: .backupSet)
        try container.encode(target, forKey: .target)
        try container.encode(walStart, forKey: .walStart)
        try container.encode(walStop, forKey: .walStop)
        try container.encode(recoveredTo, forKey: .recoveredTo)
        try container.encode(restoreSeconds, forKey: .restoreSeconds)
        try container.encode(path, forKey: .path)
        try container.encode(reason, forKey: .reason)
    }

    /// Label and value pairs, in the order both renderers show them.
    var fields: [(String, String)] {
        var rows: [(String, String)] = [
            ("Engine", engine), ("Backup set", backupSet ?? "—"), ("Target", target ?? "—"),
            ("WAL replayed", "\(walStart ?? "?") … \(walStop ?? "?")"),
            ("Recovered to", recoveredTo.map { ReportText.timestamp($0) } ?? "unknown (no postgres.wait_ready step)")
        ]
        if let restoreSeconds { rows.append(("Restore took", ReportText.duration(restoreSeconds))) }
        if let reason { rows.append(("Why \(path ?? "this path")", reason)) }
        rows.append(("Restored by step", step))
        return rows
    }
}
