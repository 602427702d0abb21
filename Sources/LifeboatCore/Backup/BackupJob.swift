import Foundation

/// The backup job: take the backup, count it in the metrics, copy it off-site when cloud sync
/// is on, then apply retention here and in the bucket. `lifeboat backup` and the worker's
/// scheduled backups (which run that command as a child) both come here, so what a backup
/// does does not depend on who started it; the command only parses, shows progress and prints.
public struct BackupJob {
    public struct Result: Sendable {
        public let created: BackupCreator.Result
        /// Keys written to the bucket (backup, then manifest); empty when cloud sync is off.
        public var uploaded: [String] = []
        /// Where the backup now is in the bucket, for the operator.
        public var uploadedTo: String?
        /// Nil without `cleanup`.
        public var retention: BackupRetention.Outcome?
    }

    public let configuration: LifeboatConfiguration
    public var progress: ((Int64) -> Void)?
    public var cancellation: CancellationFlag?
    /// False skips the refusal when the estimated size exceeds the free space (see BackupCreator).
    public var checkDiskSpace = true
    /// Called once the backup file is written and before the upload starts, so the operator
    /// sees the backup exists while the (possibly long) upload runs.
    public var onCreated: ((BackupCreator.Result) -> Void)?
    /// Receives the backup's events and cloud_sync.failed; from BACKUP_WEBHOOK_URL and friends.
    public var notifier: EventNotifier

    public init(configuration: LifeboatConfiguration) throws {
        self.configuration = configuration
        self.notifier = try EventNotifier(configuration: configuration)
    }

    /// Runs the job; `cleanup` applies retention after a successful backup (and upload).
    /// A failed upload throws, and says the local backup is kept: retention does not run then,
    /// so a backup that exists only here is never pruned in the same breath.
    public func run(_ options: BackupCreator.Options, cleanup: Bool) throws -> Result {
        // A malformed retention setting stops the job before pg_dump starts, not after.
        _ = try configuration.retentionLimits()
        let syncEnabled = try configuration.bool(.cloudSyncEnabled)
        var result = Result(created: try create(options))
        onCreated?(result.created)
        if syncEnabled { (result.uploaded, result.uploadedTo) = try upload(result.created) }
        if cleanup {
            result.retention = try BackupRetention.apply(configuration, dryRun: false, cancellation: cancellation)
        }
        return result
    }

    private func create(_ options: BackupCreator.Options) throws -> BackupCreator.Result {
        var creator = BackupCreator(configuration: configuration)
        creator.cancellation = cancellation
        creator.progress = progress
        creator.notifier = notifier
        creator.checkDiskSpace = checkDiskSpace
        let type = options.type.rawValue
        let created: BackupCreator.Result
        do {
            created = try creator.run(options)
        } catch {
            JobMetrics.record(configuration) {
                $0.backup(type: type, succeeded: false, durationSeconds: nil, sizeBytes: nil)
                JobMetrics.diskFree(configuration, into: &$0)
            }
            throw error
        }
        let manifest = created.manifest
        JobMetrics.record(configuration) {
            $0.backup(
                type: type, succeeded: true,
                durationSeconds: manifest.finishedAt.timeIntervalSince(manifest.startedAt),
                sizeBytes: manifest.fileBytes)
            JobMetrics.diskFree(configuration, into: &$0)
        }
        return created
    }

    /// The off-site copy; a failure keeps the local backup and says so.
    private func upload(_ created: BackupCreator.Result) throws -> ([String], String) {
        try BackupUpload.perform(
            created.path, bytes: created.manifest.fileBytes, configuration: configuration, notifier: notifier,
            leaves: "the local backup \(created.path.path) is kept",
            hint: "fix the cause; until then this backup exists only locally"
        ) {
            let sync = try CloudSync(configuration: configuration, cancellation: cancellation)
            let keys = try sync.upload(created.path).map(\.key)
            return (keys, "\(sync.store.location)/\(sync.key(for: created.path.lastPathComponent))")
        }
    }
}
