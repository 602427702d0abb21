import Foundation
import LifeboatPostgres

/// Copies named tables from a restored scratch database back into the live one, in a single
/// transaction: all tables come back, or none do. Rows stream through COPY, never held whole.
struct TableCopier {
    let configuration: LifeboatConfiguration

    func copy(_ tables: [String], from scratch: String, to target: String) throws {
        let source = try connect(scratch)
        let live = try connect(target)
        defer {
            source.close()
            live.close()
        }
        let resolved = try tables.map { name -> (qualified: String, display: String) in
            guard let row = try resolve(name, in: source), let schema = row[0], let table = row[1] else {
                throw LifeboatError(stage: "restore", message: "table \(name) is not in this backup",
                                    hint: "name a table the backup holds (its .manifest.json lists them)", category: .configuration)
            }
            return ("\(Connection.quoteIdentifier(schema)).\(Connection.quoteIdentifier(table))", "\(schema).\(table)")
        }
        do {
            try live.query("BEGIN")
            // Foreign keys from other tables would refuse the DELETE of rows that come straight
            // back; replica mode defers to the restored data, as pg_restore --disable-triggers does.
            try live.query("SET LOCAL session_replication_role = replica")
            for table in resolved {
                let columns = try live.query("""
                    SELECT string_agg(quote_ident(attname), ', ' ORDER BY attnum) FROM pg_attribute
                    WHERE attrelid = $1::regclass AND attnum > 0 AND NOT attisdropped AND attgenerated = ''
                    """, [table.qualified]).scalar ?? ""
                guard !columns.isEmpty else {
                    throw LifeboatError(stage: "restore", message: "table \(table.display) does not exist in \(target)",
                                        hint: "a table-level restore puts rows back into an existing table; use a full restore")
                }
                try live.query("DELETE FROM \(table.qualified)")
                try live.beginCopyIn("COPY \(table.qualified) (\(columns)) FROM STDIN")
                do {
                    try source.copyOut("COPY (SELECT \(columns) FROM \(table.qualified)) TO STDOUT") { try live.putCopyData($0) }
                    try live.endCopy()
                } catch {
                    try? live.endCopy(failure: "lifeboat: copy failed")
                    throw error
                }
                try resetSequences(of: table.qualified, on: live)
            }
            try live.query("COMMIT")
        } catch {
            _ = try? live.query("ROLLBACK")
            throw LifeboatError.wrap(error, stage: "table restore")
        }
    }

    /// The table a `--table` name means. Names are matched literally first, as the manifest
    /// writes them (`Order Items`, `public.drop table x;--`, `My Schema.T t`), so a name that
    /// needs quoting is never parsed as SQL; only then as SQL (`public."Order Items"`), where a
    /// name that does not parse means no table rather than an error.
    private func resolve(_ name: String, in source: Connection) throws -> [String?]? {
        do {
            let literal = try source.query("""
                SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                WHERE c.relkind IN ('r', 'p') AND (n.nspname || '.' || c.relname = $1 OR c.relname = $1)
                ORDER BY n.nspname || '.' || c.relname = $1 DESC, pg_table_is_visible(c.oid) DESC, n.nspname LIMIT 1
                """, [name]).rows.first
            if let literal { return literal }
        } catch {
            throw LifeboatError.wrap(error, stage: "table restore")
        }
        return try? source.query("""
            SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE c.oid = to_regclass($1) AND c.relkind IN ('r', 'p')
            """, [name]).rows.first
    }

    /// Moves each sequence owned by a column of `table` past the column's largest value, so
    /// new rows never collide with restored ones.
    private func resetSequences(of table: String, on connection: Connection) throws {
        let owned = try connection.query("""
            SELECT s.oid::regclass::text, quote_ident(a.attname) FROM pg_depend d
            JOIN pg_class s ON s.oid = d.objid AND s.relkind = 'S'
            JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
            WHERE d.classid = 'pg_class'::regclass AND d.refclassid = 'pg_class'::regclass AND d.refobjid = $1::regclass
            """, [table]).rows
        for row in owned {
            guard let sequence = row[0], let column = row[1] else { continue }
            try connection.query("SELECT setval($1::regclass, COALESCE(max(\(column)), 1), max(\(column)) IS NOT NULL) FROM \(table)", [sequence])
        }
    }

    private func connect(_ database: String) throws -> Connection {
        do { return try Connection(configuration.databaseURL ?? "", database: database) }
        catch { throw LifeboatError(connecting: error, target: database) }
    }
}
