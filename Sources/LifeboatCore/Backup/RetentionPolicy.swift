/// Tiered retention: for each type keep the newest N backups; a type with no limit keeps all.
/// Pure: it decides from names alone, so it is tested over synthetic years of files.
public struct RetentionPolicy: Sendable, Equatable {
    /// nil means "keep every backup of this type" (the default for manual backups).
    public var limits: [BackupType: Int?]

    public init(limits: [BackupType: Int?]) {
        self.limits = limits
    }

    public static let seedDefaults = RetentionPolicy(limits: [.daily: 7, .weekly: 4, .monthly: 12, .manual: nil])

    public struct Plan: Sendable, Equatable {
        public var keep: [BackupName]
        public var remove: [BackupName]
    }

    /// Splits `backups` into those kept and those to remove, newest first within each type.
    public func plan(_ backups: [BackupName]) -> Plan {
        var plan = Plan(keep: [], remove: [])
        for type in BackupType.allCases {
            let ofType = backups.filter { $0.type == type }.sorted(by: >)
            guard let limit = limits[type] ?? nil else {
                plan.keep += ofType
                continue
            }
            plan.keep += ofType.prefix(limit)
            plan.remove += ofType.dropFirst(limit)
        }
        return plan
    }
}
