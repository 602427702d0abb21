import Foundation

/// Room for the next backup, checked before pg_dump starts: below BACKUP_DISK_MIN_FREE_GB the
/// backup warns (and `disk.low` goes out); when the estimated size exceeds the free space it is
/// refused, because a dump that fills the disk fails late and may starve the database server
/// sharing that disk.
public struct DiskSpaceCheck: Sendable {
    /// How big the new backup will probably be, and why we think so.
    public struct Estimate: Sendable, Equatable {
        public let bytes: Int64
        /// Said in the refusal, so an operator can judge the number.
        public let source: String
    }

    public struct Outcome: Sendable {
        public let directory: URL
        public let freeBytes: Int64
        public let thresholdBytes: Int64
        public let estimate: Estimate?
        public var isLow: Bool { freeBytes < thresholdBytes }
        public var fits: Bool { estimate.map { $0.bytes <= freeBytes } ?? true }
    }

    public let directory: URL
    public let thresholdBytes: Int64

    public init(directory: URL, thresholdBytes: Int64) {
        self.directory = directory
        self.thresholdBytes = thresholdBytes
    }

    /// BACKUP_DIR and BACKUP_DISK_MIN_FREE_GB (decimal gigabytes: 0.5 is 500 MB).
    public init(configuration: LifeboatConfiguration) throws {
        let bytes = (try configuration.decimal(.diskMinFreeGB) ?? 10) * ByteSize.gigabyte
        self.init(
            directory: configuration.backupDirectory,
            thresholdBytes: bytes >= Double(Int64.max) ? .max : Int64(bytes.rounded()))
    }

    /// The size of the newest backup of this type (its manifest's `file_bytes`, else the file's
    /// size); failing that, of the newest backup of any type written the same way (compressed
    /// or not); failing that, the database's on-disk size, which overstates a compressed dump
    /// but is all there is before the first backup.
    public static func estimate(type: BackupType, compressed: Bool, in directory: URL, databaseSize: Int64?)
        -> Estimate?
    {
        let entries = (try? BackupInventory.scan(directory).current()) ?? []  // see BackupClock
        func size(_ entry: BackupInventory.Entry) -> (Int64, String) {
            if let bytes = entry.manifest?.fileBytes { return (bytes, "file_bytes in the manifest of") }
            return (entry.size, "the size of")
        }
        if let newest = entries.first(where: { $0.name.type == type }) {
            let (bytes, how) = size(newest)
            return Estimate(bytes: bytes, source: "\(how) the newest \(type.rawValue) backup, \(newest.name.fileName)")
        }
        if let similar = entries.first(where: { $0.name.compressed == compressed }) {
            let (bytes, how) = size(similar)
            return Estimate(
                bytes: bytes,
                source: "\(how) the newest backup (no \(type.rawValue) backup yet), \(similar.name.fileName)")
        }
        return databaseSize.map {
            Estimate(
                bytes: $0,
                source: "the database's size on disk (pg_database_size), as there is no earlier backup in the folder")
        }
    }

    public func assess(estimate: Estimate?) throws -> Outcome {
        Outcome(
            directory: directory, freeBytes: try DiskSpace.freeBytes(at: directory), thresholdBytes: thresholdBytes,
            estimate: estimate)
    }

    public static func warning(_ outcome: Outcome) -> String {
        "low disk space: \(outcome.directory.path) has \(ByteSize.decimal(outcome.freeBytes)) free, below BACKUP_DISK_MIN_FREE_GB "
            + "(\(ByteSize.decimal(outcome.thresholdBytes))); prune old backups or free space before the disk fills"
    }

    /// The error that stops a backup which would not fit.
    public static func refusal(_ outcome: Outcome, type: BackupType) -> LifeboatError? {
        guard let estimate = outcome.estimate, !outcome.fits else { return nil }
        return LifeboatError(
            stage: "disk space",
            message:
                "not enough room in \(outcome.directory.path) for a \(type.rawValue) backup: \(ByteSize.decimal(outcome.freeBytes)) free, "
                + "about \(ByteSize.decimal(estimate.bytes)) needed (estimated from \(estimate.source)); pg_dump was not started",
            hint:
                "free space on that filesystem (`lifeboat prune` removes backups beyond retention), or point BACKUP_DIR at a larger volume; "
                + "if the estimate is wrong, `lifeboat backup --skip-disk-check` starts anyway (a full disk still fails cleanly)"
        )
    }
}
