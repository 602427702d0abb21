import Foundation

/// What BACKUP_DIR will hold once every type has as many backups as retention keeps (SPEC §6:
/// average size × retention count per type), against the room there is for it: the free
/// space plus what the backups there take now, since they are part of that footprint and
/// pruning frees them. It answers "will the disk fill before retention stops the growth?"
/// before the disk does. Pure: computed from the inventory's sizes, so it is unit-tested.
public struct RetentionFootprint: Sendable, Equatable, Encodable {
    public struct Share: Sendable, Equatable, Encodable {
        public let type: BackupType
        /// Backups of this type in the folder now, and their bytes on disk.
        public let count: Int
        public let currentBytes: Int64
        /// The average backup of this type; nil when there is nothing to average.
        public let averageBytes: Int64?
        /// Where the average comes from: `this type`, `all backups` (a scheduled type with
        /// no backup yet) or `none`.
        public let averageSource: String
        /// The retention count; nil keeps every backup (manual by default).
        public let retention: Int?
        /// average × retention; for a type that keeps everything, what it takes now (it
        /// grows only by hand); nil when unknown.
        public let projectedBytes: Int64?
    }

    public let shares: [Share]
    public let currentBytes: Int64
    /// The sum of the shares; nil when some share is unknown (no backup at all yet).
    public let projectedBytes: Int64?
    /// Free space plus the current backups; nil when the free space could not be read.
    public let availableBytes: Int64?
    /// Space left when the footprint is reached (negative: it does not fit); nil when unknown.
    public let headroomBytes: Int64?
    public let fits: Bool?

    /// `scheduled` are the types the scheduler makes: one without a backup yet is projected
    /// with the average of all backups (the same database, so about the same size); any other
    /// type without a backup (manual) counts as none, since only a person makes them.
    public init(
        entries: [BackupInventory.Entry], retention: RetentionPolicy, scheduled: Set<BackupType>, freeBytes: Int64?
    ) {
        let totalBytes = entries.reduce(Int64(0)) { $0 + $1.size }
        let overallAverage = entries.isEmpty ? nil : totalBytes / Int64(entries.count)
        shares = BackupType.allCases.map { type in
            let ofType = entries.filter { $0.name.type == type }
            let current = ofType.reduce(Int64(0)) { $0 + $1.size }
            let limit = retention.limits[type] ?? nil
            var average: Int64?
            var source = "none"
            if !ofType.isEmpty {
                average = current / Int64(ofType.count)
                source = "this type"
            } else if scheduled.contains(type), let overallAverage {
                average = overallAverage
                source = "all backups"
            }
            let projected: Int64?
            if let limit {
                projected = ofType.isEmpty && !scheduled.contains(type) ? 0 : average.map { Self.product($0, limit) }
            } else {
                projected = current
            }
            return Share(
                type: type, count: ofType.count, currentBytes: current, averageBytes: average,
                averageSource: source, retention: limit, projectedBytes: projected)
        }
        currentBytes = totalBytes
        projectedBytes = shares.reduce(Int64?(0)) { sum, share in
            guard let sum, let bytes = share.projectedBytes else { return nil }
            return Self.sum(sum, bytes)
        }
        availableBytes = freeBytes.map { Self.sum($0, totalBytes) }
        if let projectedBytes, let availableBytes {
            headroomBytes =
                availableBytes.subtractingReportingOverflow(projectedBytes).overflow
                ? .min : availableBytes - projectedBytes
        } else {
            headroomBytes = nil
        }
        fits = headroomBytes.map { $0 >= 0 }
    }

    private static func product(_ bytes: Int64, _ count: Int) -> Int64 {
        let (value, overflow) = bytes.multipliedReportingOverflow(by: Int64(count))
        return overflow ? .max : value
    }

    private static func sum(_ a: Int64, _ b: Int64) -> Int64 {
        let (value, overflow) = a.addingReportingOverflow(b)
        return overflow ? .max : value
    }
}
