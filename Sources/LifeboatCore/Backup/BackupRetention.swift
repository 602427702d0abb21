import Foundation

/// The retention policy applied everywhere the backups live: BACKUP_DIR, and the bucket when
/// cloud sync is on. One function for `backup --cleanup`, `prune` and the worker's cleanup job,
/// so that the local and the remote copies are always pruned by the same limits.
public enum BackupRetention {
    public struct Outcome: Sendable {
        public var local: BackupPruner.Outcome
        /// Empty when cloud sync is off.
        public var remote: CloudSync.PruneOutcome

        /// Backup files deleted here and in the bucket (with `dryRun`: those that would be).
        public var removedNames: [String] { local.removed.map(\.name.fileName) + remote.removed }
    }

    /// Applies the limits of `configuration` locally, then to the bucket when BACKUP_CLOUD_SYNC_ENABLED
    /// is on. Credentials that may not delete leave the bucket as it is: `remote.warning` says so,
    /// and nothing is thrown, because a bucket with object lock must not fail every backup.
    public static func apply(
        _ configuration: LifeboatConfiguration, dryRun: Bool,
        cancellation: CancellationFlag? = nil
    ) throws -> Outcome {
        let policy = try configuration.retentionLimits()
        let local = try BackupPruner(policy: policy).prune(configuration.backupDirectory, dryRun: dryRun)
        let remote =
            try configuration.bool(.cloudSyncEnabled)
            ? try CloudSync(configuration: configuration, cancellation: cancellation).prune(policy, dryRun: dryRun)
            : CloudSync.PruneOutcome()
        return Outcome(local: local, remote: remote)
    }
}
