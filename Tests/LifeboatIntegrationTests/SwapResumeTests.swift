import Foundation
import Testing
import LifeboatCore
import LifeboatRunbooks

/// The swap step of a split safe restore (`restore.database` with `staged`): it never runs twice
/// blindly after a crash, and it swaps in only a copy Lifeboat prepared for this target.
extension SwapDowntimeTests {
    /// Killed right after its renames and before its end was journaled: a plain resume finds the
    /// swap done and stops (saying so) instead of swapping again; --skip-step goes on.
    @Test func aSwapKilledAfterItsRenamesIsNotRunAgain() throws {
        let database = try ScratchDatabase()
        let folder = try ScratchFolder()
        let state = try ScratchFolder()
        defer { RestoreTests.dropAll(like: "\(database.name)_%") }
        let log = folder.url.appendingPathComponent("services.log").path
        var environment = try RunbookRunTests.environment(database, folder, state: state, log: log)
        _ = try BackupRoundTripTests.backup(["--type", "daily", "--compress", "--no-encrypt"], environment)
        let original = try RestoreTests.checksums(database)
        try database.connect().query("UPDATE customer SET email = 'damaged@example.invalid'")

        environment["LIFEBOAT_TEST_CRASH_AFTER_STEP"] = "restore"
        let first = try Command.lifeboat(
            ["runbook", "run", "recent-corruption", "--input", "incident_time=latest", "--yes"],
            environment: environment)
        #expect(first.status == SIGKILL, "killed after the swap: \(first.status) \(first.stderr)")
        let runID = try #require(RunbookScenarioTests.runIDs(state).first)
        #expect(try RestoreTests.checksums(database) == original, "the swap happened before the kill")
        let kept = try RestoreTests.databases(like: "\(database.name)_before_%")
        #expect(kept.count == 1)

        environment["LIFEBOAT_TEST_CRASH_AFTER_STEP"] = nil
        let resumed = try Command.lifeboat(["runbook", "resume", runID, "--yes"], environment: environment)
        #expect(!resumed.succeeded)
        #expect(
            resumed.stderr.contains(
                "the swap finished: \(database.name) is the restored copy and \(kept.first ?? "?") the previous one"),
            "\(resumed.stderr)")
        #expect(try RestoreTests.databases(like: "\(database.name)_before_%") == kept, "not swapped a second time")
        #expect(RunbookScenarioTests.log(log) == "stop\n", "the application stays stopped until the operator decides")

        let skipped = try Command.lifeboat(
            ["runbook", "resume", runID, "--yes", "--skip-step"], environment: environment)
        try #require(skipped.succeeded, "\(skipped.stderr)")
        #expect(try RestoreTests.checksums(database) == original)
        #expect(RunbookScenarioTests.log(log) == "stop\nstart\nhealth\n")
        let events = try RunbookRunTests.journal(state, runID)
        #expect(events.filter { $0.kind == .stepStarted && $0.step == "restore" }.count == 1, "the swap ran once")
        #expect(events.filter { $0.kind == .stepStarted && $0.step == "prepare" }.count == 1)
    }

    /// A `staged` name that is not `<target>_restore_<time>` is refused before anything changes,
    /// even when that database exists: the swap would otherwise put it in place of the live one.
    @Test func aStagedNameLifeboatDidNotDeriveIsRefused() throws {
        let database = try ScratchDatabase()
        let other = try ScratchDatabase()
        let folder = try ScratchFolder()
        let state = try ScratchFolder()
        let runbooks = try ScratchFolder()
        defer { RestoreTests.dropAll(like: "\(database.name)_%") }
        let log = folder.url.appendingPathComponent("services.log").path
        var environment = try RunbookRunTests.environment(database, folder, state: state, log: log)
        environment["LIFEBOAT_RUNBOOKS_DIR"] = runbooks.path
        try """
        name: swap-foreign
        description: swaps in whatever database it is given
        inputs:
          staged: { type: string, required: true }
        steps:
          - id: pick
            action: backup.select
            with: { type: any, which: latest }
          - id: restore
            action: restore.database
            with: { backup: "${steps.pick.outputs.path}", mode: safe, staged: "${inputs.staged}" }
            needs: [pick]
        """.write(to: runbooks.url.appendingPathComponent("swap-foreign.yaml"), atomically: true, encoding: .utf8)
        _ = try BackupRoundTripTests.backup(["--type", "daily", "--compress", "--no-encrypt"], environment)
        try database.connect().query("UPDATE customer SET email = 'live@example.invalid'")
        let live = try RestoreTests.checksums(database)

        let result = try Command.lifeboat(
            ["runbook", "run", "swap-foreign", "--input", "staged=\(other.name)", "--yes"], environment: environment)
        #expect(!result.succeeded)
        #expect(
            result.stderr.contains(
                "refusing to swap in \(other.name): it is not a copy Lifeboat prepared for \(database.name)"),
            "\(result.stderr)")
        #expect(try RestoreTests.checksums(database) == live, "the live database is untouched")
        #expect(try RestoreTests.databases(like: other.name) == [other.name], "the named database is left alone")
        #expect(try RestoreTests.databases(like: "\(database.name)_%").isEmpty, "nothing was built or kept")
    }
}

extension SwapDowntimeTests {
    /// The same refusal for a table restore's `staged` (the rehearsal's copy): a name that is not
    /// `<target>_tables_<time>` is refused, not silently replaced by a new restore.
    @Test func aStagedTableCopyLifeboatDidNotDeriveIsRefused() throws {
        let database = try ScratchDatabase()
        let other = try ScratchDatabase()
        let folder = try ScratchFolder()
        let state = try ScratchFolder()
        let runbooks = try ScratchFolder()
        defer { RestoreTests.dropAll(like: "\(database.name)_%") }
        var environment = try RunbookRunTests.environment(
            database, folder, state: state, log: folder.url.appendingPathComponent("log").path)
        environment["LIFEBOAT_RUNBOOKS_DIR"] = runbooks.path
        try """
        name: tables-foreign
        description: copies tables from whatever database it is given
        inputs:
          staged: { type: string, required: true }
        steps:
          - id: pick
            action: backup.select
            with: { type: any, which: latest }
          - id: restore
            action: restore.tables
            with: { backup: "${steps.pick.outputs.path}", tables: [customer], staged: "${inputs.staged}" }
            needs: [pick]
        """.write(to: runbooks.url.appendingPathComponent("tables-foreign.yaml"), atomically: true, encoding: .utf8)
        _ = try BackupRoundTripTests.backup(["--type", "daily", "--compress", "--no-encrypt"], environment)
        try database.connect().query("UPDATE customer SET email = 'live@example.invalid'")
        let live = try RestoreTests.checksums(database)

        let result = try Command.lifeboat(
            ["runbook", "run", "tables-foreign", "--input", "staged=\(other.name)", "--yes"], environment: environment)
        #expect(!result.succeeded)
        #expect(
            result.stderr.contains(
                "refusing to copy from \(other.name): it is not a copy Lifeboat prepared for \(database.name)"),
            "\(result.stderr)")
        #expect(try RestoreTests.checksums(database) == live, "the live database is untouched")
        #expect(try RestoreTests.databases(like: "\(database.name)_%").isEmpty, "nothing was built or kept")
    }
}
