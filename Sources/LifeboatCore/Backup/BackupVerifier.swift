import Foundation
import LifeboatPostgres
import LifeboatStreams

/// Proves a backup restores: SHA-256 against the manifest, gzip CRC and OpenPGP integrity in
/// one streaming pass into a temporary database, then per-table row counts against the
/// manifest. The temporary database is dropped on every path, and the verdict is written
/// back into the manifest.
public struct BackupVerifier {
    public struct Check: Sendable, Codable {
        public let name: String
        /// "passed", "failed" or "skipped".
        public let result: String
        public let detail: String?
    }

    public struct Report: Sendable, Codable {
        public let file: String
        public var passed: Bool
        public var checks: [Check]
        public var mismatches: [RowCountValidator.Mismatch]
        public var temporaryDatabase: String
        public var startedAt: Date
        public var finishedAt: Date
        /// The first failure, when the backup is bad.
        public var failure: String?
    }

    public let configuration: LifeboatConfiguration
    public var cancellation: CancellationFlag?
    public var progress: ((Int64) -> Void)?
    public var clock: @Sendable () -> Date = { Date() }
    /// Receives backup.verified, or backup.verification_failed (a bad backup, or one that could
    /// not be checked).
    public var notifier: EventNotifier = .disabled
    /// `--allow-unsigned`: check a backup the signature check would refuse, noting that it did.
    public var allowUnsigned = false

    public init(configuration: LifeboatConfiguration) {
        self.configuration = configuration
    }

    /// Returns the report for a good or a bad backup; throws only when it could not check.
    /// Every verification, whoever asked for it (`verify`, `backup --verify`, a runbook), sends
    /// its event and lands in the metrics file (LIFEBOAT_METRICS_FILE) as passed, failed or error.
    public func verify(_ file: URL) throws -> Report {
        let report: Report
        do {
            report = try check(file)
        } catch {
            JobMetrics.record(configuration) { $0.verification("error") }
            notifier.emit(
                .backupVerificationFailed,
                details: BackupEvents.verificationFailed(file: file, error: LifeboatError.wrap(error, stage: "verify")))
            throw error
        }
        JobMetrics.record(configuration) { $0.verification(report.passed ? "passed" : "failed") }
        if report.passed {
            notifier.emit(.backupVerified, details: BackupEvents.verified(report))
        } else {
            notifier.emit(.backupVerificationFailed, details: BackupEvents.verificationFailed(report))
        }
        return report
    }

    private func check(_ file: URL) throws -> Report {
        let startedAt = clock()
        var report = Report(
            file: file.path, passed: false, checks: [], mismatches: [], temporaryDatabase: "",
            startedAt: startedAt, finishedAt: startedAt, failure: nil)
        let reader: BackupReader
        GnuPGAgent.launch(homeDirectory: configuration.gnupgHome)
        do {
            reader = try BackupReader.open(
                file, trust: try BackupTrust(configuration: configuration, allowUnsigned: allowUnsigned))
        } catch let error as LifeboatError where error.category == .badBackup {
            return finish(report, failing: error, check: error.stage == "signature" ? "signature" : "manifest")
        }
        let admin = try DatabaseAdmin(conninfo: configuration.databaseURL ?? "")
        defer { admin.close() }
        let temporary = "lifeboat_verify_\(BackupName.format(startedAt).lowercased())_\(getpid())"
        report.temporaryDatabase = temporary
        // The backup's encoding and locale; an older manifest has none, and the database it was
        // taken of (when on this server) stands in.
        let shape = DatabaseAdmin.Shape.forBackup(
            reader.manifest, replacing: try reader.manifest.flatMap { try admin.shape(of: $0.database) })
        try admin.create(temporary, like: shape, withOwner: false)
        defer { try? admin.drop(temporary) }

        var restorer = SQLRestorer(configuration: configuration)
        restorer.cancellation = cancellation
        restorer.progress = progress
        restorer.intoNewDatabase = true  // dropped whatever happens: RESTORE_JOBS connections may load it
        let outcome: BackupReader.Outcome
        do {
            outcome = try restorer.restore(reader, into: temporary, serverMajor: admin.serverMajor)
        } catch let error as LifeboatError where error.category == .badBackup {
            return finish(report, failing: error, check: error.stage)
        } catch let error as LifeboatError
            where error.stage == "psql" || error.stage == ParallelSQLRestorer.failedStatementStage
        {
            // The file is intact (the hash matched) but does not restore: the backup is still bad.
            return finish(report, failing: error, check: "restore")
        }
        switch reader.authentication {
        case .notRequired: break
        case .signed:
            report.checks.append(Check(name: "signature", result: "passed", detail: reader.authentication.summary))
        case .acceptedUnsigned:
            report.checks.append(Check(name: "signature", result: "skipped", detail: reader.authentication.summary))
        }
        if reader.manifest?.hasSegments == true {
            report.checks.append(
                Check(
                    name: "segments", result: "passed",
                    detail: "each segment matched its signed SHA-256 before it was used"))
        }
        report.checks.append(
            Check(
                name: "sha256", result: outcome.sha256Matches == nil ? "skipped" : "passed",
                detail: outcome.sha256Matches == nil ? "no manifest to compare with" : outcome.sha256))
        if reader.encrypted {
            report.checks.append(Check(name: "openpgp", result: "passed", detail: "decrypted with integrity check"))
        }
        if reader.compressed {
            report.checks.append(Check(name: "gzip", result: "passed", detail: "CRC-32 and length checked"))
        }
        report.checks.append(
            Check(name: "restore", result: "passed", detail: "\(outcome.sqlBytes) bytes of SQL into \(temporary)"))

        if let manifest = reader.manifest {
            let connection: Connection
            do { connection = try Connection(configuration.databaseURL ?? "", database: temporary) } catch {
                throw LifeboatError(connecting: error, target: temporary)
            }
            defer { connection.close() }
            report.mismatches = try RowCountValidator.compare(manifest.tables, in: connection)
            if !report.mismatches.isEmpty {
                let summary = report.mismatches.prefix(5).map(\.description).joined(separator: "; ")
                return finish(
                    report,
                    failing: LifeboatError(
                        stage: "row counts",
                        message:
                            "\(report.mismatches.count) of \(manifest.tables.count) tables differ from the manifest: \(summary)",
                        hint: "the backup does not hold what the manifest recorded: use another backup",
                        category: .badBackup),
                    check: "row counts", reader: reader)
            }
            report.checks.append(
                Check(
                    name: "row counts", result: "passed",
                    detail: "\(manifest.tables.count) tables, \(manifest.totalRows) rows match the manifest"))
            do {
                let checked = try ObjectValidator.enforce(
                    manifest, in: connection, properties: .enforce, note: { _ in })
                if !checked.isEmpty {
                    report.checks.append(
                        Check(name: "objects", result: "passed", detail: "\(checked) match the manifest"))
                }
            } catch let error as LifeboatError where error.category == .badBackup {
                // Properties the server did not apply are its problem (exit 1), not a bad backup.
                return finish(report, failing: error, check: "objects", reader: reader)
            }
        } else {
            report.checks.append(
                Check(name: "row counts", result: "skipped", detail: "no manifest: nothing to compare with"))
        }
        report.passed = true
        report.finishedAt = clock()
        try record(report, reader: reader)
        return report
    }

    private func finish(_ report: Report, failing error: LifeboatError, check: String, reader: BackupReader? = nil)
        -> Report
    {
        var report = report
        report.passed = false
        report.failure = error.description
        report.checks.append(Check(name: check, result: "failed", detail: error.message))
        report.finishedAt = clock()
        if let reader {
            try? record(report, reader: reader)
        }
        // Only the verdict is written back (outside what the signature covers): no trust needed.
        else if let reader = try? BackupReader.open(URL(fileURLWithPath: report.file), trust: .unchecked) {
            try? record(report, reader: reader)
        }
        return report
    }

    /// Records the verdict (atomically) where `list` reads it: see `VerificationRecord`.
    private func record(_ report: Report, reader: BackupReader) throws {
        guard let manifest = reader.manifest else { return }
        let verdict = BackupManifest.Verification(
            state: report.passed ? "passed" : "failed", at: report.finishedAt,
            detail: report.failure ?? report.checks.map { "\($0.name) \($0.result)" }.joined(separator: ", "))
        try VerificationRecord.write(verdict, into: manifest, backup: reader.file)
    }
}
