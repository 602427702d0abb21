import Foundation
import LifeboatPostgres
import LifeboatStreams

/// Compares the per-table row counts a manifest promises with what a database holds.
/// Counts use `FROM ONLY`, matching pg_dump's COPY blocks, which hold each partition's rows
/// under the partition's name and none under the partitioned parent.
public struct RowCountValidator {
    public struct Mismatch: Sendable, Codable, Equatable, CustomStringConvertible {
        public let table: String
        public let expected: Int64
        /// nil when the table is missing.
        public let actual: Int64?
        public var description: String {
            actual.map { "\(table): expected \(expected) rows, found \($0)" }
                ?? "\(table): expected \(expected) rows, table missing"
        }
    }

    public static func compare(_ expected: [RowCountTap.TableCount], in connection: Connection) throws -> [Mismatch] {
        prepareForCounting(connection)
        var mismatches: [Mismatch] = []
        for table in expected {
            do {
                let found = try count(table, in: connection)
                if found != table.rows {
                    mismatches.append(Mismatch(table: table.qualifiedName, expected: table.rows, actual: found))
                }
            } catch  where error.sqlState == "42P01" {
                mismatches.append(Mismatch(table: table.qualifiedName, expected: table.rows, actual: nil))
            } catch {
                throw LifeboatError(
                    stage: "row counts", message: "counting \(table.qualifiedName) failed: \(error.message)")
            }
        }
        return mismatches
    }

    /// Turns JIT compilation off for this session: a `count(*)` of a large table crosses
    /// `jit_above_cost`, and compiling the scan cost 50-150 ms per table (measured on the 5
    /// million rows of pgbench at scale 50) for a scan that JIT does not make faster. Best
    /// effort: a server without JIT (before PostgreSQL 11) has no such setting.
    public static func prepareForCounting(_ connection: Connection) {
        _ = try? connection.query("SET jit = off")
    }

    /// The exact number of rows `table` holds itself (`FROM ONLY`, as its COPY block in a dump
    /// does); nil when no table has that name (a name that is not UTF-8), and SQLSTATE 42P01
    /// for one that is. `LiveDiff` counts with this too, so that diff and validation agree.
    public static func count(_ table: RowCountTap.TableCount, in connection: Connection) throws(PostgresError) -> Int64?
    {
        if table.schemaHex != nil || table.nameHex != nil { return try countByBytes(table, in: connection) }
        let qualified = "\(Connection.quoteIdentifier(table.schema)).\(Connection.quoteIdentifier(table.name))"
        return Int64(try connection.query("SELECT count(*) FROM ONLY \(qualified)").scalar ?? "") ?? -1
    }

    /// Counts a table whose name is not UTF-8. Such a name cannot travel in a query's text (ours
    /// is UTF-8), so the server finds the table by the name's bytes and counts it itself; nil
    /// when no table has that name.
    static func countByBytes(_ table: RowCountTap.TableCount, in connection: Connection) throws(PostgresError) -> Int64?
    {
        func hex(_ text: String) -> String { text.utf8.map { String(format: "%02x", $0) }.joined() }
        let rows = try connection.query(
            """
            SELECT (xpath('/row/c/text()', query_to_xml(format('SELECT count(*) AS c FROM ONLY %I.%I', n.nspname, c.relname),
                                                        false, true, '')))[1]::text
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE textsend(n.nspname::text) = decode($1, 'hex') AND textsend(c.relname::text) = decode($2, 'hex')
            """, [table.schemaHex ?? hex(table.schema), table.nameHex ?? hex(table.name)]
        ).rows
        return rows.first.map { Int64($0[0] ?? "") ?? -1 }
    }
}
