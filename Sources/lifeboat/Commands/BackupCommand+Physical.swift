import ArgumentParser
import Foundation
import LifeboatCore

/// Which engine `lifeboat backup` drives.
enum BackupEngine: String, ExpressibleByArgument, CaseIterable {
    /// pg_dump through Lifeboat's pipeline, into BACKUP_DIR.
    case logical
    /// pgBackRest base backup of the whole cluster, into pgBackRest's repository.
    case physical
}

extension PhysicalBackupKind: ExpressibleByArgument {}

/// `lifeboat backup --engine physical --kind full|diff|incr`: the options of the logical
/// pipeline do not apply, and saying so beats ignoring them.
extension BackupCommand {
    func validatePhysical() throws {
        guard engine == .physical else {
            if kind != nil { throw ValidationError("--kind goes with --engine physical (logical backups take --type)") }
            return
        }
        let logicalOnly: [(Bool, String)] = [
            (compress != nil, "--compress"), (encrypt != nil, "--encrypt"), (cleanup, "--cleanup"),
            (upload != nil, "--upload"),
            (verify, "--verify"), (verifyOnly, "--verify-only"), (backupFile != nil, "--backup-file"),
            (skipDiskCheck, "--skip-disk-check"), (allowEmpty, "--allow-empty")
        ]
        let given = logicalOnly.filter(\.0).map(\.1)
        if !given.isEmpty {
            throw ValidationError(
                "\(given.joined(separator: ", ")) \(given.count == 1 ? "applies" : "apply") to logical backups only; "
                    + "pgBackRest's compression, encryption, retention and repositories are set in pgbackrest.conf")
        }
    }

    func runPhysical(_ configuration: LifeboatConfiguration) throws {
        let settings = try PhysicalEngineSettings.required(configuration, for: "lifeboat backup --engine physical")
        let kind = self.kind ?? .full
        let metricsType = "physical-\(kind.rawValue)"
        var runner = PhysicalBackupRunner(settings: settings)
        runner.notifier = try EventNotifier(configuration: configuration)
        runner.cancellation = Signals.cancellation
        if !global.json {
            Terminal.note(
                "pgbackrest backup --type=\(kind.rawValue) --start-fast (stanza \(settings.stanza), as \(settings.runAs.user))"
            )
        }
        let result: PhysicalBackupRunner.Result
        do {
            result = try runner.run(kind: kind)
        } catch {
            JobMetrics.record(configuration) {
                $0.backup(type: metricsType, succeeded: false, durationSeconds: nil, sizeBytes: nil)
            }
            throw error
        }
        let backup = result.backup
        // Recorded under the kind pgBackRest took (a diff with no prior full becomes a full).
        JobMetrics.record(configuration) {
            $0.backup(
                type: "physical-\(backup.kind.rawValue)", succeeded: true, durationSeconds: result.durationSeconds,
                sizeBytes: backup.repositoryDeltaBytes)
        }
        if global.json {
            try Terminal.printJSON(result)
            return
        }
        var text = "physical backup taken: \(backup.label) (\(backup.kind.rawValue))"
        if backup.kind != kind { text += ", not \(kind.rawValue): pgBackRest found no prior backup to build on" }
        text += "\n  WAL \(backup.walStart ?? "?") … \(backup.walStop ?? "?"), "
        if let size = backup.databaseBytes { text += "database \(Terminal.bytes(size)), " }
        if let stored = backup.repositoryDeltaBytes { text += "\(Terminal.bytes(stored)) added to the repository, " }
        text += String(format: "%.1fs", result.durationSeconds)
        Terminal.note(text)
    }
}
