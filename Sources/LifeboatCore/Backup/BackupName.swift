import Foundation

/// A backup's file name, `backup_{type}_{YYYYMMDDTHHMMSSZ}.sql[.gz][.gpg]`, parsed and built.
/// Only names that parse are ever treated as backups: listing and pruning ignore everything else.
public struct BackupName: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let type: BackupType
    /// The start of the backup, UTC, whole seconds.
    public let timestamp: Date
    public let compressed: Bool
    public let encrypted: Bool
    /// True for the seed's date-only names (`backup_daily_20250118.sql.gz`), taken as 00:00Z.
    public let dateOnly: Bool

    public init(type: BackupType, timestamp: Date, compressed: Bool, encrypted: Bool) {
        self.type = type
        self.timestamp = Date(timeIntervalSince1970: floor(timestamp.timeIntervalSince1970))
        self.compressed = compressed
        self.encrypted = encrypted
        self.dateOnly = false
    }

    private init(type: BackupType, timestamp: Date, compressed: Bool, encrypted: Bool, dateOnly: Bool) {
        self.type = type
        self.timestamp = timestamp
        self.compressed = compressed
        self.encrypted = encrypted
        self.dateOnly = dateOnly
    }

    public var fileName: String {
        let stamp = dateOnly ? Self.format(timestamp).prefix(8).description : Self.format(timestamp)
        return "backup_\(type.rawValue)_\(stamp).sql" + (compressed ? ".gz" : "") + (encrypted ? ".gpg" : "")
    }

    public var manifestName: String { fileName + ".manifest.json" }
    public var description: String { fileName }

    /// Newest first when sorted descending; ties (same second) fall back to the name.
    public static func < (lhs: BackupName, rhs: BackupName) -> Bool {
        (lhs.timestamp, lhs.fileName) < (rhs.timestamp, rhs.fileName)
    }

    public init?(fileName: String) {
        let suffixes: [(String, Bool, Bool)] = [
            (".sql.gz.gpg", true, true), (".sql.gpg", false, true), (".sql.gz", true, false), (".sql", false, false)
        ]
        guard fileName.hasPrefix("backup_"),
            let (suffix, compressed, encrypted) = suffixes.first(where: { fileName.hasSuffix($0.0) })
        else { return nil }
        let core = fileName.dropFirst("backup_".count).dropLast(suffix.count)
        let parts = core.split(separator: "_", omittingEmptySubsequences: false)
        guard parts.count == 2, let type = BackupType(rawValue: String(parts[0])) else { return nil }
        let stamp = String(parts[1])
        if stamp.count == 8, let date = Self.parse(stamp + "T000000Z") {
            self.init(type: type, timestamp: date, compressed: compressed, encrypted: encrypted, dateOnly: true)
        } else if let date = Self.parse(stamp) {
            self.init(type: type, timestamp: date, compressed: compressed, encrypted: encrypted, dateOnly: false)
        } else {
            return nil
        }
    }

    /// `YYYYMMDDTHHMMSSZ` in UTC.
    public static func format(_ date: Date) -> String {
        let c = utc.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        return String(format: "%04d%02d%02dT%02d%02d%02dZ", c.year!, c.month!, c.day!, c.hour!, c.minute!, c.second!)
    }

    static func parse(_ stamp: String) -> Date? {
        let bytes = Array(stamp.utf8)
        guard bytes.count == 16, bytes[8] == UInt8(ascii: "T"), bytes[15] == UInt8(ascii: "Z") else { return nil }
        func number(_ range: Range<Int>) -> Int? {
            guard bytes[range].allSatisfy({ $0 >= 48 && $0 <= 57 }) else { return nil }
            return Int(String(decoding: bytes[range], as: UTF8.self))
        }
        guard let year = number(0..<4), let month = number(4..<6), let day = number(6..<8),
            let hour = number(9..<11), let minute = number(11..<13), let second = number(13..<15),
            (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 60
        else { return nil }
        let components = DateComponents(year: year, month: month, day: day, hour: hour, minute: minute, second: second)
        guard let date = utc.date(from: components),
            utc.dateComponents([.day], from: date).day == day  // rejects 20250231
        else { return nil }
        return date
    }

    static let utc: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar
    }()
}
