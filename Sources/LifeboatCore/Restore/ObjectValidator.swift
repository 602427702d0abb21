import Foundation
import LifeboatPostgres
import LifeboatStreams

/// Compares what a user notices beside rows with what the backup's manifest recorded: the large
/// objects (count and checksum), each sequence's value, whether each materialized view is
/// populated, and the database's own properties. Row counts alone passed a restore that lost a
/// large object or set a sequence back, and the application then handed out ids twice.
///
/// A manifest older than these fields skips the checks it cannot make (nil: nothing recorded).
public enum ObjectValidator {
    public struct Mismatch: Sendable, Codable, Equatable, CustomStringConvertible {
        public enum Kind: String, Sendable, Codable, CaseIterable {
            case largeObjects = "large objects"
            case sequence
            case materializedView = "materialized view"
            case databaseProperty = "database property"
        }

        public let kind: Kind
        /// The object's name (`public.orders_id_seq`), or the property's (`owner`, `setting search_path`).
        public let object: String
        /// What the backup holds, and what the database holds now (`missing` when it has none).
        public let backup: String
        public let found: String

        public init(kind: Kind, object: String, backup: String, found: String) {
            self.kind = kind
            self.object = object
            self.backup = backup
            self.found = found
        }

        public var description: String { "\(kind.rawValue) \(object): the backup has \(backup), the database \(found)" }
    }

    /// What a database holds of the things the manifest records.
    public struct Reading: Sendable {
        public var largeObjects: DumpObjectScanner.LargeObjects?
        /// By `schema.name`; nil for a sequence the database lacks.
        public var sequences: [String: (lastValue: Int64, isCalled: Bool)?] = [:]
        /// Every materialized view of the database, by `schema.name`, with whether it is populated.
        public var materializedViews: [String: Bool] = [:]
        public var properties: ClusterGlobals.DatabaseProperties?
    }

    /// Every difference between `connection`'s database and `manifest`, the property ones last.
    public static func compare(_ manifest: BackupManifest, in connection: Connection) throws -> [Mismatch] {
        differences(manifest, try read(manifest, in: connection))
    }

    /// Reads what `manifest` recorded from `connection`'s database (only those things).
    public static func read(_ manifest: BackupManifest, in connection: Connection) throws -> Reading {
        func unreadable(_ error: PostgresError) -> LifeboatError {
            LifeboatError(
                stage: "read objects",
                message: "cannot read the large objects, sequences, materialized views or properties "
                    + "of \(connection.databaseName): \(error.message)",
                hint: "validation reads every large object and sequence: run it as the database's owner or a superuser")
        }
        var reading: Reading
        do { reading = try readRecorded(manifest, in: connection) } catch { throw unreadable(error) }
        if manifest.databaseProperties != nil {
            do { reading.properties = try ClusterGlobals.readDatabase(connection) } catch let error as PostgresError {
                throw unreadable(error)
            }
        }
        return reading
    }

    private static func readRecorded(_ manifest: BackupManifest, in connection: Connection) throws(PostgresError)
        -> Reading
    {
        var reading = Reading()
        if manifest.largeObjects != nil {
            // The bytes are hashed by the server: only one digest per object crosses the wire.
            let rows = try connection.query(
                "SELECT oid::text, encode(sha256(lo_get(oid)), 'hex') FROM pg_catalog.pg_largeobject_metadata"
            ).rows
            reading.largeObjects = DumpObjectScanner.LargeObjects.summarise(
                rows.map { (oid: UInt32($0[0] ?? "") ?? 0, sha256: $0[1] ?? "") })
        }
        for sequence in manifest.sequences ?? [] {
            reading.sequences[sequence.qualifiedName] = .some(try state(of: sequence, in: connection))
        }
        if manifest.materializedViews != nil {
            for row in try connection.query(
                """
                SELECT n.nspname, c.relname, c.relispopulated FROM pg_catalog.pg_class c
                JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind = 'm'
                """
            ).rows {
                reading.materializedViews["\(row[0] ?? "").\(row[1] ?? "")"] = row[2] == "t"
            }
        }
        return reading
    }

    /// A sequence's value, or nil when the database has no sequence of that name.
    private static func state(of sequence: DumpObjectScanner.SequenceValue, in connection: Connection)
        throws(PostgresError) -> (lastValue: Int64, isCalled: Bool)?
    {
        let name = "\(Connection.quoteIdentifier(sequence.schema)).\(Connection.quoteIdentifier(sequence.name))"
        let rows: [[String?]]
        do { rows = try connection.query("SELECT last_value::text, is_called FROM \(name)").rows } catch {
            if error.sqlState == "42P01" { return nil }
            throw error
        }
        return rows.first.map { (Int64($0[0] ?? "") ?? 0, $0[1] == "t") }
    }

    /// The differences between a reading and the manifest (pure, so a unit test can show each).
    public static func differences(_ manifest: BackupManifest, _ reading: Reading) -> [Mismatch] {
        var mismatches: [Mismatch] = []
        if let expected = manifest.largeObjects, let found = reading.largeObjects, expected != found {
            mismatches.append(
                Mismatch(kind: .largeObjects, object: "(all)", backup: describe(expected), found: describe(found)))
        }
        for sequence in manifest.sequences ?? [] {
            let expected = describe(sequence.lastValue, sequence.isCalled)
            let found = reading.sequences[sequence.qualifiedName].map {
                $0.map { describe($0.lastValue, $0.isCalled) } ?? "missing"
            }
            if let found, found != expected {
                mismatches.append(
                    Mismatch(kind: .sequence, object: sequence.qualifiedName, backup: expected, found: found))
            }
        }
        for view in manifest.materializedViews ?? [] {
            let found =
                reading.materializedViews[view.qualifiedName].map { $0 ? "populated" : "not populated" } ?? "missing"
            let expected = view.populated ? "populated" : "not populated"
            if found != expected {
                mismatches.append(
                    Mismatch(kind: .materializedView, object: view.qualifiedName, backup: expected, found: found))
            }
        }
        if let record = manifest.databaseProperties, let found = reading.properties {
            mismatches += propertyDifferences(record.properties, found)
        }
        return mismatches
    }

    /// Property by property; settings by name, so that their order does not count.
    static func propertyDifferences(
        _ backup: ClusterGlobals.DatabaseProperties, _ found: ClusterGlobals.DatabaseProperties
    ) -> [Mismatch] {
        var mismatches: [Mismatch] = []
        func check(_ name: String, _ expected: String, _ actual: String) {
            if expected != actual {
                mismatches.append(Mismatch(kind: .databaseProperty, object: name, backup: expected, found: actual))
            }
        }
        check("owner", backup.owner, found.owner)
        check("encoding", backup.encoding, found.encoding)
        check("LC_COLLATE", backup.collate, found.collate)
        check("LC_CTYPE", backup.ctype, found.ctype)
        check("ICU locale", backup.iculocale ?? "none", found.iculocale ?? "none")
        check("comment", backup.comment.map { "'\($0)'" } ?? "none", found.comment.map { "'\($0)'" } ?? "none")
        check("ACL", describe(backup.acl), describe(found.acl))
        checkSettings("setting", backup.settings, found.settings, into: &mismatches)
        for role in Set(backup.roleSettings.keys).union(found.roleSettings.keys).sorted() {
            checkSettings(
                "setting of role \(role)", backup.roleSettings[role] ?? [], found.roleSettings[role] ?? [],
                into: &mismatches)
        }
        return mismatches
    }

    private static func checkSettings(
        _ what: String, _ backup: [String], _ found: [String], into mismatches: inout [Mismatch]
    ) {
        func byName(_ settings: [String]) -> [String: String] {
            Dictionary(
                settings.map { setting in
                    let name = String(setting.prefix { $0 != "=" }).lowercased()
                    return (name, String(setting.dropFirst(name.count + 1)))
                }, uniquingKeysWith: { $1 })
        }
        let expected = byName(backup), actual = byName(found)
        for name in Set(expected.keys).union(actual.keys).sorted() where expected[name] != actual[name] {
            mismatches.append(
                Mismatch(
                    kind: .databaseProperty, object: "\(what) \(name)",
                    backup: expected[name] ?? "unset", found: actual[name] ?? "unset"))
        }
    }

    static func describe(_ objects: DumpObjectScanner.LargeObjects) -> String {
        "\(objects.count) (checksum \(objects.sha256.prefix(12)))"
    }

    static func describe(_ value: Int64, _ isCalled: Bool) -> String {
        isCalled ? "\(value)" : "\(value) (not yet called)"
    }

    /// `grantee=PRIVILEGE,…` (`*` after a grantable one); `default` for a NULL datacl.
    static func describe(_ acl: [ClusterGlobals.Privilege]?) -> String {
        guard let acl else { return "default" }
        return acl.map { "\($0.grantee ?? "PUBLIC")=\($0.privilege)\($0.grantable ? "*" : "")" }.sorted().joined(
            separator: ",")
    }
}
