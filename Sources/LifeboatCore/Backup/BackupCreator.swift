import Foundation
import LifeboatPostgres
import LifeboatStreams

/// Takes one backup: pg_dump → row counts → gzip → OpenPGP → SHA-256 (+ segments) → atomic
/// file → signature (with BACKUP_SIGNING_KEY) → manifest.
/// Every failure removes the partial file, so a failed backup leaves nothing that looks like one.
public struct BackupCreator {
    public struct Options: Sendable {
        public var type: BackupType
        public var compress: Bool
        public var encrypt: Bool
        /// Keeps a dump whose tables hold no rows (a database that is empty on purpose).
        public var allowEmpty: Bool
        public init(type: BackupType, compress: Bool, encrypt: Bool, allowEmpty: Bool = false) {
            self.type = type
            self.compress = compress
            self.encrypt = encrypt
            self.allowEmpty = allowEmpty
        }
    }

    public struct Result: Sendable {
        public let path: URL
        public let manifest: BackupManifest
    }

    public let configuration: LifeboatConfiguration
    public var progress: ((Int64) -> Void)?
    public var cancellation: CancellationFlag?
    public var clock: @Sendable () -> Date = { Date() }
    /// Receives backup.completed, backup.failed, backup.size_anomaly and disk.low.
    public var notifier: EventNotifier = .disabled
    /// False skips the refusal when the estimated size exceeds the free space (the low-space
    /// warning still shows): for an operator who knows the estimate is wrong.
    public var checkDiskSpace = true
    /// Where the low-space and size-anomaly warnings go.
    public var warn: (String) -> Void = { StandardError.warning($0) }

    public init(configuration: LifeboatConfiguration) {
        self.configuration = configuration
    }

    /// Takes the backup and announces the outcome; a failed delivery never changes it.
    public func run(_ options: Options) throws -> Result {
        do {
            // A malformed setting stops the backup before it starts, not after.
            let sizeCheck = try SizeAnomaly.Settings(configuration: configuration)
            let result = try take(options)
            notifier.emit(.backupCompleted, details: BackupEvents.completed(result))
            judgeSize(result, sizeCheck)
            return result
        } catch {
            notifier.emit(
                .backupFailed,
                details: BackupEvents.failed(type: options.type, error: LifeboatError.wrap(error, stage: "backup")))
            throw error
        }
    }

    private func take(_ options: Options) throws -> Result {
        let directory = configuration.backupDirectory
        try prepareDirectory(directory)
        // A backup killed outright (kill -9, power loss) could not remove its partial file;
        // this one can, once the kernel says its writer is gone (see AtomicFileSink).
        for file in BackupPruner.removeAbandonedPartials(in: directory) {
            warn("removed \(file), left by a backup that was killed before it finished")
        }

        // Everything that can be checked before pg_dump starts is checked first.
        let target = ConnectionString.redacted(configuration.databaseURL ?? "the database named by the PG* variables")
        let connection: Connection
        do { connection = try Connection(configuration.databaseURL ?? "") } catch {
            throw LifeboatError(connecting: error, target: target)
        }
        let serverVersion =
            (try? connection.query("show server_version").scalar)
            .map { String($0.prefix { !$0.isWhitespace }) } ?? "\(connection.serverMajorVersion)"
        let database = connection.databaseName
        let serverMajor = connection.serverMajorVersion
        // Only an estimate of last resort (see DiskSpaceCheck), so a refusal to tell is no failure.
        let databaseSize = (try? connection.query("SELECT pg_database_size(current_database())").scalar).flatMap {
            Int64($0)
        }
        // The roles and database properties a plain dump lacks open the stream (see GlobalsPrelude).
        let globals: ClusterGlobals
        let requirements: BackupRequirements
        do {
            globals = try ClusterGlobals.read(
                from: connection, includePasswords: try configuration.bool(.includeRolePasswords))
            requirements = try BackupRequirements.read(from: connection, roles: globals.roles.map(\.name))
        } catch let error as PostgresError {
            connection.close()
            throw LifeboatError(
                stage: "backup", message: "cannot read the roles and settings the database needs: \(error.message)",
                hint:
                    "BACKUP_INCLUDE_ROLE_PASSWORDS=true needs a superuser; otherwise check that this user may read pg_roles"
            )
        }
        connection.close()
        let pgDump = try ClientProgramLocator.pgDump(configuration).locate(serverMajor: serverMajor)

        var recipient: OpenPGP.Key?
        if options.encrypt {
            guard let pattern = configuration.encryptionKey else {
                throw LifeboatError(
                    stage: "encrypt", message: "encryption is on but BACKUP_ENCRYPTION_KEY is not set",
                    hint:
                        "set BACKUP_ENCRYPTION_KEY to a key id or fingerprint from `gpg --list-keys`, or use --no-encrypt",
                    category: .configuration)
            }
            do {
                recipient = try OpenPGP.encryptionKey(matching: pattern, homeDirectory: configuration.gnupgHome)
            } catch let error as StreamError { throw LifeboatError(error) }
        }

        // A signing key that cannot sign must stop the backup now, not after the dump.
        let signer = try BackupSigner(configuration: configuration)

        let level = try Self.compressionLevel(configuration)
        try checkSpace(options, in: directory, databaseSize: databaseSize)

        let startedAt = clock()
        let (name, sink) = try reserveName(options: options, startedAt: startedAt, in: directory)
        do {
            let dump = try PipedProcess(
                program: "pg_dump", executable: pgDump.path, arguments: ["--no-password", "--format=plain"],
                environment: try ClientEnvironment.make(configuration), direction: .fromChild)
            cancellation?.onCancel { [pid = dump.processIdentifier] in kill(pid, SIGTERM) }
            defer { cancellation?.onCancel(nil) }
            let stream = PrefixedSource(prefix: Array(GlobalsPrelude.render(globals).utf8), upstream: dump.source)
            let progressTap = WatchedSource(upstream: stream, cancellation: cancellation, report: progress)
            let rowCounts = RowCountTap(upstream: progressTap)
            let encoded: any ByteSource =
                options.compress ? ParallelGzipCompressor(upstream: rowCounts, level: level) : rowCounts
            let segments = signer.map { _ in SegmentDigestTap(downstream: sink) }
            let hashing = SHA256Tap(downstream: segments ?? sink)
            do {
                if let recipient {
                    try OpenPGP.encrypt(
                        encoded, to: hashing, recipient: recipient, signer: signer?.key,
                        homeDirectory: configuration.gnupgHome)
                } else {
                    try encoded.pipe(to: hashing)
                }
                // A cancelled pg_dump ends its output early; that must not pass for a whole dump.
                if let cancellation, cancellation.isCancelled { _ = try progressTap.next() }
            } catch {
                dump.terminate()
                try? dump.waitForSuccess()
                throw error
            }
            try dump.waitForSuccess()
            if let empty = EmptyDumpCheck.problem(
                tables: rowCounts.tables, dumpBytes: rowCounts.byteCount, database: database,
                allowEmpty: options.allowEmpty)
            {
                throw empty
            }
            try sink.commit()
            var manifest = BackupManifest(
                toolVersion: LifeboatVersion.current, fileName: name.fileName, type: options.type, database: database,
                serverVersion: serverVersion, pgDumpVersion: pgDump.version, pgDumpPath: pgDump.path,
                startedAt: startedAt, finishedAt: clock(), dumpBytes: rowCounts.byteCount, fileBytes: hashing.byteCount,
                sha256: hashing.finalize(), compression: options.compress ? "gzip" : nil,
                encryption: recipient.map { .init(recipient: $0.fingerprint, userId: $0.userID) },
                tables: rowCounts.tables, verification: nil)
            manifest.requires = requirements
            manifest.record(rowCounts.objects, database: globals.database)
            let path = directory.appendingPathComponent(name.fileName)
            do {
                if let signer, let segments {
                    manifest = try signer.seal(
                        manifest, segments: segments.finalize(), segmentSize: segments.segmentSize, beside: path)
                } else {
                    try manifest.write(to: directory.appendingPathComponent(name.manifestName))
                }
            } catch {
                // A backup without its manifest cannot be verified: do not leave it looking complete.
                unlink(path.path)
                unlink(BackupSigner.signatureURL(for: path).path)
                throw error
            }
            return Result(path: path, manifest: manifest)
        } catch {
            sink.abort()
            throw LifeboatError.wrap(error, stage: "backup")
        }
    }

    /// Warns (and emits backup.size_anomaly) when the new backup is far from the recent ones of
    /// its type. Advisory: a folder that cannot be read skips the check, and nothing here fails.
    private func judgeSize(_ result: Result, _ settings: SizeAnomaly.Settings) {
        guard settings.isEnabled, let name = BackupName(fileName: result.path.lastPathComponent) else { return }
        let entries: [BackupInventory.Entry]
        do { entries = try BackupInventory.scan(result.path.deletingLastPathComponent()).entries } catch {
            warn("the backup size check is skipped: \(LifeboatError.wrap(error, stage: "list").message)")
            return
        }
        guard let anomaly = SizeAnomaly.assess(result.manifest, name: name, among: entries, settings: settings) else {
            return
        }
        warn(anomaly.warning)
        notifier.emit(.backupSizeAnomaly, details: BackupEvents.sizeAnomaly(anomaly, path: result.path))
    }

    /// Warns (and emits disk.low) below the threshold; refuses a backup that would not fit.
    private func checkSpace(_ options: Options, in directory: URL, databaseSize: Int64?) throws {
        let check = try DiskSpaceCheck(configuration: configuration)
        let estimate = DiskSpaceCheck.estimate(
            type: options.type, compressed: options.compress, in: directory, databaseSize: databaseSize)
        let outcome: DiskSpaceCheck.Outcome
        do { outcome = try check.assess(estimate: estimate) } catch let error as LifeboatError {
            // Advisory: if the filesystem cannot say, the write itself will tell.
            warn("\(error.message); the disk space check is skipped")
            return
        }
        if outcome.isLow {
            warn(DiskSpaceCheck.warning(outcome))
            notifier.emit(.diskLow, details: BackupEvents.diskLow(outcome))
        }
        if checkDiskSpace, let refusal = DiskSpaceCheck.refusal(outcome, type: options.type) { throw refusal }
    }

    private func prepareDirectory(_ directory: URL) throws {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else {
                throw LifeboatError(
                    stage: "backup folder", message: "BACKUP_DIR \(directory.path) is not a folder",
                    hint: "set BACKUP_DIR to a folder", category: .configuration)
            }
            return
        }
        do {
            try FileManager.default.createDirectory(
                at: directory, withIntermediateDirectories: true,
                attributes: [.posixPermissions: 0o700])
        } catch {
            throw LifeboatError(
                stage: "backup folder",
                message: "cannot create BACKUP_DIR \(directory.path): \(error.localizedDescription)",
                hint: "create it with the right owner, or set BACKUP_DIR to a writable folder")
        }
    }

    /// Takes the name for this start time; if another backup took it in the same second, the
    /// next free second is used, so two backups never overwrite each other.
    private func reserveName(options: Options, startedAt: Date, in directory: URL) throws -> (
        BackupName, AtomicFileSink
    ) {
        for offset in 0..<60 {
            let name = BackupName(
                type: options.type, timestamp: startedAt.addingTimeInterval(Double(offset)),
                compressed: options.compress, encrypted: options.encrypt)
            do {
                return (name, try AtomicFileSink(directory: directory, finalName: name.fileName))
            } catch let error as StreamError where error.errno == EEXIST {
                continue
            } catch let error as StreamError {
                throw LifeboatError(
                    stage: "backup folder", message: error.message,
                    hint: error.hint ?? "check that BACKUP_DIR \(directory.path) is writable")
            }
        }
        throw LifeboatError(
            stage: "backup folder", message: "no free backup name in \(directory.path) for the next minute",
            hint: "too many backups are starting at once; wait and retry")
    }
}

extension BackupCreator {
    /// BACKUP_COMPRESSION_LEVEL, checked before pg_dump starts. On a machine with few cores
    /// the backup is bound by CPU (pg_dump, the server and deflate share it), which is why the
    /// declared default is 1 (ISA-L: about gzip -6's size for a fraction of its CPU).
    static func compressionLevel(_ configuration: LifeboatConfiguration) throws -> Int32 {
        let declared = ConfigurationKey.compressionLevel.defaultValue.flatMap { Int($0) } ?? 1
        let level = try configuration.int(.compressionLevel) ?? declared
        guard (1...9).contains(level) else {
            throw configuration.invalid(
                .compressionLevel, String(level), "a gzip level from 1 (fastest) to 9 (smallest); 1 is the default")
        }
        return Int32(level)
    }
}
