import Foundation
import Testing
import LifeboatPostgres
import LifeboatRunbooks

/// Issue 19 item 5, the parts beyond the copy itself, on the production-shaped schema: the
/// accidental-deletion runbook resolves its table names in preflight (before it verifies or
/// restores anything), its approval shows the foreign keys the copy would leave violated (a
/// rehearsal rolled back), and large objects can be restored on their own (`--large-objects`).
@Suite(.enabled(if: TestEnvironment.shouldRun), .serialized)
struct TableRestoreRunbookTests {
    /// The runbook's environment around a fixture: its database and backup folder, a state
    /// folder, the command services provider.
    static func environment(_ fixture: TableRestoreTests.Fixture, state: ScratchFolder) throws -> [String: String?] {
        try RunbookRunTests.environment(
            fixture.database, fixture.folder, state: state,
            log: fixture.folder.url.appendingPathComponent("services.log").path)
    }

    static func accidentalDeletion(
        _ environment: [String: String?], _ tables: String, _ extra: [String] = [],
        plan: Bool = false
    ) throws -> CommandResult {
        try Command.lifeboat(
            [
                "runbook", plan ? "plan" : "run", "accidental-deletion", "--input", "tables=\(tables)",
                "--input", "deleted_at=2100-01-01T00:00:00Z"
            ] + (plan ? [] : ["--yes"]) + extra,
            environment: environment)
    }

    @Test func tableNamesAreResolvedInPreflightBeforeAnythingRuns() throws {
        let fixture = try TableRestoreTests.Fixture()
        let state = try ScratchFolder()
        defer { RestoreTests.dropAll(like: "\(fixture.database.name)_%") }
        let environment = try Self.environment(fixture, state: state)
        try fixture.database.connect().query("CREATE TABLE made_after_the_backup (id int)")
        let before = try TableRestoreTests.contents(fixture.database)

        let cases: [(tables: String, says: [String])] = [
            ("payments", ["table payments is not in database \(fixture.database.name)"]),
            ("customers", ["table customers is ambiguous", "\"archive\".\"customers\"", "\"public\".\"customers\""]),
            ("made_after_the_backup", ["public.made_after_the_backup is not in the backup"])
        ]
        for (tables, says) in cases {
            let run = try Self.accidentalDeletion(environment, tables)
            #expect(run.status == 5, "\(tables): \(run.stderr)")
            #expect(run.stderr.contains(PreflightTests.line("fail", "backup.tables")), "\(tables): \(run.stderr)")
            for text in says { #expect(run.stderr.contains(text), "\(tables) → \(text): \(run.stderr)") }
            #expect(RunbookScenarioTests.runIDs(state).isEmpty, "\(tables): no run was started, nothing verified")
        }
        #expect(try RestoreTests.databases(like: "\(fixture.database.name)_%").isEmpty, "no scratch database was made")
        #expect(try TableRestoreTests.contents(fixture.database) == before)

        // The SQL spelling, and a partitioned parent (its rows are its partitions').
        let plan = try Self.accidentalDeletion(environment, #""Sales Dept"."Order Items", events"#, plan: true)
        #expect(plan.succeeded, "\(plan.stderr)")
        #expect(
            plan.stdout.contains(PreflightTests.line("ok", "backup.tables"))
                && plan.stdout.contains(
                    "Sales Dept.Order Items, public.events (partitioned: its partitions too), all in the backup"),
            "\(plan.stdout)")
    }

    @Test func theApprovalShowsTheForeignKeysTheCopyWouldBreakAndNothingChangesUntilAllowed() throws {
        let fixture = try TableRestoreTests.Fixture()
        let state = try ScratchFolder()
        defer { RestoreTests.dropAll(like: "\(fixture.database.name)_%") }
        let environment = try Self.environment(fixture, state: state)
        let before = try TableRestoreTests.contents(fixture.database)

        // The late order points at the late customer, whom restoring customers removes.
        let refused = try Self.accidentalDeletion(environment, "public.customers")
        #expect(refused.status != 0, "\(refused.stderr)")
        let runID = try #require(RunbookScenarioTests.runIDs(state).first)
        let events = try RunbookRunTests.journal(state, runID)
        let asked = try #require(events.first { $0.kind == .approvalRequested && $0.step == "restore" }, "\(events)")
        #expect(
            asked.message?.contains(
                "Foreign keys the copy would leave violated: orders.\"orders_customer_id_fkey\": "
                    + "1 row of orders point at no row of customers") == true, "\(asked.message ?? "")")
        let rehearsed = try #require(events.first { $0.kind == .stepFinished && $0.step == "rehearse" })
        #expect(rehearsed.outputs?["fk_violation_count"] == "1", "\(rehearsed.outputs ?? [:])")
        #expect(
            try TableRestoreTests.contents(fixture.database) == before,
            "nothing changed: the rehearsal rolled back, the restore refused")
        #expect(
            try RestoreTests.databases(like: "\(fixture.database.name)_%").isEmpty,
            "the rehearsal's scratch database is gone")

        let allowed = try Self.accidentalDeletion(
            environment, "public.customers", ["--input", "allow_fk_violations=true"])
        #expect(allowed.succeeded, "\(allowed.stderr)")
        #expect(try TableRestoreTests.contents(fixture.database)["customers"] == fixture.atBackup["customers"])
        #expect(
            try RestoreTests.databases(like: "\(fixture.database.name)_%").isEmpty,
            "the staged scratch database is dropped")
        let second = try #require(RunbookScenarioTests.runIDs(state).first { $0 != runID })
        let restored = try RunbookRunTests.journal(state, second)
        #expect(restored.contains { $0.kind == .stepFinished && $0.step == "restore" && $0.status == .succeeded })
    }

    @Test func largeObjectsAreRestoredOnTheirOwnAndThoseMadeSinceStay() throws {
        let fixture = try TableRestoreTests.Fixture()
        defer { RestoreTests.dropAll(like: "\(fixture.database.name)_%") }
        let connection = try fixture.database.connect()
        defer { connection.close() }
        let original = try #require(try connection.query("SELECT oid FROM pg_largeobject_metadata").scalar)
        try connection.query("GRANT SELECT ON LARGE OBJECT \(original) TO PUBLIC")
        // Taken again so the backup has the grant; then the object is unlinked and another made.
        let (file, _) = try BackupRoundTripTests.backup(
            ["--type", "manual", "--no-compress", "--no-encrypt"], fixture.environment)
        try connection.query("SELECT lo_unlink(\(original))")
        let late = try #require(try connection.query("SELECT lo_from_bytea(0, 'made after the backup')").scalar)
        let before = try TableRestoreTests.contents(fixture.database)

        let restore = try Command.lifeboat(
            ["restore", "--backup-file", file.path, "--force", "--large-objects"], environment: fixture.environment)
        #expect(restore.succeeded, "\(restore.stderr)")
        #expect(restore.stderr.contains("large objects: 1 brought back, 0 replaced"), "\(restore.stderr)")
        #expect(try connection.query("SELECT convert_from(lo_get(\(original)), 'UTF8')").scalar == "a large object")
        #expect(
            try connection.query("SELECT convert_from(lo_get(\(late)), 'UTF8')").scalar == "made after the backup",
            "made since: kept")
        #expect(
            try connection.query(
                "SELECT lomacl::text LIKE '%=r/%' FROM pg_largeobject_metadata WHERE oid = \(original)"
            ).scalar == "t",
            "its grant came back")
        #expect(try TableRestoreTests.contents(fixture.database) == before, "no table changed")
        #expect(try RestoreTests.databases(like: "\(fixture.database.name)_%").isEmpty)

        // Its bytes changed since: the backup's come back.
        try connection.query("SELECT lo_put(\(original), 0, 'A')")
        let again = try Command.lifeboat(
            ["restore", "--backup-file", file.path, "--force", "--large-objects"], environment: fixture.environment)
        #expect(again.succeeded && again.stderr.contains("0 brought back, 1 replaced"), "\(again.stderr)")
        #expect(try connection.query("SELECT convert_from(lo_get(\(original)), 'UTF8')").scalar == "a large object")
    }
}
