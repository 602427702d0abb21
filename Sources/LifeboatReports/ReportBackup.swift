import Foundation

/// The backup a run restored from: the outputs of its `backup.select` step, plus where the
/// run fetched and decrypted it, so a report names exactly which bytes came back.
public struct ReportBackup: Codable, Sendable, Equatable {
    /// The `backup.select` step it came from.
    public var step: String
    public var name: String
    public var type: String?
    /// The backup's snapshot time (the time in its name): the data is as of this moment.
    public var snapshotAt: Date?
    public var bytes: Int64?
    public var sha256: String?
    /// "local" (BACKUP_DIR) or "cloud" (the bucket).
    public var source: String?
    /// The file in BACKUP_DIR, or the object key in the bucket.
    public var path: String?
    /// Where `cloud.fetch` downloaded it, and where `backup.decrypt` put the plaintext.
    public var fetchedPath: String?
    public var decryptedPath: String?

    enum CodingKeys: String, CodingKey {
        case step, name, type, snapshotAt = "snapshot_at", bytes, sha256, source, path
        case fetchedPath = "fetched_path", decryptedPath = "decrypted_path"
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(step, forKey: .step)
        try container.encode(name, forKey: .name)
        try container.encode(type, forKey: .type)
        try container.encode(snapshotAt, forKey: .snapshotAt)
        try container.encode(bytes, forKey: .bytes)
        try container.encode(sha256, forKey: .sha256)
        try container.encode(source, forKey: .source)
        try container.encode(path, forKey: .path)
        try container.encode(fetchedPath, forKey: .fetchedPath)
        try container.encode(decryptedPath, forKey: .decryptedPath)
    }
}
