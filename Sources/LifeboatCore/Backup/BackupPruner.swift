import Foundation

/// Applies a `RetentionPolicy` to a folder: deletes each backup beyond its type's limit together
/// with its manifest, and nothing else.
public struct BackupPruner: Sendable {
    public let policy: RetentionPolicy

    public init(policy: RetentionPolicy) {
        self.policy = policy
    }

    public struct Outcome: Sendable {
        public var kept: [BackupInventory.Entry]
        /// Removed, or with `dryRun` the ones that would be.
        public var removed: [BackupInventory.Entry]
    }

    public func prune(_ directory: URL, dryRun: Bool) throws -> Outcome {
        let inventory = try BackupInventory.scan(directory)
        let plan = policy.plan(inventory.entries.map(\.name))
        let doomed = Set(plan.remove)
        let removed = inventory.entries.filter { doomed.contains($0.name) }
        if !dryRun {
            for entry in removed {
                do {
                    try FileManager.default.removeItem(at: entry.path)
                } catch {
                    throw LifeboatError(stage: "prune", message: "cannot delete \(entry.path.path): \(error.localizedDescription)",
                                        hint: "check the permissions of BACKUP_DIR")
                }
                try? FileManager.default.removeItem(at: entry.manifestPath)
            }
        }
        return Outcome(kept: inventory.entries.filter { !doomed.contains($0.name) }, removed: removed)
    }
}
