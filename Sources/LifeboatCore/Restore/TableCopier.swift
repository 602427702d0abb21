import Foundation
import LifeboatPostgres

/// Copies named tables from a restored scratch database back into the live one, in a single
/// transaction: all tables come back, or none do. Rows stream through COPY, never held whole.
///
/// Each table comes back exactly as the backup has it, and nothing else changes: statements
/// name a plain table `ONLY` (an inheritance parent never touches its children), triggers and
/// rules stay quiet (replica mode, and `ALWAYS` triggers disabled for the copy), row security
/// is off so a policy can never filter rows silently (a role it would apply to gets an error
/// instead), sequences never go backwards (`SequenceFloor`), and the foreign keys that the
/// quiet triggers did not enforce are counted afterwards (`ForeignKeyCheck`).
struct TableCopier {
    let configuration: LifeboatConfiguration
    /// Commit even when foreign keys between the restored tables and the rest are violated.
    var allowForeignKeyViolations = false
    /// Put the backup's large objects back too (`--large-objects`).
    var largeObjects = false
    /// Do everything, count the foreign keys, then roll back: what a runbook shows at the
    /// approval before the real copy (`restore.tables` with `rehearse`).
    var rehearse = false

    struct Outcome: Sendable {
        var tables: [String] = []
        var sequences: [SequenceFloor.Moved] = []
        /// Left in place only with `allowForeignKeyViolations`; otherwise they refuse the restore.
        var violations: [ForeignKeyCheck.Violation] = []
        /// nil unless large objects were asked for.
        var largeObjects: LargeObjectCopier.Outcome?
    }

    func copy(_ names: [String], from scratch: String, to target: String) throws -> Outcome {
        let source = try connect(scratch)
        let live = try connect(target)
        defer {
            source.close()
            live.close()
        }
        var outcome = Outcome()
        do {
            _ = try source.query("SET row_security = off")
            var tables: [RestoredTable] = []
            for name in names {
                let table = try RestoredTable.resolve(name, in: source)
                if !tables.contains(table) { tables.append(table) }
            }
            try live.query("BEGIN")
            // Foreign keys from other tables would refuse the DELETE of rows that come straight
            // back; replica mode defers to the restored data, as pg_restore --disable-triggers does.
            try live.query("SET LOCAL session_replication_role = replica")
            try live.query("SET LOCAL row_security = off")
            for table in tables {
                try copyRows(of: table, from: source, to: live, target: target)
                outcome.tables.append(table.display)
                outcome.sequences += try SequenceFloor.raise(for: table, live: live, backup: source)
            }
            if largeObjects { outcome.largeObjects = try LargeObjectCopier.copy(from: source, to: live) }
            outcome.violations = try ForeignKeyCheck.violations(touching: tables, on: live)
            if rehearse {
                try live.query("ROLLBACK")
                return outcome
            }
            if !outcome.violations.isEmpty && !allowForeignKeyViolations {
                throw LifeboatError(
                    stage: "table restore",
                    message: "the restored tables break foreign keys, so nothing was restored: "
                        + outcome.violations.map(\.summary).joined(separator: "; "),
                    hint: "restore the referenced tables too (another --table), or go on with --allow-fk-violations "
                        + "and repair those rows afterwards", category: .failed)
            }
            try live.query("COMMIT")
        } catch {
            _ = try? live.query("ROLLBACK")
            throw LifeboatError.wrap(error, stage: "table restore")
        }
        return outcome
    }

    private func copyRows(of table: RestoredTable, from source: Connection, to live: Connection, target: String) throws
    {
        let columns =
            try live.query(
                """
                SELECT string_agg(quote_ident(attname), ', ' ORDER BY attnum) FROM pg_attribute
                WHERE attrelid = to_regclass($1) AND attnum > 0 AND NOT attisdropped AND attgenerated = ''
                """, [table.qualified]
            ).scalar ?? ""
        guard !columns.isEmpty else {
            throw LifeboatError(
                stage: "restore", message: "table \(table.display) does not exist in \(target)",
                hint: "a table-level restore puts rows back into an existing table; use a full restore")
        }
        // Replica mode silences ordinary triggers; those enabled ALWAYS must be silenced by name.
        let always = try live.query(
            """
            SELECT quote_ident(tgname) FROM pg_trigger
            WHERE tgrelid = $1::regclass AND tgenabled = 'A' AND NOT tgisinternal AND tgparentid = 0
            """, [table.qualified]
        ).rows.compactMap { $0[0] }
        for trigger in always { try live.query("ALTER TABLE \(table.qualified) DISABLE TRIGGER \(trigger)") }
        try live.query("DELETE FROM \(table.rows)")
        try live.beginCopyIn("COPY \(table.qualified) (\(columns)) FROM STDIN")
        do {
            try source.copyOut("COPY (SELECT \(columns) FROM \(table.rows)) TO STDOUT") { try live.putCopyData($0) }
            try live.endCopy()
        } catch {
            try? live.endCopy(failure: "lifeboat: copy failed")
            throw error
        }
        for trigger in always { try live.query("ALTER TABLE \(table.qualified) ENABLE ALWAYS TRIGGER \(trigger)") }
    }

    private func connect(_ database: String) throws -> Connection {
        do { return try Connection(configuration.databaseURL ?? "", database: database) } catch {
            throw LifeboatError(connecting: error, target: database)
        }
    }
}
