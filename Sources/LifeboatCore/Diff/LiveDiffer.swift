import Foundation
import LifeboatPostgres
import LifeboatStreams

/// Counts a database's tables and sets them against a backup's manifest (`LiveDiff`).
///
/// Counts are exact (`count(*)`, through `RowCountValidator.count`, the query validation uses),
/// never the planner's estimates (`pg_class.reltuples`, `pg_stat_user_tables.n_live_tup`):
/// those change only when VACUUM or ANALYZE next runs (autovacuum waits for about a fifth of a
/// table to change), so a deletion of a few hundred rows would not show in them at all, and
/// they are approximate by design while the manifest's counts are exact. The price is a scan
/// of each table, which a responder pays once, on a database that is already in trouble.
///
/// Everything is read in one `REPEATABLE READ READ ONLY` transaction: every count (and the list
/// of tables) comes from the same snapshot, so tables counted seconds apart describe the same
/// moment while the application keeps writing, and the server itself refuses any write.
public enum LiveDiffer {
    /// A table the database holds, keyed by its names' bytes so that it meets its manifest entry
    /// even when a name is not UTF-8 (the manifest then keeps the bytes in hex).
    struct LiveTable {
        let table: RowCountTap.TableCount
        let key: String
        let partitionOf: String?
        /// A table an extension created: pg_dump leaves it out, so it is never "added".
        let extensionMember: Bool
    }

    /// Compares `database` (default: the one DATABASE_URL names) on the configured server with
    /// the manifest of `backup`.
    public static func compare(
        _ backup: URL, configuration: LifeboatConfiguration, database: String? = nil,
        tables filter: [String] = []
    ) throws -> LiveDiff {
        let manifest = try manifest(of: backup)
        let connection: Connection
        do { connection = try Connection(configuration.databaseURL ?? "", database: database) } catch {
            throw LifeboatError(
                connecting: error,
                target: database.map { "database \($0)" }
                    ?? ConnectionString.redacted(configuration.databaseURL ?? "the database named by the PG* variables")
            )
        }
        defer { connection.close() }
        return try compare(manifest, backup: backup, in: connection, tables: filter)
    }

    /// Compares `connection`'s database with `manifest`; `filter` (table names, bare or
    /// schema-qualified, or a partitioned table for its partitions) limits it to some tables.
    public static func compare(
        _ manifest: BackupManifest, backup: URL, in connection: Connection,
        tables filter: [String] = []
    ) throws -> LiveDiff {
        RowCountValidator.prepareForCounting(connection)
        do {
            try connection.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        } catch {
            throw LifeboatError(
                stage: "diff",
                message: "cannot start a read-only transaction on \(connection.databaseName): \(error.message)")
        }
        // Read-only: there is nothing to commit, on success or failure.
        defer { _ = try? connection.query("ROLLBACK") }
        let comparedAt = Date()
        let live: [LiveTable]
        do { live = try liveTables(connection) } catch {
            throw LifeboatError(
                stage: "diff", message: "cannot list the tables of \(connection.databaseName): \(error.message)")
        }
        let liveByKey = Dictionary(live.map { ($0.key, $0) }, uniquingKeysWith: { first, _ in first })
        let backupKeys = Set(manifest.tables.map(key))

        var rows: [LiveDiff.Table] = []
        for entry in manifest.tables {
            let now = liveByKey[key(entry)]
            let parent = now?.partitionOf
            guard selected(entry.schema, entry.name, parent, by: filter) else { continue }
            guard now != nil, let found = try count(entry, in: connection) else {
                rows.append(
                    LiveDiff.Table(table: entry.qualifiedName, status: .missing, backupRows: entry.rows, liveRows: nil))
                continue
            }
            rows.append(
                LiveDiff.Table(
                    table: entry.qualifiedName, status: found == entry.rows ? .unchanged : .changed,
                    backupRows: entry.rows, liveRows: found, partitionOf: parent))
        }
        for table in live where !backupKeys.contains(table.key) && !table.extensionMember {
            guard selected(table.table.schema, table.table.name, table.partitionOf, by: filter) else { continue }
            rows.append(
                LiveDiff.Table(
                    table: table.table.qualifiedName, status: .added, backupRows: nil,
                    liveRows: try count(table.table, in: connection), partitionOf: table.partitionOf))
        }
        let unknown = filter.filter { name in
            !manifest.tables.contains { selected($0.schema, $0.name, liveByKey[key($0)]?.partitionOf, by: [name]) }
                && !live.contains { selected($0.table.schema, $0.table.name, $0.partitionOf, by: [name]) }
        }
        guard unknown.isEmpty else {
            throw LifeboatError(
                stage: "diff",
                message: "no table \(unknown.joined(separator: ", ")) in the backup or in \(connection.databaseName)",
                hint:
                    "name tables as the backup's manifest does (schema.table, or the bare name); leave --table out to compare them all",
                category: .configuration)
        }
        // Large objects, sequences and properties belong to no one table: only a whole comparison shows them.
        let objects =
            filter.isEmpty
            ? ObjectValidator.differences(manifest, try ObjectValidator.read(manifest, in: connection)) : []
        return LiveDiff(
            backup: backup, manifest: manifest, database: connection.databaseName, comparedAt: comparedAt,
            filter: filter, tables: rows, objects: objects.map(LiveDiff.Object.init))
    }

    /// The backup an operator names: a path, or a file name in `directory`; with `latest`, the
    /// newest backup there.
    public static func locate(_ argument: String?, latest: Bool, in directory: URL) throws -> URL {
        if let argument {
            if FileManager.default.fileExists(atPath: argument) || argument.contains("/") {
                return URL(fileURLWithPath: argument)
            }
            return directory.appendingPathComponent(argument)
        }
        guard let newest = try BackupInventory.scan(directory).current().first else {
            throw LifeboatError(
                stage: "diff", message: "no backups in \(directory.path)",
                hint: "take one with `lifeboat backup`, or set BACKUP_DIR", category: .configuration)
        }
        return newest.path
    }

    /// The manifest of `backup`: diff compares with the row counts it recorded, so a backup
    /// without one (a seed-era file, or one whose manifest was lost) cannot be compared.
    public static func manifest(of backup: URL) throws -> BackupManifest {
        guard let manifest = try BackupReader.open(backup, trust: .unchecked).manifest else {
            throw LifeboatError(
                stage: "diff",
                message: "\(backup.lastPathComponent) has no manifest (\(backup.lastPathComponent).manifest.json): "
                    + "diff compares with the per-table row counts a manifest records, and this backup has none",
                hint:
                    "use a backup Lifeboat took (they have one): `lifeboat list` shows `no manifest` in VERIFIED for the others",
                category: .configuration)
        }
        return manifest
    }

    static func count(_ table: RowCountTap.TableCount, in connection: Connection) throws -> Int64? {
        do { return try RowCountValidator.count(table, in: connection) } catch {
            throw LifeboatError(
                stage: "diff", message: "counting \(table.qualifiedName) failed: \(error.message)",
                hint: error.sqlState == "42P01" ? "the table was dropped while diff ran: run it again" : nil)
        }
    }

    /// Whether a table is among those `filter` names (all when it is empty).
    static func selected(_ schema: String, _ name: String, _ parent: String?, by filter: [String]) -> Bool {
        guard !filter.isEmpty else { return true }
        let parentName = parent.map { String($0[$0.index(after: $0.firstIndex(of: ".") ?? $0.startIndex)...]) }
        return filter.contains { $0 == name || $0 == "\(schema).\(name)" || $0 == parent || $0 == parentName }
    }

    /// The bytes of schema and name in hex, as the server sends them (`textsend`).
    static func key(_ table: RowCountTap.TableCount) -> String {
        func hex(_ text: String) -> String { text.utf8.map { String(format: "%02x", $0) }.joined() }
        return (table.schemaHex ?? hex(table.schema)) + "." + (table.nameHex ?? hex(table.name))
    }

    /// The tables whose rows pg_dump writes: ordinary tables and partitions (a partitioned
    /// parent holds no rows of its own) outside the system schemas.
    static func liveTables(_ connection: Connection) throws(PostgresError) -> [LiveTable] {
        let rows = try connection.query(
            """
            SELECT n.nspname, c.relname, encode(textsend(n.nspname::text), 'hex'), encode(textsend(c.relname::text), 'hex'),
                   (SELECT pn.nspname || '.' || p.relname FROM pg_inherits i JOIN pg_class p ON p.oid = i.inhparent
                      JOIN pg_namespace pn ON pn.oid = p.relnamespace
                    WHERE i.inhrelid = c.oid AND p.relkind = 'p' LIMIT 1),
                   EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE c.relkind = 'r' AND n.nspname <> 'information_schema' AND n.nspname !~ '^pg_'
            """
        ).rows
        return rows.map { row in
            let schemaHex = row[2] ?? "", nameHex = row[3] ?? ""
            // Only a name that is not UTF-8 keeps its hex: counting then finds it by its bytes.
            func hexIfNotUTF8(_ hex: String) -> String? {
                var bytes: [UInt8] = []
                var index = hex.startIndex
                while let next = hex.index(index, offsetBy: 2, limitedBy: hex.endIndex), index < hex.endIndex {
                    bytes.append(UInt8(hex[index..<next], radix: 16) ?? 0)
                    index = next
                }
                return String(validating: bytes, as: UTF8.self) == nil ? hex : nil
            }
            let table = RowCountTap.TableCount(
                schema: row[0] ?? "", name: row[1] ?? "", rows: 0,
                schemaHex: hexIfNotUTF8(schemaHex), nameHex: hexIfNotUTF8(nameHex))
            return LiveTable(
                table: table, key: schemaHex + "." + nameHex, partitionOf: row[4], extensionMember: row[5] == "t")
        }
    }
}
