import Foundation
import LifeboatStreams

/// Refuses a dump that holds no data, judged by what the dump really contains (the row counts
/// of its COPY blocks, taken as it streamed), before the file gets its name. Such a backup
/// restores to nothing: it almost always means DATABASE_URL names the wrong (or a freshly
/// created) database, and kept as a backup it would push a good one out of retention.
public enum EmptyDumpCheck {
    /// The error for an empty dump, or nil when it holds data. A zero-byte dump is refused even
    /// when `allowEmpty` is set: pg_dump always writes its header, so nothing at all is a failure.
    public static func problem(
        tables: [RowCountTap.TableCount], dumpBytes: Int64, database: String,
        allowEmpty: Bool
    ) -> LifeboatError? {
        let named = "database \"\(database)\""
        if dumpBytes == 0 {
            return LifeboatError(
                stage: "empty dump",
                message: "pg_dump wrote nothing (0 bytes) for \(named); no backup was kept",
                hint: "run pg_dump by hand against the same DATABASE_URL to see what it says, and check that the disk "
                    + "and pg_dump itself are sound (see \"backup file size is 0\" in docs/troubleshooting.md)")
        }
        guard !allowEmpty else { return nil }
        let why: String
        if tables.isEmpty {
            why = "it has no tables (pg_dump wrote \(ByteSize.decimal(dumpBytes)) of schema only)"
        } else if tables.allSatisfy({ $0.rows == 0 }) {
            why = tables.count == 1 ? "its one table has no rows" : "none of its \(tables.count) tables has a row"
        } else {
            return nil
        }
        return LifeboatError(
            stage: "empty dump",
            message: "the dump of \(named) holds no table data: \(why); no backup was kept",
            hint: "check that DATABASE_URL points at the database you mean to protect (`lifeboat config` shows it, "
                + "`psql \"$DATABASE_URL\" -c '\\dt+'` lists its tables); if it is empty on purpose, "
                + "run `lifeboat backup --allow-empty` (or set BACKUP_ALLOW_EMPTY=true)")
    }
}
