import Foundation

/// A new backup whose size is far from the recent backups of its type. A dump much smaller
/// than usual is the classic sign of a backup of the wrong database, or of data that was lost
/// before the backup ran; a much larger one, of a runaway table. Either deserves a look, but the
/// backup itself is fine as far as anyone can tell, so this warns (and emits
/// `backup.size_anomaly`); it never fails the backup.
public struct SizeAnomaly: Sendable, Equatable {
    public enum Direction: String, Sendable {
        case smaller, larger
    }

    /// What is compared. The manifest's `dump_bytes` (the plain SQL) does not change with
    /// compression or encryption, so every earlier backup with a manifest can serve; without
    /// manifests only file sizes are left, which compare only between files encoded the same way.
    public enum Measure: String, Sendable {
        case dumpBytes = "dump_bytes"
        case fileBytes = "file_bytes"
    }

    public let file: String
    public let type: BackupType
    public let database: String
    public let measure: Measure
    /// This backup's size, in `measure`.
    public let bytes: Int64
    /// Median of the earlier backups compared with, rounded to a byte.
    public let median: Int64
    /// The earlier backups compared with, newest first (their count is the window used).
    public let compared: [String]
    /// BACKUP_SIZE_ANOMALY_BAND, percent.
    public let bandPercent: Double
    public let low: Int64
    public let high: Int64
    public let direction: Direction
    /// Databases of the earlier backups other than this one's: a wrong DATABASE_URL shows here.
    public let otherDatabases: [String]

    /// Fewer earlier backups than this say too little about what is normal: no judgement.
    public static let minimumHistory = 3

    // MARK: the arithmetic

    /// The median: the middle value, or the mean of the two middle ones.
    public static func median(_ values: [Int64]) -> Double {
        precondition(!values.isEmpty, "the median of nothing")
        let sorted = values.sorted()
        let middle = sorted.count / 2
        return sorted.count % 2 == 1
            ? Double(sorted[middle]) : (Double(sorted[middle - 1]) + Double(sorted[middle])) / 2
    }

    /// The sizes that pass: median × (1 − band) to median × (1 + band), bounds included.
    public static func bounds(median: Double, bandPercent: Double) -> ClosedRange<Double> {
        median * (1 - bandPercent / 100)...median * (1 + bandPercent / 100)
    }

    /// nil inside the band.
    public static func direction(of bytes: Int64, median: Double, bandPercent: Double) -> Direction? {
        let band = bounds(median: median, bandPercent: bandPercent)
        if Double(bytes) < band.lowerBound { return .smaller }
        if Double(bytes) > band.upperBound { return .larger }
        return nil
    }

    // MARK: judging a backup against its folder

    /// Judges `manifest` (the new backup, named `name`) against the earlier backups of its type
    /// in `entries`: the newest `settings.window` with a manifest (by `dump_bytes`), or, when
    /// fewer than three have one, the newest encoded like it (by file size). nil when the size
    /// is inside the band, or when there are too few earlier backups to say.
    public static func assess(
        _ manifest: BackupManifest, name: BackupName, among entries: [BackupInventory.Entry],
        settings: Settings
    ) -> SizeAnomaly? {
        guard settings.isEnabled else { return nil }
        // Older than this one, of its type; empty files are the failures this check looks for,
        // not a measure of what is normal.
        let earlier = entries.filter { $0.name.type == name.type && $0.name < name && $0.size > 0 }
            .sorted { $0.name > $1.name }
        let byDump = earlier.filter { $0.manifest != nil }.prefix(settings.window)
        let measure: Measure
        let history: [(String, Int64, String?)]
        let bytes: Int64
        if byDump.count >= minimumHistory {
            measure = .dumpBytes
            history = byDump.map { ($0.name.fileName, $0.manifest!.dumpBytes, $0.manifest!.database) }
            bytes = manifest.dumpBytes
        } else {
            let alike = earlier.filter { $0.name.compressed == name.compressed && $0.name.encrypted == name.encrypted }
                .prefix(settings.window)
            guard alike.count >= minimumHistory else { return nil }
            measure = .fileBytes
            history = alike.map { ($0.name.fileName, $0.manifest?.fileBytes ?? $0.size, $0.manifest?.database) }
            bytes = manifest.fileBytes
        }
        let median = Self.median(history.map(\.1))
        guard let direction = direction(of: bytes, median: median, bandPercent: settings.bandPercent) else {
            return nil
        }
        let band = bounds(median: median, bandPercent: settings.bandPercent)
        let others = Set(history.compactMap(\.2)).subtracting([manifest.database]).sorted()
        return SizeAnomaly(
            file: name.fileName, type: name.type, database: manifest.database, measure: measure, bytes: bytes,
            median: Int64(median.rounded()), compared: history.map(\.0), bandPercent: settings.bandPercent,
            low: Int64(band.lowerBound.rounded()), high: Int64(band.upperBound.rounded()),
            direction: direction, otherDatabases: others)
    }

    // MARK: telling people

    /// "96% smaller", "210% larger". Anything left is never "100% smaller".
    public var difference: String {
        let percent = median == 0 ? 100 : Int((abs(Double(bytes) / Double(median) - 1) * 100).rounded())
        return "\(direction == .smaller && bytes > 0 ? min(percent, 99) : percent)% \(direction.rawValue)"
    }

    /// The stderr warning: the figures, then what to check.
    public var warning: String {
        let what = measure == .dumpBytes ? "\(ByteSize.decimal(bytes)) of SQL" : "\(ByteSize.decimal(bytes))"
        var text =
            "backup size anomaly: \(file) is \(what), \(difference) than the median of the last \(compared.count) "
            + "\(type.rawValue) backups (\(ByteSize.decimal(median))); the band is ±\(Self.percent(bandPercent)) "
            + "(\(ByteSize.decimal(low)) to \(ByteSize.decimal(high)), BACKUP_SIZE_ANOMALY_BAND). "
        if !otherDatabases.isEmpty {
            text +=
                "This backup is of database '\(database)', earlier ones of '\(otherDatabases.joined(separator: "', '"))'. "
        }
        switch direction {
        case .smaller:
            text +=
                "Check that DATABASE_URL points at the right database and that no data was lost "
                + "(compare the table row counts in the manifests); the backup was kept"
        case .larger:
            text += "Check which tables grew (compare the table row counts in the manifests); the backup was kept"
        }
        return text
    }

    static func percent(_ value: Double) -> String {
        value == value.rounded() ? "\(Int(value))%" : "\(value)%"
    }
}
