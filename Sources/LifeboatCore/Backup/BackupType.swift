/// The four kinds of backup the seed schedules; each has its own retention count.
public enum BackupType: String, CaseIterable, Sendable, Codable, Comparable {
    case daily, weekly, monthly, manual

    public static func < (lhs: BackupType, rhs: BackupType) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}
