import ArgumentParser
import Foundation
import LifeboatCore

struct BackupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup",
        abstract: "Take a backup: pg_dump, gzip, OpenPGP, SHA-256, written atomically with a manifest.",
        discussion: """
            Writes backup_{type}_{YYYYMMDDTHHMMSSZ}.sql[.gz][.gpg] and its .manifest.json in BACKUP_DIR.
            A failed backup leaves nothing that looks like a backup.
            Before pg_dump starts, free space in BACKUP_DIR is checked: below BACKUP_DISK_MIN_FREE_GB it \
            warns; a backup estimated larger than the free space is refused (--skip-disk-check overrides).
            A dump with no table data (no tables, or no rows in any) fails, unless --allow-empty is given; \
            a backup far smaller or larger than the median of the recent ones of its type warns \
            (BACKUP_SIZE_ANOMALY_WINDOW, BACKUP_SIZE_ANOMALY_BAND) and is kept.
            backup.completed, backup.failed, backup.size_anomaly, disk.low and cloud_sync.failed go to \
            BACKUP_WEBHOOK_URL; a webhook that cannot be delivered is logged and never changes the exit status.

            Examples:
              lifeboat backup --type daily --compress --cleanup
              lifeboat backup --type weekly --compress --encrypt --cleanup
              lifeboat backup --type manual --no-compress --json
              lifeboat backup --engine physical --kind diff
              lifeboat backup --type manual --allow-empty
            """
    )

    @OptionGroup var global: GlobalOptions

    @Option(help: "daily, weekly, monthly or manual.")
    var type: BackupType = .manual

    @Flag(inversion: .prefixedNo, help: "gzip the dump (default: BACKUP_COMPRESSION_ENABLED, true).")
    var compress: Bool?

    @Flag(inversion: .prefixedNo, help: "Encrypt to BACKUP_ENCRYPTION_KEY (default: BACKUP_ENCRYPTION_ENABLED, false).")
    var encrypt: Bool?

    @Flag(help: "Apply the retention policy after a successful backup.")
    var cleanup = false

    @Flag(inversion: .prefixedNo, help: "Upload the backup to the cloud (default: BACKUP_CLOUD_SYNC_ENABLED, false).")
    var upload: Bool?

    @Flag(help: "Verify the new backup (restore into a temporary database) right after taking it.")
    var verify = false

    @Flag(help: "Take no backup; verify --backup-file instead (the seed's spelling of `lifeboat verify FILE`).")
    var verifyOnly = false

    @Option(help: "With --verify-only: the backup to verify.")
    var backupFile: String?

    @Flag(
        help:
            "Start even when the estimated backup size exceeds the free space in BACKUP_DIR (a full disk still fails cleanly)."
    )
    var skipDiskCheck = false

    @Flag(
        help:
            "Keep a dump whose tables hold no rows, for a database that is empty on purpose (default: BACKUP_ALLOW_EMPTY, false)."
    )
    var allowEmpty = false

    @Option(
        help:
            "logical (pg_dump, the default) or physical (pgBackRest: base backup of the cluster, see `lifeboat engine check`)."
    )
    var engine: BackupEngine = .logical

    @Option(help: "With --engine physical: full, diff or incr (default: full).")
    var kind: PhysicalBackupKind?

    func validate() throws {
        try validatePhysical()
        if verifyOnly && backupFile == nil { throw ValidationError("--verify-only needs --backup-file FILE") }
        if backupFile != nil && !verifyOnly {
            throw ValidationError(
                "--backup-file goes with --verify-only (to restore a file, use `lifeboat restore --backup-file`)")
        }
    }

    func run() async throws {
        try await reportingErrors {
            var overrides: [String: String] = [:]
            if let compress { overrides[ConfigurationKey.compressionEnabled.name] = String(compress) }
            if let encrypt { overrides[ConfigurationKey.encryptionEnabled.name] = String(encrypt) }
            if let upload { overrides[ConfigurationKey.cloudSyncEnabled.name] = String(upload) }
            if allowEmpty { overrides[ConfigurationKey.allowEmpty.name] = "true" }
            let configuration = try await global.loadConfiguration(overrides)
            if engine == .physical { return try runPhysical(configuration) }
            if verifyOnly, let backupFile {
                try await VerifyCommand.verify(
                    URL(fileURLWithPath: backupFile), configuration: configuration, json: global.json)
                return
            }
            let options = BackupCreator.Options(
                type: type,
                compress: try configuration.bool(.compressionEnabled),
                encrypt: try configuration.bool(.encryptionEnabled),
                allowEmpty: try configuration.bool(.allowEmpty))
            let progress = ProgressLine(label: "backup \(type.rawValue)")
            var job = try BackupJob(configuration: configuration)
            job.cancellation = Signals.cancellation
            job.progress = progress.update
            job.checkDiskSpace = !skipDiskCheck
            let json = global.json
            job.onCreated = { created in
                progress.finish()
                if !json { Terminal.note(Self.written(created)) }
            }
            let result = try progress.showing { try job.run(options, cleanup: cleanup) }
            if let uploadedTo = result.uploadedTo { Terminal.note("uploaded to \(uploadedTo)") }
            if let warning = result.retention?.remote.warning { Terminal.note("warning: \(warning)") }
            let pruned = result.retention?.removedNames ?? []
            if global.json {
                try Terminal.printJSON(
                    BackupReport(
                        path: result.created.path.path, manifest: result.created.manifest, pruned: pruned,
                        notPruned: result.retention?.remote.notDeleted ?? [], uploaded: result.uploaded))
            } else {
                for name in pruned { Terminal.note("pruned: \(name)") }
            }
            if verify {
                try await VerifyCommand.verify(result.created.path, configuration: configuration, json: global.json)
            }
        }
    }

    private static func written(_ result: BackupCreator.Result) -> String {
        let manifest = result.manifest
        return """
            backup written: \(result.path.path)
              \(Terminal.bytes(manifest.fileBytes)) from \(Terminal.bytes(manifest.dumpBytes)) of SQL, \
            \(manifest.tables.count) tables, \(manifest.totalRows) rows, \
            \(String(format: "%.1f", manifest.finishedAt.timeIntervalSince(manifest.startedAt)))s
              sha256 \(manifest.sha256)
            """
    }
}

extension BackupType: ExpressibleByArgument {}

struct BackupReport: Encodable {
    let path: String
    let manifest: BackupManifest
    let pruned: [String]
    /// Keys retention would delete from the bucket that the credentials may not (403).
    let notPruned: [String]
    let uploaded: [String]
}
