import Foundation
import Testing
import LifeboatPostgres

/// Table-level restores that restore exactly that table (issue 19 item 5), on a schema shaped
/// like production (`Tests/Fixtures/schemas/production-shaped.sql`): after rows are changed in
/// every table following the backup, restoring one table brings back exactly its backup rows
/// (an md5 over its ordered rows, `ONLY` that table) and leaves every other table as it was,
/// children and rows written after the backup included.
@Suite(.enabled(if: TestEnvironment.shouldRun), .serialized)
struct TableRestoreTests {
    static let schema = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/schemas/production-shaped.sql")

    /// A database loaded from the schema, its backup, and the content of every table at backup time.
    final class Fixture {
        let database: ScratchDatabase
        let folder: ScratchFolder
        let backup: String
        let atBackup: [String: String]
        var environment: [String: String?] { ["DATABASE_URL": database.url, "BACKUP_DIR": folder.path] }

        init() throws {
            database = try ScratchDatabase(fromPagila: false)
            folder = try ScratchFolder()
            let load = try Command.run(
                try TestEnvironment.pgBin + "/psql",
                ["-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", database.url, "-f", TableRestoreTests.schema.path])
            try #require(load.succeeded, "loading the schema: \(load.stderr)")
            let (file, _) = try BackupRoundTripTests.backup(
                ["--type", "manual", "--no-compress", "--no-encrypt"],
                ["DATABASE_URL": database.url, "BACKUP_DIR": folder.path])
            backup = file.path
            atBackup = try TableRestoreTests.contents(database)
            // After the backup: every table changes (rows deleted, changed and added).
            let after = try Command.run(
                try TestEnvironment.pgBin + "/psql",
                [
                    "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", database.url, "-c",
                    #"""
                    DELETE FROM ONLY measurements WHERE id % 4 = 0;
                    INSERT INTO measurements (taken_at, reading) VALUES (now(), -1);
                    INSERT INTO measurements_2025 (taken_at, reading, station) VALUES (now(), -2, 'late');
                    DELETE FROM events WHERE id % 5 = 0;
                    INSERT INTO events (happened, kind) VALUES ('2026-06-01', 'happy'), ('2025-06-01', 'sad');
                    UPDATE "Sales Dept"."Order Items" SET "Item Name" = 'changed' WHERE id < 5;
                    INSERT INTO "Sales Dept"."Order Items" ("Item Name", qty) SELECT 'late ' || i, i FROM generate_series(1, 10) i;
                    DELETE FROM "Überprüfung ""x""" WHERE id > 20;
                    DELETE FROM "UPPER";
                    DELETE FROM audited WHERE id < 10;
                    INSERT INTO audited (v) VALUES ('late');
                    ALTER TABLE ruled DISABLE RULE ruled_keeps_rows;
                    DELETE FROM ruled WHERE id > 10;
                    ALTER TABLE ruled ENABLE RULE ruled_keeps_rows;
                    DELETE FROM secrets WHERE id % 3 = 0;
                    UPDATE team SET captain = 11 WHERE id = 1;
                    INSERT INTO customers (name) VALUES ('late customer');
                    INSERT INTO orders (customer_id, placed) SELECT max(id), '2026-01-01' FROM customers;
                    DELETE FROM orders WHERE id <= 10;
                    """#
                ])
            try #require(after.succeeded, "changing the tables: \(after.stderr)")
        }

        /// `lifeboat restore --table …` with the given extra arguments.
        func restore(_ tables: [String], _ extra: [String] = []) throws -> CommandResult {
            try Command.lifeboat(
                ["restore", "--backup-file", backup, "--force"] + tables.flatMap { ["--table", $0] } + extra,
                environment: environment)
        }
    }

    /// md5 over the ordered rows of every ordinary table, `ONLY` each (partitions and
    /// inheritance children are tables of their own), keyed by its regclass name.
    static func contents(_ database: ScratchDatabase) throws -> [String: String] {
        let connection = try database.connect()
        defer { connection.close() }
        _ = try connection.query("SET row_security = off")
        let tables = try connection.query(
            """
            SELECT c.oid::regclass::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE c.relkind = 'r' AND n.nspname NOT IN ('pg_catalog', 'information_schema')
            """
        ).rows.compactMap { $0[0] }
        var sums: [String: String] = [:]
        for table in tables {
            sums[table] = try connection.query(
                "SELECT coalesce(md5(string_agg(t::text, E'\\n' ORDER BY t::text)), '') FROM ONLY \(table) t"
            ).scalar
        }
        return sums
    }

    /// Restores `tables` and checks that exactly `restored` (regclass names) are back at their
    /// backup content while every other table is as it was just before.
    func expectRestored(
        _ fixture: Fixture, _ tables: [String], restored: Set<String>, sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        let before = try Self.contents(fixture.database)
        let result = try fixture.restore(tables)
        try #require(result.succeeded, "restore \(tables): \(result.stderr)", sourceLocation: sourceLocation)
        let after = try Self.contents(fixture.database)
        for (table, sum) in after {
            if restored.contains(table) {
                #expect(sum == fixture.atBackup[table], "\(table) is as in the backup", sourceLocation: sourceLocation)
            } else {
                #expect(
                    sum == before[table], "\(table) is untouched by restoring \(tables)", sourceLocation: sourceLocation
                )
            }
        }
        #expect(restored.isSubset(of: Set(after.keys)), "\(restored) are tables", sourceLocation: sourceLocation)
    }

    @Test func eachKindOfTableComesBackExactlyAndAloneWithItsSequenceNeverBehind() throws {
        let fixture = try Fixture()
        // An inheritance parent: its own rows only; the child keeps its rows, the late one included.
        try expectRestored(fixture, ["measurements"], restored: ["measurements"])
        // One partition, then the partitioned parent (all its partitions).
        try expectRestored(fixture, ["events_2026"], restored: ["events_2026"])
        try expectRestored(fixture, ["public.events"], restored: ["events_2025", "events_2026"])
        // Triggers (an ordinary one that changes rows, an ALWAYS one that writes audit_log) stay quiet.
        try expectRestored(fixture, ["audited"], restored: ["audited"])
        // A rule that turns DELETE into nothing, and FORCE ROW LEVEL SECURITY.
        try expectRestored(fixture, ["ruled", "secrets"], restored: ["ruled", "secrets"])
        // SQL spellings: quoted schema and table, a doubled quote with unicode, upper case.
        let connection = try fixture.database.connect()
        defer { connection.close() }
        let sequence = "\"Sales Dept\".\"Order Items_id_seq\""
        let issued = try #require(Int64(try connection.query("SELECT last_value FROM \(sequence)").scalar ?? ""))
        try expectRestored(
            fixture, ["\"Sales Dept\".\"Order Items\"", "public.\"Überprüfung \"\"x\"\"\"", "\"UPPER\""],
            restored: ["\"Sales Dept\".\"Order Items\"", "\"Überprüfung \"\"x\"\"\"", "\"UPPER\""])
        let after = try #require(Int64(try connection.query("SELECT last_value FROM \(sequence)").scalar ?? ""))
        #expect(after >= issued, "the sequence did not go back: \(after) after \(issued)")
        let next = try connection.query(
            "INSERT INTO \"Sales Dept\".\"Order Items\" (\"Item Name\", qty) VALUES ('new', 1) RETURNING id"
        ).scalar
        #expect(Int64(next ?? "") ?? 0 > issued, "an id handed out after the backup is not handed out again")
        // The identity sequence of a partitioned table does not go back either.
        let eventsBefore = try #require(
            Int64(try connection.query("SELECT last_value FROM events_id_seq").scalar ?? ""))
        try expectRestored(fixture, ["events"], restored: ["events_2025", "events_2026"])
        #expect(Int64(try connection.query("SELECT last_value FROM events_id_seq").scalar ?? "") ?? 0 >= eventsBefore)
        // The plain form the manifest prints still works.
        try expectRestored(fixture, ["Sales Dept.Order Items"], restored: ["\"Sales Dept\".\"Order Items\""])
    }

    @Test func namesThatMeanTwoTablesOrNoneAreRefusedAndChangeNothing() throws {
        let fixture = try Fixture()
        let before = try Self.contents(fixture.database)
        // Found by the preflight (`backup.tables`, exit 5), against the live catalog, before anything is restored.
        let ambiguous = try fixture.restore(["customers"])
        #expect(ambiguous.status == 5 && ambiguous.stderr.contains("backup.tables"), "\(ambiguous.stderr)")
        #expect(
            ambiguous.stderr.contains("ambiguous") && ambiguous.stderr.contains("\"archive\".\"customers\"")
                && ambiguous.stderr.contains("\"public\".\"customers\""),
            "the candidates are listed: \(ambiguous.stderr)")
        for name in ["public.\"ta\"\"ble\"", "\"Sales Dept\".\"order items\"", "nosuch"] {
            let missing = try fixture.restore([name])
            #expect(missing.status == 2 && missing.stderr.contains("not in this backup"), "\(name): \(missing.stderr)")
        }
        #expect(try Self.contents(fixture.database) == before)
    }

    @Test func aForeignKeyLeftDanglingIsReportedAndRefusedUnlessAllowed() throws {
        let fixture = try Fixture()
        let before = try Self.contents(fixture.database)
        // The late order points at the late customer, whom restoring customers removes.
        let refused = try fixture.restore(["public.customers"])
        #expect(refused.status == 1, "\(refused.stderr)")
        #expect(
            refused.stderr.contains("orders_customer_id_fkey") && refused.stderr.contains("1 row of orders"),
            "the constraint and its count are named: \(refused.stderr)")
        #expect(refused.stderr.contains("--allow-fk-violations"), "\(refused.stderr)")
        #expect(try Self.contents(fixture.database) == before, "nothing changed")

        let allowed = try fixture.restore(["public.customers"], ["--allow-fk-violations"])
        try #require(allowed.succeeded, "\(allowed.stderr)")
        #expect(allowed.stderr.contains("orders_customer_id_fkey"), "still reported: \(allowed.stderr)")
        #expect(try Self.contents(fixture.database)["customers"] == fixture.atBackup["customers"])

        // Restoring both sides of the pair leaves no violation.
        try expectRestored(fixture, ["public.customers", "orders"], restored: ["customers", "orders"])
    }
}
