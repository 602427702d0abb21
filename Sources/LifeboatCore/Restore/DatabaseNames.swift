import Foundation

/// Names of the databases a restore makes, within PostgreSQL's 63-byte identifier limit.
enum DatabaseNames {
    static func stamp(_ date: Date) -> String { BackupName.format(date).lowercased() }

    /// `<database>_<role>_<stamp>`, shortening the database part if the whole would not fit.
    static func derived(_ database: String, _ role: String, _ date: Date) -> String {
        let suffix = "_\(role)_\(stamp(date))"
        var base = database
        while base.utf8.count + suffix.utf8.count > 63 { base.removeLast() }
        return base + suffix
    }

    /// Whether `name` is one `derived(database, role, _)` makes: a run's output naming a
    /// database to copy from is taken only when it is one of ours for this target.
    static func isDerived(_ name: String, from database: String, _ role: String) -> Bool {
        let example = derived(database, role, Date(timeIntervalSince1970: 0))
        let stampLength = stamp(Date(timeIntervalSince1970: 0)).utf8.count
        guard name.utf8.count == example.utf8.count, name.hasPrefix(String(example.dropLast(stampLength))) else {
            return false
        }
        return name.suffix(stampLength).allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber) }
    }
}
