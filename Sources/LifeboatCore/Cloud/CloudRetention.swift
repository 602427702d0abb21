import Foundation
import LifeboatCloud

/// Retention in the bucket, and what happens when the credentials may not delete (the seed's
/// IAM policy grants PutObject and ListBucket only): that is reported once, as a warning with
/// the way out, and never fails the backup, prune or sync that asked for it.
extension CloudSync {
    public struct PruneOutcome: Sendable, Codable, Equatable {
        /// Backup keys deleted with their manifests (with `dryRun`: those that would be).
        public var removed: [String] = []
        /// Keys retention wanted gone that are still in the bucket because deleting is forbidden.
        public var notDeleted: [String] = []
        /// The one warning, when deleting was refused (403).
        public var warning: String?

        public init() {}
    }

    /// Applies `policy` to the bucket: deletes backups beyond each type's limit with their
    /// manifests, and never a key that does not follow the backup pattern. `pending` are
    /// backups about to be uploaded (a sync's dry run): they count for the plan as if there.
    public func prune(_ policy: RetentionPolicy, dryRun: Bool, pending: [BackupName] = []) throws -> PruneOutcome {
        let remote = try remoteBackups()
        let doomed = Set(policy.plan(Array(Set(remote.map(\.name) + pending))).remove)
        var outcome = PruneOutcome()
        for backup in remote where doomed.contains(backup.name) {
            let key = backup.object.key
            guard !dryRun else {
                outcome.removed.append(key)
                continue
            }
            // After one refusal the rest would be refused too: no point asking again.
            guard outcome.warning == nil else {
                outcome.notDeleted.append(key)
                continue
            }
            do {
                // The manifest goes first, so that a manifest in the bucket always has its backup.
                if backup.hasManifest { try store.delete(key + ".manifest.json") }
                // The signature after its manifest (a manifest never outlives it); absent for unsigned backups.
                if backup.hasSignature { try store.delete(key + ".manifest.json.sig") }
                try store.delete(key)
                outcome.removed.append(key)
            } catch let error as CloudError where error.status == 403 {
                outcome.notDeleted.append(key)
                outcome.warning = Self.deletionForbidden(error, location: "\(store.location)/\(folder)")
            } catch let error as CloudError {
                throw LifeboatError(
                    stage: "cloud prune", message: "\(store.location): \(error.description)", hint: error.hint)
            }
        }
        if outcome.warning != nil, let first = outcome.notDeleted.first {
            outcome.warning! +=
                " (not deleted: \(outcome.notDeleted.count) backup\(outcome.notDeleted.count == 1 ? "" : "s"), first \(first))"
        }
        return outcome
    }

    static func deletionForbidden(_ error: CloudError, location: String) -> String {
        "these credentials may not delete from \(location) (\(error.description)): remote retention was not applied. "
            + "The seed's IAM policy grants only s3:PutObject and s3:ListBucket; let a bucket lifecycle rule expire old "
            + "objects under that prefix instead, or grant s3:DeleteObject"
    }
}
