import Foundation
import LifeboatPostgres

/// After a table restore, each sequence owned by one of the table's columns (serial and
/// identity alike) is set to the largest of: its live value, its value in the backup, and the
/// column's largest value. A sequence never goes backwards: ids the application handed out
/// after the backup are never handed out again, even for rows the restore removed.
enum SequenceFloor {
    struct Moved: Sendable, Equatable {
        let sequence: String
        let value: Int64
    }

    static func raise(for table: RestoredTable, live: Connection, backup: Connection) throws -> [Moved] {
        let owned = try live.query(
            """
            SELECT s.oid::regclass::text, quote_ident(a.attname) FROM pg_depend d
            JOIN pg_class s ON s.oid = d.objid AND s.relkind = 'S'
            JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
            WHERE d.classid = 'pg_class'::regclass AND d.refclassid = 'pg_class'::regclass AND d.refobjid = $1::regclass
              AND d.deptype IN ('a', 'i')
            """, [table.qualified]
        ).rows
        var moved: [Moved] = []
        for row in owned {
            guard let sequence = row[0], let column = row[1] else { continue }
            let liveValue = try used(sequence, on: live)
            let backupValue = try? used(sequence, on: backup)
            let largest = try live.query("SELECT max(\(column))::bigint FROM \(table.rows)").scalar.flatMap {
                Int64($0)
            }
            guard let floor = [liveValue, backupValue ?? nil, largest].compactMap({ $0 }).max() else { continue }
            try live.query("SELECT setval($1::regclass, $2::bigint, true)", [sequence, String(floor)])
            moved.append(Moved(sequence: sequence, value: floor))
        }
        return moved
    }

    /// The last value the sequence handed out, or nil before its first `nextval`.
    private static func used(_ sequence: String, on connection: Connection) throws -> Int64? {
        let row = try connection.query("SELECT last_value, is_called FROM \(sequence)").rows.first
        guard let row, row[1] == "t", let value = row[0] else { return nil }
        return Int64(value)
    }
}
