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
}
