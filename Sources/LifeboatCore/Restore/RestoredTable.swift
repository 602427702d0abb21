import Foundation
import LifeboatPostgres

/// A table a table-level restore puts back, as the scratch copy's catalog names it. How its
/// statements address it follows from its kind: a plain table (an inheritance parent or child
/// among them) is always `ONLY`, so restoring a parent never touches its children's rows; a
/// partitioned table is the whole tree of its partitions, whose rows are its own.
struct RestoredTable: Sendable, Hashable {
    let schema: String
    let name: String
    let partitioned: Bool

    var display: String { "\(schema).\(name)" }
    var qualified: String { "\(Connection.quoteIdentifier(schema)).\(Connection.quoteIdentifier(name))" }
    /// The table as DELETE, SELECT and COPY's query name it.
    var rows: String { partitioned ? qualified : "ONLY \(qualified)" }

    /// The one table `text` names in `scratch`, by every reading of it (see `TableName`):
    /// none is "not in this backup", more than one is an ambiguity the operator resolves by
    /// writing the schema or the SQL spelling.
    /// `place` says whose catalog is asked, for the messages ("this backup", "database app").
    static func resolve(_ text: String, in scratch: Connection, place: String = "this backup") throws -> RestoredTable {
        var found: [RestoredTable] = []
        for reading in TableName.readings(text) {
            let rows = try scratch.query(
                """
                SELECT n.nspname, c.relname, c.relkind = 'p' FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                WHERE c.relkind IN ('r', 'p') AND c.relname = $1 AND ($2::text IS NULL OR n.nspname = $2)
                  AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_toast%'
                """, [reading.name, reading.schema]
            ).rows
            for row in rows {
                guard let schema = row[0], let name = row[1] else { continue }
                let table = RestoredTable(schema: schema, name: name, partitioned: row[2] == "t")
                if !found.contains(table) { found.append(table) }
            }
        }
        switch found.count {
        case 1:
            return found[0]
        case 0:
            throw LifeboatError(
                stage: "restore", message: "table \(text) is not in \(place)",
                hint:
                    "name a table the backup holds (its .manifest.json lists them), as schema.table or in SQL spelling "
                    + "(\"Sales Dept\".\"Order Items\")", category: .configuration)
        default:
            let names = found.map { TableName(schema: $0.schema, name: $0.name).quoted }.sorted()
            throw LifeboatError(
                stage: "restore",
                message: "table \(text) is ambiguous: \(place) holds \(names.joined(separator: ", "))",
                hint:
                    "name exactly one, with its schema: --table \(names[0].replacingOccurrences(of: "'", with: "'\\''"))",
                category: .configuration)
        }
    }

    /// The tables whose rows are this table's in a dump: itself, or a partitioned table's leaf
    /// partitions (pg_dump writes a partition's rows under its own name).
    func leaves(on connection: Connection) throws -> [TableName] {
        guard partitioned else { return [TableName(schema: schema, name: name)] }
        return try connection.query(
            """
            SELECT n.nspname, c.relname FROM pg_partition_tree($1::regclass) t
            JOIN pg_class c ON c.oid = t.relid JOIN pg_namespace n ON n.oid = c.relnamespace WHERE t.isleaf
            """, [qualified]
        ).rows.compactMap { row in row[0].flatMap { schema in row[1].map { TableName(schema: schema, name: $0) } } }
    }

    /// This table and, for a partitioned one, every partition below it: what triggers and
    /// constraints hang on.
    func relations(on connection: Connection) throws -> [String] {
        // pg_partition_tree gives no rows for a table that is not partitioned.
        try connection.query(
            """
            SELECT $1::regclass::text UNION SELECT relid::regclass::text FROM pg_partition_tree($1::regclass)
            """, [qualified]
        ).rows.compactMap { $0[0] }
    }
}
