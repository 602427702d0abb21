import Foundation

/// The live database against a backup's manifest, table by table: the rows the backup holds,
/// the rows the database holds now, and the tables only one side has. It tells a responder
/// which tables an accidental deletion hit (`lifeboat diff`, the `compare.live` action).
/// Beside the tables, what else differs from what the manifest recorded: large objects,
/// sequences, materialized views and the database's own properties (`objects`).
///
/// Its JSON (`lifeboat diff --json`) is a stable shape: every key is always present, with
/// `null` where a side has no value, so scripts can rely on it (docs/operations.md documents it).
public struct LiveDiff: Sendable, Encodable {
    public enum Status: String, Sendable, Encodable, CaseIterable {
        /// In both, with a different number of rows.
        case changed
        /// In the backup, not in the database any more (dropped, or renamed).
        case missing
        /// In the database, not in the backup (created since).
        case added
        /// In both, with the same number of rows (the rows may still differ in content).
        case unchanged
    }

    public struct Table: Sendable, Encodable, Equatable {
        /// `schema.name`, as the manifest writes it.
        public let table: String
        public let status: Status
        /// Rows the backup holds; nil for an added table.
        public let backupRows: Int64?
        /// Rows the database holds now; nil for a missing table.
        public let liveRows: Int64?
        /// The partitioned table this partition belongs to (`public.payment` for
        /// `public.payment_p2022_01`): pg_dump, and so the manifest, counts partitions one by one.
        public let partitionOf: String?

        public init(table: String, status: Status, backupRows: Int64?, liveRows: Int64?, partitionOf: String? = nil) {
            self.table = table
            self.status = status
            self.backupRows = backupRows
            self.liveRows = liveRows
            self.partitionOf = partitionOf
        }

        /// Rows now minus rows then (negative: rows were deleted); nil unless in both.
        public var difference: Int64? {
            guard let backupRows, let liveRows else { return nil }
            return liveRows - backupRows
        }

        enum CodingKeys: String, CodingKey { case table, status, backupRows, liveRows, difference, partitionOf }

        // Written by hand so that absent values are `null`, not missing keys: the shape stays the same.
        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(table, forKey: .table)
            try container.encode(status, forKey: .status)
            try container.encode(backupRows, forKey: .backupRows)
            try container.encode(liveRows, forKey: .liveRows)
            try container.encode(difference, forKey: .difference)
            try container.encode(partitionOf, forKey: .partitionOf)
        }
    }

    /// Something other than a table's rows that differs from the backup: the large objects (all
    /// of them, as a count and checksum), a sequence's value, a materialized view's state, or one
    /// of the database's own properties.
    public struct Object: Sendable, Encodable, Equatable {
        /// `large objects`, `sequence`, `materialized view` or `database property`.
        public let kind: String
        /// The sequence's or view's `schema.name`, the property's name, `(all)` for large objects.
        public let object: String
        public let backup: String
        /// `missing` when the database has no such object now.
        public let live: String

        public init(_ mismatch: ObjectValidator.Mismatch) {
            kind = mismatch.kind.rawValue
            object = mismatch.object
            backup = mismatch.backup
            live = mismatch.found
        }
    }

    /// The backup's file name and path.
    public let backup: String
    public let backupPath: String
    /// When pg_dump started: the moment the backup's counts describe.
    public let backupStartedAt: Date
    /// The database the backup was taken of, as the manifest records it.
    public let backupDatabase: String
    /// The database compared (the live one, or a drill's scratch copy).
    public let database: String
    /// When the counting transaction took its snapshot (about).
    public let comparedAt: Date
    /// The `--table` filter, empty for all tables.
    public let filter: [String]
    /// Changed first, then missing, added and unchanged; by name within each.
    public let tables: [Table]
    /// What else differs (empty with a `--table` filter, which compares only tables).
    public let objects: [Object]

    public init(
        backup: URL, manifest: BackupManifest, database: String, comparedAt: Date, filter: [String], tables: [Table],
        objects: [Object] = []
    ) {
        self.objects = objects
        self.backup = backup.lastPathComponent
        backupPath = backup.path
        backupStartedAt = manifest.startedAt
        backupDatabase = manifest.database
        self.database = database
        self.comparedAt = comparedAt
        self.filter = filter
        let rank = Dictionary(uniqueKeysWithValues: Status.allCases.enumerated().map { ($1, $0) })
        self.tables = tables.sorted { (rank[$0.status]!, $0.table) < (rank[$1.status]!, $1.table) }
    }

    public func tables(_ status: Status) -> [Table] { tables.filter { $0.status == status } }

    /// True when every table compared has as many rows as the backup recorded, and none is
    /// missing or added. Same counts do not prove same content: an UPDATE keeps the count.
    public var identical: Bool { tables.allSatisfy { $0.status == .unchanged } && objects.isEmpty }

    /// Rows now minus rows in the backup over the changed tables.
    public var rowDifference: Int64 { tables(.changed).reduce(0) { $0 + ($1.difference ?? 0) } }

    /// One line: "2 tables changed (-150 rows), 1 missing, 0 added; 20 unchanged".
    public var summary: String {
        let rowsAgree =
            "\(tables.count == 1 ? "1 table holds" : "\(tables.count) tables hold") as many rows as \(backup) recorded"
        if identical { return "identical: " + rowsAgree }
        let others =
            objects.isEmpty
            ? ""
            : "; \(objects.count) other difference\(objects.count == 1 ? "" : "s") "
                + "(\(Array(Set(objects.map(\.kind))).sorted().joined(separator: ", ")))"
        if tables.allSatisfy({ $0.status == .unchanged }) { return rowsAgree + others }
        let changed = tables(.changed).count
        let rows = rowDifference
        return "\(changed) table\(changed == 1 ? "" : "s") changed (\(rows > 0 ? "+" : "")\(rows) rows), "
            + "\(tables(.missing).count) missing, \(tables(.added).count) added; \(tables(.unchanged).count) unchanged"
            + others
    }

    enum CodingKeys: String, CodingKey {
        case backup, backupPath, backupStartedAt, backupDatabase, database, comparedAt, filter, identical, summary,
            counts, tables, objects
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(backup, forKey: .backup)
        try container.encode(backupPath, forKey: .backupPath)
        try container.encode(backupStartedAt, forKey: .backupStartedAt)
        try container.encode(backupDatabase, forKey: .backupDatabase)
        try container.encode(database, forKey: .database)
        try container.encode(comparedAt, forKey: .comparedAt)
        try container.encode(filter, forKey: .filter)
        try container.encode(identical, forKey: .identical)
        try container.encode(summary, forKey: .summary)
        try container.encode(
            Dictionary(uniqueKeysWithValues: Status.allCases.map { ($0.rawValue, tables($0).count) }), forKey: .counts)
        try container.encode(tables, forKey: .tables)
        try container.encode(objects, forKey: .objects)
    }
}
