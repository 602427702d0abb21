import Foundation
import Testing
import LifeboatCore
import LifeboatPostgres

/// Issue 20 item 2: nothing of Lifeboat's in the application's database. The workers' schedule
/// table lives in the coordination database (by default the server's maintenance database);
/// `status` and `schedule list` only read it; the worker makes it, and moves one an older
/// version left in the application's database.
@Suite(.enabled(if: TestEnvironment.shouldRun), .serialized)
struct CoordinationTests {
    /// Every relation outside the system schemas, "schema.name kind".
    static func relations(_ url: String) throws -> [String] {
        let connection = try Connection(url)
        defer { connection.close() }
        return try connection.query(
            """
            SELECT n.nspname || '.' || c.relname || ' ' || c.relkind::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_toast%' ORDER BY 1
            """
        ).rows.compactMap { $0[0] }
    }

    static func hasScheduleTable(_ url: String, database: String? = nil) throws -> Bool {
        let connection = try Connection(url, database: database)
        defer { connection.close() }
        return try connection.query("SELECT to_regclass('lifeboat_schedule_runs') IS NOT NULL").scalar == "t"
    }

    static func environment(_ database: ScratchDatabase, _ folder: ScratchFolder, _ state: ScratchFolder) -> [String:
        String?]
    {
        [
            "DATABASE_URL": database.url, "BACKUP_DIR": folder.path, "LIFEBOAT_STATE_DIR": state.path,
            "BACKUP_DISK_MIN_FREE_GB": "0"
        ]
    }

    /// Acceptance 5.
    @Test func statusWorkerAndScheduleListLeaveTheApplicationDatabasesTablesAsTheyWere() throws {
        let database = try ScratchDatabase()
        let folder = try ScratchFolder()
        let state = try ScratchFolder()
        let environment = Self.environment(database, folder, state)
        let before = try Self.relations(database.url)
        #expect(before.contains("public.actor r"), "Pagila: \(before.prefix(5))")

        let status = try Command.lifeboat(["status", "--json"], environment: environment)
        #expect(!status.stdout.isEmpty, "\(status.stderr)")
        let worker = try Command.lifeboat(["worker", "--once"], environment: environment)
        #expect(worker.succeeded, "\(worker.stderr)")
        let listed = try Command.lifeboat(["schedule", "list"], environment: environment)
        #expect(listed.succeeded, "\(listed.stderr)")
        #expect(!listed.stderr.contains("last runs unknown"), "\(listed.stderr)")

        #expect(try Self.relations(database.url) == before, "the application database has exactly the tables it had")
        #expect(
            try Self.hasScheduleTable(database.url, database: CoordinationDatabase.maintenanceDatabase),
            "the worker made its table in the server's maintenance database")
    }

    @Test func readingTheScheduleCreatesNoTableAnywhere() throws {
        let database = try ScratchDatabase(fromPagila: false)
        let coordination = try ScratchDatabase(fromPagila: false)
        let folder = try ScratchFolder()
        let state = try ScratchFolder()
        var environment = Self.environment(database, folder, state)
        environment["LIFEBOAT_COORDINATION_URL"] = coordination.url
        let status = try Command.lifeboat(["status", "--json"], environment: environment)
        let schedule =
            try #require(try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [String: Any])["schedule"]
            as? [String: Any]
        #expect(
            schedule?["last_runs_known"] as? Bool == true,
            "no table yet: no runs, known: \(String(describing: schedule))")
        #expect(try Command.lifeboat(["schedule", "list", "--json"], environment: environment).succeeded)
        #expect(try !Self.hasScheduleTable(coordination.url), "status and schedule list only read")
        #expect(try !Self.hasScheduleTable(database.url))

        let worker = try Command.lifeboat(["worker", "--once"], environment: environment)
        #expect(worker.succeeded, "\(worker.stderr)")
        #expect(try Self.hasScheduleTable(coordination.url), "the worker makes it where LIFEBOAT_COORDINATION_URL says")
        #expect(try !Self.hasScheduleTable(database.url))
    }

    @Test func aTableAnOlderVersionLeftInTheApplicationDatabaseIsMovedOnceThenDropped() throws {
        let database = try ScratchDatabase(fromPagila: false)
        let coordination = try ScratchDatabase(fromPagila: false)
        let folder = try ScratchFolder()
        let state = try ScratchFolder()
        var environment = Self.environment(database, folder, state)
        environment["LIFEBOAT_COORDINATION_URL"] = coordination.url
        // The moved rows are old slots: no slot of these schedules falls between them and now,
        // so the worker's one look runs nothing.
        environment["BACKUP_DAILY_SCHEDULE"] = "0 0 29 2 *"
        environment["BACKUP_WEEKLY_SCHEDULE"] = "0 0 29 2 *"
        let application = try database.connect()
        // The table as versions before issue 20 made it, with two finished runs.
        try application.query(
            """
            CREATE TABLE lifeboat_schedule_runs (job text NOT NULL, scheduled_for timestamptz NOT NULL, worker text NOT NULL,
                attempts integer NOT NULL DEFAULT 1, claimed_at timestamptz NOT NULL DEFAULT now(), lease_until timestamptz NOT NULL,
                finished_at timestamptz, outcome text, message text, PRIMARY KEY (job, scheduled_for));
            INSERT INTO lifeboat_schedule_runs (job, scheduled_for, worker, attempts, lease_until, finished_at, outcome, message) VALUES
                ('database-backup-daily', '2025-01-18 03:00:00+00', 'old-host:12', 2, '2025-01-18 03:01:00+00', '2025-01-18 03:00:40+00', 'succeeded', NULL),
                ('database-backup-weekly', '2025-01-19 04:00:00+00', 'old-host:12', 1, '2025-01-19 04:01:00+00', '2025-01-19 04:00:40+00', 'failed', 'disk full');
            """)
        application.close()

        let first = try Command.lifeboat(["worker", "--once"], environment: environment)
        #expect(first.succeeded, "\(first.stderr)")
        #expect(
            first.stderr.contains(
                "moved the schedule table lifeboat_schedule_runs (2 rows) from the application database '\(database.name)'"
            ),
            "\(first.stderr)")
        #expect(try !Self.hasScheduleTable(database.url), "dropped from the application database")
        let moved = try coordination.connect().query(
            """
            SELECT job, extract(epoch FROM scheduled_for)::bigint, worker, attempts, outcome, coalesce(message, '-')
            FROM lifeboat_schedule_runs ORDER BY job
            """
        ).rows
        #expect(
            moved == [
                ["database-backup-daily", "1737169200", "old-host:12", "2", "succeeded", "-"],
                ["database-backup-weekly", "1737259200", "old-host:12", "1", "failed", "disk full"]
            ], "\(moved)")

        let second = try Command.lifeboat(["worker", "--once"], environment: environment)
        #expect(second.succeeded, "\(second.stderr)")
        #expect(!second.stderr.contains("moved the schedule table"), "once: \(second.stderr)")
        let listed = try Command.lifeboat(["schedule", "list", "--json"], environment: environment)
        let rows = try #require(
            try JSONSerialization.jsonObject(with: Data(listed.stdout.utf8)) as? [[String: Any]], "\(listed.stderr)")
        #expect(
            rows.first { $0["job"] as? String == "database-backup-weekly" }?["last_outcome"] as? String == "failed",
            "\(rows)")
    }
}
