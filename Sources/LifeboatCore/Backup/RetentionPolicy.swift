import Foundation

/// Tiered retention: for each type keep the newest N backups; a type with no limit keeps all.
/// Pure: it decides from names and the given time alone, so it is tested over synthetic years of files.
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
        /// Named more than an hour ahead of `now`: kept, but they take no slot, so a planted
        /// far-future name cannot push real backups out (see `BackupClock`).
        public var ahead: [BackupName] = []
    }

    /// Splits `backups` into those kept and those to remove, newest first within each type.
    public func plan(_ backups: [BackupName], now: Date = Date()) -> Plan {
        var plan = Plan(keep: [], remove: [])
        plan.ahead = backups.filter { $0.isAhead(of: now) }.sorted(by: >)
        plan.keep = plan.ahead
        for type in BackupType.allCases {
            let ofType = backups.filter { $0.type == type && !$0.isAhead(of: now) }.sorted(by: >)
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
