import Foundation
import LifeboatPostgres

/// A table restore runs with triggers off (as `pg_restore --disable-triggers` does), so the
/// foreign keys between the restored tables and the rest are not enforced while rows come
/// back. This check runs afterwards, inside the same transaction: every foreign key that
/// starts or ends at a restored table (or one of its partitions) is counted for rows that
/// point at nothing, with the constraint's own MATCH rule.
public enum ForeignKeyCheck {
    public struct Violation: Sendable, Equatable, Codable {
        /// `schema.table.constraint`.
        public let constraint: String
        public let table: String
        public let references: String
        public let rows: Int64

        public var summary: String {
            "\(constraint): \(rows) row\(rows == 1 ? "" : "s") of \(table) point at no row of \(references)"
        }
    }

    static func violations(touching tables: [RestoredTable], on connection: Connection) throws -> [Violation] {
        let relations = try tables.flatMap { try $0.relations(on: connection) }
        guard !relations.isEmpty else { return [] }
        // Constraints cloned onto partitions (conparentid <> 0) are checked through their parent.
        let constraints = try connection.query(
            """
            SELECT c.conname, c.conrelid::regclass::text, c.confrelid::regclass::text,
                   r.relkind = 'p', f.relkind = 'p', c.confmatchtype,
                   (SELECT string_agg(quote_ident(attname), ',' ORDER BY k.i) FROM unnest(c.conkey) WITH ORDINALITY k(n, i)
                      JOIN pg_attribute ON attrelid = c.conrelid AND attnum = k.n),
                   (SELECT string_agg(quote_ident(attname), ',' ORDER BY k.i) FROM unnest(c.confkey) WITH ORDINALITY k(n, i)
                      JOIN pg_attribute ON attrelid = c.confrelid AND attnum = k.n)
            FROM pg_constraint c JOIN pg_class r ON r.oid = c.conrelid JOIN pg_class f ON f.oid = c.confrelid
            WHERE c.contype = 'f' AND c.conparentid = 0
              AND (c.conrelid = ANY($1::regclass[]) OR c.confrelid = ANY($1::regclass[]))
            ORDER BY 2, 1
            """,
            [
                "{"
                    + relations.map {
                        "\""
                            + $0.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(
                                of: "\"", with: "\\\"") + "\""
                    }
                    .joined(separator: ",") + "}"
            ]
        ).rows
        var found: [Violation] = []
        for row in constraints {
            guard let name = row[0], let table = row[1], let references = row[2], let columnList = row[6],
                let keyList = row[7]
            else { continue }
            let columns = columnList.split(separator: ",").map(String.init)
            let keys = keyList.split(separator: ",").map(String.init)
            let child = (row[3] == "t" ? "" : "ONLY ") + table
            let parent = (row[4] == "t" ? "" : "ONLY ") + references
            let matches = zip(columns, keys).map { "p.\($1) = c.\($0)" }.joined(separator: " AND ")
            let allSet = columns.map { "c.\($0) IS NOT NULL" }.joined(separator: " AND ")
            var condition = "(\(allSet) AND NOT EXISTS (SELECT 1 FROM \(parent) p WHERE \(matches)))"
            if row[5] == "f" {  // MATCH FULL: some but not all columns null is a violation too
                let anySet = columns.map { "c.\($0) IS NOT NULL" }.joined(separator: " OR ")
                condition += " OR (NOT (\(allSet)) AND (\(anySet)))"
            }
            let count =
                try connection.query("SELECT count(*) FROM \(child) c WHERE \(condition)").scalar.flatMap { Int64($0) }
                ?? 0
            if count > 0 {
                found.append(
                    Violation(
                        constraint: "\(table).\(Connection.quoteIdentifier(name))", table: table,
                        references: references, rows: count))
            }
        }
        return found
    }
}
