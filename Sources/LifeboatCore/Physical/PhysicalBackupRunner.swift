import Foundation

/// `lifeboat backup --engine physical`: runs `pgbackrest backup --type=KIND --start-fast`, then
/// reads `info` to find the set it made, and announces the result (backup.completed or
/// backup.failed, with `engine: physical`) like a logical backup. `--start-fast` because
/// without it pgBackRest waits for the next checkpoint (minutes; seen: 422 s instead of 4 s).
public struct PhysicalBackupRunner {
    public struct Result: Sendable, Encodable {
        public let engine = "physical"
        public let stanza: String
        /// What was asked for; pgBackRest takes a full backup when a diff or incr has no prior full.
        public let requestedKind: PhysicalBackupKind
        public let backup: PgBackRestInfo.BackupSet
        public let durationSeconds: Double
    }

    public let settings: PhysicalEngineSettings
    public var environment: [String: String] = ProcessInfo.processInfo.environment
    public var notifier: EventNotifier = .disabled
    public var cancellation: CancellationFlag?

    public init(settings: PhysicalEngineSettings) {
        self.settings = settings
    }

    public func run(kind: PhysicalBackupKind) throws -> Result {
        let started = Date()
        do {
            let result = try take(kind, started: started)
            notifier.emit(.backupCompleted, details: PhysicalBackupEvents.completed(result))
            return result
        } catch {
            let error = LifeboatError.wrap(error, stage: "pgbackrest")
            notifier.emit(
                .backupFailed, details: PhysicalBackupEvents.failed(kind: kind, stanza: settings.stanza, error: error))
            throw error
        }
    }

    private func take(_ kind: PhysicalBackupKind, started: Date) throws -> Result {
        let pgbackrest = PgBackRest(settings: settings, environment: environment)
        // Before: the labels that exist, so the new set is told apart from older ones.
        let before = Set(try pgbackrest.info().backups.map(\.label))
        try pgbackrest.runChecked(
            "backup", options: ["--type=\(kind.rawValue)", "--start-fast"], cancellation: cancellation)
        let after = try pgbackrest.info()
        guard let made = after.backups.filter({ !before.contains($0.label) }).max(by: { $0.finishedAt < $1.finishedAt })
        else {
            throw LifeboatError(
                stage: "pgbackrest",
                message: "pgbackrest backup succeeded, but `pgbackrest info` lists no new backup set",
                hint: "run `pgbackrest --stanza=\(settings.stanza) info` to see what the repository holds")
        }
        return Result(
            stanza: settings.stanza, requestedKind: kind, backup: made,
            durationSeconds: Date().timeIntervalSince(started))
    }
}

/// The details of physical backup events: the keys logical backups send where they mean the
/// same (`type`, `bytes`, `duration_seconds`, `stage`, `error`, `hint`), plus `engine` and the
/// pgBackRest set's own (label, kind, WAL range).
public enum PhysicalBackupEvents {
    public static func completed(_ result: PhysicalBackupRunner.Result) -> [String: EventValue] {
        let backup = result.backup
        let size = backup.repositoryDeltaBytes.map { "\(ByteSize.decimal($0)) in the repository, " } ?? ""
        return [
            // Chat lines and emails use it as is: a physical set has no file name to show.
            "summary": .string(
                "physical \(backup.kind.rawValue) backup \(backup.label) of stanza \(result.stanza) "
                    + "(\(size)\(ByteSize.seconds(result.durationSeconds)))"),
            "engine": "physical",
            "stanza": .string(result.stanza),
            "type": .string("physical-\(backup.kind.rawValue)"),
            "kind": .string(backup.kind.rawValue),
            "requested_kind": .string(result.requestedKind.rawValue),
            "label": .string(backup.label),
            "bytes": backup.repositoryDeltaBytes.map { EventValue($0) } ?? .null,
            "database_bytes": backup.databaseBytes.map { EventValue($0) } ?? .null,
            "wal_start": EventValue(backup.walStart),
            "wal_stop": EventValue(backup.walStop),
            "duration_seconds": EventValue(seconds: result.durationSeconds)
        ]
    }

    public static func failed(kind: PhysicalBackupKind, stanza: String, error: LifeboatError) -> [String: EventValue] {
        [
            "engine": "physical",
            "stanza": .string(stanza),
            "type": .string("physical-\(kind.rawValue)"),
            "kind": .string(kind.rawValue),
            "stage": .string(error.stage),
            "error": .string(error.message),
            "hint": EventValue(error.hint),
            "exit_code": EventValue(Int(error.category.rawValue))
        ]
    }
}
