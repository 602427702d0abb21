import Foundation
import Testing
import LifeboatCore

/// `lifeboat diff` through the real binary: a Pagila backup, then damage to the database, and
/// the diff must name exactly what was damaged, with the counts before and after.
@Suite(.enabled(if: TestEnvironment.shouldRun))
struct DiffTests {
    /// A Pagila database with a plain compressed backup in its own folder.
    static func backedUp() throws -> (ScratchDatabase, ScratchFolder, [String: String?], URL, BackupManifest) {
        let database = try ScratchDatabase()
        let folder = try ScratchFolder()
        let environment = try BackupRoundTripTests.environment(database, folder)
        let (file, manifest) = try BackupRoundTripTests.backup(
            ["--type", "daily", "--compress", "--no-encrypt"], environment)
        return (database, folder, environment, file, manifest)
    }

    static func rows(_ manifest: BackupManifest, _ table: String) throws -> Int64 {
        try #require(manifest.tables.first { $0.qualifiedName == table }?.rows, "\(table) is in the manifest")
    }

    /// `lifeboat diff ARGS --json`: the exit status and the parsed report.
    static func json(_ arguments: [String], _ environment: [String: String?]) throws -> (Int32, [String: Any], String) {
        let result = try Command.lifeboat(["diff", "--json"] + arguments, environment: environment)
        let report = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
        return (
            result.status, try #require(report, "no JSON (status \(result.status)): \(result.stderr)"), result.stderr
        )
    }

    /// A JSON number as Int64 (JSONSerialization gives NSNumber).
    static func int(_ value: Any?) -> Int64? { (value as? NSNumber)?.int64Value }

    static func differing(_ report: [String: Any]) -> [[String: Any]] {
        (report["tables"] as? [[String: Any]] ?? []).filter { $0["status"] as? String != "unchanged" }
    }

    @Test func namesExactlyTheTwoTablesRowsWereDeletedFrom() throws {
        let (database, folder, environment, file, manifest) = try Self.backedUp()
        defer { withExtendedLifetime(folder) {} }  // its deinit removes the backups
        // Nothing references film_actor or film_category, so these deletions need no care with keys.
        let connection = try database.connect()
        let actors = try #require(
            Int64(try connection.query("DELETE FROM film_actor WHERE actor_id <= 10").commandTuples))
        let categories = try #require(
            Int64(try connection.query("DELETE FROM film_category WHERE category_id = 1").commandTuples))
        #expect(actors > 0 && categories > 0)
        let actorRows = try Self.rows(manifest, "public.film_actor")
        let categoryRows = try Self.rows(manifest, "public.film_category")

        // Text, with the backup named by its file name in BACKUP_DIR.
        let text = try Command.lifeboat(["diff", file.lastPathComponent], environment: environment)
        #expect(text.status == 1, "differences exit with 1: \(text.stderr)")
        let lines = text.stdout.split(separator: "\n").map(String.init)
        let header = try #require(lines.firstIndex { $0.hasPrefix("TABLE") }, "\(text.stdout)")
        let listed = lines[(header + 1)...].prefix { !$0.isEmpty && !$0.contains("unchanged") }
        #expect(listed.count == 2, "\(text.stdout)")
        #expect(
            listed.contains {
                $0.split(separator: " ") == ["public.film_actor", "\(actorRows)", "\(actorRows - actors)", "-\(actors)"]
            },
            "\(text.stdout)")
        #expect(
            listed.contains {
                $0.split(separator: " ") == [
                    "public.film_category", "\(categoryRows)", "\(categoryRows - categories)", "-\(categories)"
                ]
            },
            "\(text.stdout)")
        let unchanged = manifest.tables.count - 2
        #expect(text.stdout.contains("\(unchanged) tables unchanged (--all lists them)"))
        #expect(
            lines.last == "2 tables changed (-\(actors + categories) rows), 0 missing, 0 added; \(unchanged) unchanged",
            "\(text.stdout)")

        // JSON, with the backup named by its path.
        let (status, report, stderr) = try Self.json([file.path], environment)
        #expect(status == 1, "\(stderr)")
        #expect(report["identical"] as? Bool == false)
        #expect(report["backup"] as? String == file.lastPathComponent)
        #expect(report["database"] as? String == database.name)
        #expect(
            (report["counts"] as? [String: Any])?.mapValues(Self.int) == [
                "changed": 2, "missing": 0, "added": 0, "unchanged": Int64(unchanged)
            ])
        let changed = Self.differing(report)
        #expect(
            changed.map { $0["table"] as? String } == ["public.film_actor", "public.film_category"],
            "changed first, by name")
        #expect(changed.allSatisfy { $0["status"] as? String == "changed" })
        #expect(
            Self.int(changed[0]["backup_rows"]) == actorRows && Self.int(changed[0]["live_rows"]) == actorRows - actors)
        #expect(Self.int(changed[0]["difference"]) == -actors)
        #expect(
            Self.int(changed[1]["backup_rows"]) == categoryRows
                && Self.int(changed[1]["live_rows"]) == categoryRows - categories)
        #expect(
            changed[0].keys.sorted() == ["backup_rows", "difference", "live_rows", "partition_of", "status", "table"],
            "every key is present, null when empty")
        let all = report["tables"] as? [[String: Any]] ?? []
        #expect(all.count == manifest.tables.count, "--json lists unchanged tables too")
        #expect(all.allSatisfy { ($0["status"] as? String == "unchanged") == (Self.int($0["difference"]) == 0) })
    }

    @Test func anIdenticalDatabaseExitsZero() throws {
        let (database, folder, environment, _, manifest) = try Self.backedUp()
        defer { withExtendedLifetime(folder) {} }  // its deinit removes the backups
        // An UPDATE keeps every count: diff compares counts, not contents.
        try database.connect().query("UPDATE customer SET email = 'x@example.invalid' WHERE customer_id <= 5")

        let text = try Command.lifeboat(["diff", "--latest"], environment: environment)
        #expect(text.status == 0, "\(text.stderr)")
        #expect(!text.stdout.contains("TABLE"), "no table of differences: \(text.stdout)")
        #expect(text.stdout.contains("identical: \(manifest.tables.count) tables hold as many rows as"))
        let listed = try Command.lifeboat(["diff", "--latest", "--all"], environment: environment)
        #expect(listed.status == 0)
        #expect(listed.stdout.contains("public.customer"), "--all lists unchanged tables")

        let (status, report, _) = try Self.json(["--latest"], environment)
        #expect(status == 0)
        #expect(report["identical"] as? Bool == true)
        #expect(Self.differing(report).isEmpty)
    }

    @Test func aDroppedTableIsMissingAndACreatedOneAdded() throws {
        let (database, folder, environment, _, manifest) = try Self.backedUp()
        defer { withExtendedLifetime(folder) {} }  // its deinit removes the backups
        let connection = try database.connect()
        try connection.query("DROP TABLE film_actor CASCADE")  // views such as actor_info go with it
        try connection.query(
            "CREATE TABLE public.incident_notes (id int); INSERT INTO public.incident_notes VALUES (1), (2), (3)")

        let (status, report, stderr) = try Self.json(["--latest"], environment)
        #expect(status == 1, "\(stderr)")
        let differing = Self.differing(report)
        #expect(
            differing.map { $0["table"] as? String } == ["public.film_actor", "public.incident_notes"],
            "missing before added")
        let missing = try #require(differing.first)
        #expect(missing["status"] as? String == "missing")
        #expect(Self.int(missing["backup_rows"]) == (try Self.rows(manifest, "public.film_actor")))
        #expect(missing["live_rows"] is NSNull && missing["difference"] is NSNull)
        let added = try #require(differing.last)
        #expect(added["status"] as? String == "added")
        #expect(added["backup_rows"] is NSNull)
        #expect(Self.int(added["live_rows"]) == 3)

        let text = try Command.lifeboat(["diff", "--latest"], environment: environment)
        let backupRows = try Self.rows(manifest, "public.film_actor")
        #expect(text.stdout.contains("0 tables changed (0 rows), 1 missing, 1 added"), "\(text.stdout)")
        #expect(
            text.stdout.split(separator: "\n").contains {
                $0.split(separator: " ") == ["public.film_actor", "\(backupRows)", "-", "missing"]
            })
        #expect(
            text.stdout.split(separator: "\n").contains {
                $0.split(separator: " ") == ["public.incident_notes", "-", "3", "added"]
            })
    }

    @Test func aPartitionedTableIsComparedPartitionByPartition() throws {
        let (database, folder, environment, _, _) = try Self.backedUp()
        defer { withExtendedLifetime(folder) {} }  // its deinit removes the backups
        try database.connect().query("DELETE FROM payment WHERE amount > 5")

        let (status, report, stderr) = try Self.json(["--latest", "--table", "payment"], environment)
        #expect(status == 1, "\(stderr)")
        let all = report["tables"] as? [[String: Any]] ?? []
        #expect(all.count >= 2, "payment's partitions")
        #expect(
            all.allSatisfy {
                ($0["table"] as? String ?? "").hasPrefix("public.payment_p")
                    && $0["partition_of"] as? String == "public.payment"
            })
        let counts = try database.rowCounts()
        for table in Self.differing(report) {
            #expect(Self.int(table["live_rows"]) == counts[table["table"] as? String ?? ""], "\(table)")
        }
        #expect(!Self.differing(report).isEmpty)
        #expect(report["filter"] as? [String] == ["payment"])

        let unknown = try Command.lifeboat(["diff", "--latest", "--table", "no_such_table"], environment: environment)
        #expect(unknown.status == 2)
        #expect(
            unknown.stderr.contains("no table no_such_table in the backup or in \(database.name)"), "\(unknown.stderr)")
    }

    @Test func aBackupWithoutAManifestCannotBeCompared() throws {
        let (database, folder, environment, file, _) = try Self.backedUp()
        defer { withExtendedLifetime((database, folder)) {} }
        // As a seed-era backup: the file alone.
        let legacy = folder.url.appendingPathComponent("backup_daily_20240101.sql.gz")
        try FileManager.default.copyItem(at: file, to: legacy)
        let result = try Command.lifeboat(["diff", legacy.path], environment: environment)
        #expect(result.status == 2, "\(result.stderr)")
        #expect(result.stderr.contains("has no manifest"), "\(result.stderr)")
        #expect(result.stderr.contains("lifeboat list"), "the hint says where to see which backups have one")

        let missing = try Command.lifeboat(["diff", "backup_daily_20000101T000000Z.sql.gz"], environment: environment)
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("does not exist"), "\(missing.stderr)")

        var unreachable = environment
        unreachable["DATABASE_URL"] = "postgresql://nobody@127.0.0.1:1/nowhere?connect_timeout=2"
        let down = try Command.lifeboat(["diff", "--latest"], environment: unreachable)
        #expect(down.status == 2, "a failure to compare is 2, never 1 (different): \(down.stderr)")
        #expect(down.stderr.contains("connect"))
    }
}
