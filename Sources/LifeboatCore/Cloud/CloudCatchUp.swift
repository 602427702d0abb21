import Foundation
import LifeboatCloud

/// `lifeboat sync`: after an outage of the store, uploads the local backups and manifests the
/// bucket lacks or holds differently (the seed's manual `aws s3 sync` step). Only finished
/// backups are candidates: the inventory sees files whose names parse, never the hidden
/// `.NAME.partial` of a backup still being written or abandoned.
public struct CloudCatchUp {
    public let sync: CloudSync
    /// The retention applied to the bucket afterwards; nil leaves the bucket as it is.
    public let policy: RetentionPolicy?

    public init(sync: CloudSync, policy: RetentionPolicy?) {
        self.sync = sync
        self.policy = policy
    }

    /// One local backup to upload, with why.
    public struct Item: Sendable, Codable, Equatable {
        public let name: String
        public let path: String
        /// The bytes that go up (backup and manifest as planned).
        public let bytes: Int64
        /// "missing in the bucket", "size differs", "sha256 differs", "manifest missing in the bucket", ...
        public let reason: String
        /// False when only the manifest goes up: the bucket already holds this backup.
        public let backup: Bool
        public let manifest: Bool
    }

    public struct Plan: Sendable {
        /// Newest first: after a long outage the most recent backup is the one to get off-site first.
        public var uploads: [Item] = []
        /// Local backups left out because retention would delete them from the bucket right away.
        public var beyondRetention: [String] = []
        /// Local backups the bucket already holds as they are here.
        public var inSync: [String] = []
        /// The backups the bucket will hold once the uploads are done, for a dry run's prune plan.
        public var pending: [BackupName] = []
    }

    /// Compares `inventory` with the bucket. Reads the remote manifest of each backup whose
    /// size matches, as sizes alone cannot tell two dumps apart.
    public func plan(_ inventory: BackupInventory) throws -> Plan {
        let remote = Dictionary(
            try sync.remoteBackups().map { ($0.name.fileName, $0) }, uniquingKeysWith: { first, _ in first })
        var plan = Plan()
        var candidates: [(BackupInventory.Entry, Item)] = []
        for entry in inventory.entries {
            // A manifest that cannot be read here must not go up and spoil `fetch` there.
            let hasManifest = entry.manifest != nil
            let manifestBytes = hasManifest ? Self.size(of: entry.manifestPath) : 0
            func item(_ reason: String, backup: Bool = true) -> Item {
                Item(
                    name: entry.name.fileName, path: entry.path.path, bytes: (backup ? entry.size : 0) + manifestBytes,
                    reason: reason, backup: backup, manifest: hasManifest)
            }
            guard let there = remote[entry.name.fileName] else {
                candidates.append((entry, item("missing in the bucket")))
                continue
            }
            if there.object.size != entry.size {
                candidates.append(
                    (entry, item("size differs (\(there.object.size) bytes in the bucket, \(entry.size) here)")))
                continue
            }
            guard let local = entry.manifest else {
                plan.inSync.append(entry.name.fileName)  // no manifest: the size is all there is to compare
                continue
            }
            guard there.hasManifest else {
                candidates.append((entry, item("manifest missing in the bucket", backup: false)))
                continue
            }
            guard let theirs = try sync.remoteManifest(of: entry.name.fileName) else {
                candidates.append((entry, item("the manifest in the bucket cannot be read")))
                continue
            }
            if theirs.sha256 != local.sha256 {
                candidates.append(
                    (
                        entry,
                        item(
                            "sha256 differs (\(theirs.sha256.prefix(12))… in the bucket, \(local.sha256.prefix(12))… here)"
                        )
                    ))
            } else {
                plan.inSync.append(entry.name.fileName)
            }
        }
        var names = Set(remote.values.map(\.name))
        for (entry, _) in candidates { names.insert(entry.name) }
        let doomed = Set(policy?.plan(Array(names)).remove ?? [])
        for (entry, item) in candidates {
            if doomed.contains(entry.name) {
                plan.beyondRetention.append(entry.name.fileName)
            } else {
                plan.uploads.append(item)
                plan.pending.append(entry.name)
            }
        }
        return plan
    }

    /// Uploads one planned item: the backup, then its signature, then its manifest (so that a
    /// manifest in the bucket always has its backup and signature). Returns the keys written.
    public func upload(_ item: Item) throws -> [String] {
        let file = URL(fileURLWithPath: item.path)
        var keys: [String] = []
        if item.backup { keys.append(try sync.uploadFile(file).key) }
        let signature = BackupSigner.signatureURL(for: file)
        if item.manifest && FileManager.default.fileExists(atPath: signature.path) {
            keys.append(try sync.uploadFile(signature).key)
        }
        if item.manifest { keys.append(try sync.uploadFile(URL(fileURLWithPath: item.path + ".manifest.json")).key) }
        return keys
    }

    static func size(of url: URL) -> Int64 {
        ((try? FileManager.default.attributesOfItem(atPath: url.path))?[.size] as? NSNumber)?.int64Value ?? 0
    }
}
