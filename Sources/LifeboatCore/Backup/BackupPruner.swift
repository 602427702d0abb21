import Foundation
import LifeboatStreams

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
        /// Hidden `.NAME.partial` files of backups that were killed before they finished
        /// (removed, or with `dryRun` the ones that would be).
        public var removedPartials: [String] = []
        /// Kept, and warned about: dated ahead of the clock, so they take no retention slot.
        public var ahead: [BackupInventory.Entry] = []
    }

    /// The partial files of killed backups in `directory`: only those named like a backup and
    /// written by a backup (a resumable `fetch`'s partial file is kept), whose writer is gone.
    public static func removeAbandonedPartials(in directory: URL, dryRun: Bool = false) -> [String] {
        AtomicFileSink.removeAbandonedPartials(in: directory, dryRun: dryRun) { BackupName(fileName: $0) != nil }
    }

    public func prune(_ directory: URL, dryRun: Bool) throws -> Outcome {
        let partials = Self.removeAbandonedPartials(in: directory, dryRun: dryRun)
        let inventory = try BackupInventory.scan(directory)
        // A time ahead of the clock in the name or the manifest takes no slot (see BackupClock).
        let now = Date()
        let plan = policy.plan(inventory.current(now: now).map(\.name), now: now)
        let doomed = Set(plan.remove)
        let removed = inventory.entries.filter { doomed.contains($0.name) }
        if !dryRun {
            for entry in removed {
                do {
                    try FileManager.default.removeItem(at: entry.path)
                } catch {
                    throw LifeboatError(
                        stage: "prune", message: "cannot delete \(entry.path.path): \(error.localizedDescription)",
                        hint: "check the permissions of BACKUP_DIR")
                }
                try? FileManager.default.removeItem(at: entry.manifestPath)
                try? FileManager.default.removeItem(at: BackupSigner.signatureURL(for: entry.path))
                try? FileManager.default.removeItem(at: VerificationRecord.url(for: entry.path))
            }
        }
        return Outcome(
            kept: inventory.entries.filter { !doomed.contains($0.name) }, removed: removed, removedPartials: partials,
            ahead: inventory.ahead(now: now))
    }
}
