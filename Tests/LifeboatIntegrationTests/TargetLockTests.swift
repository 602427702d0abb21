import Foundation
import Testing
import LifeboatPostgres
import LifeboatRunbooks

/// Issue 20 item 1, locks that hold: a run and `lifeboat restore` take the same lock on their
/// target, no flag takes it over, the refusal names the holder and how to end it, and only
/// Lifeboat's own lock counts as a holder (never a session in a leftover scratch database).
@Suite(.enabled(if: TestEnvironment.shouldRun), .serialized)
struct TargetLockTests {
    /// Acceptance 2: a run held at its approval gate, and `restore --force` from another shell.
    @Test func aRunWaitingForApprovalHoldsItsTargetUntilItIsAborted() throws {
        let database = try ScratchDatabase()
        let folder = try ScratchFolder()
        let state = try ScratchFolder()
        defer { RestoreTests.dropAll(like: "\(database.name)_%") }
        let log = folder.url.appendingPathComponent("services.log").path
        let environment = try RunbookRunTests.environment(database, folder, state: state, log: log)
        let (backup, _) = try BackupRoundTripTests.backup(
            ["--type", "daily", "--compress", "--no-encrypt"], environment)
        let original = try RestoreTests.checksums(database)
        try database.connect().query("UPDATE film SET title = 'DAMAGED'")

        let run = try Command.spawnLifeboat(
            ["runbook", "run", "recent-corruption", "--input", "incident_time=latest"], environment: environment)
        defer { if run.isRunning { kill(run.processIdentifier, SIGKILL) } }
        var runID: String?
        for _ in 0..<1200 where runID == nil && run.isRunning {
            if let id = RunbookScenarioTests.runIDs(state).first,
                (try? RunbookRunTests.journal(state, id))?.contains(where: { $0.kind == .approvalRequested }) == true
            {
                runID = id
            } else {
                usleep(100_000)
            }
        }
        let held = try #require(runID, "the run reached its approval gate")

        let restore = ["restore", "--backup-file", backup.path, "--force"]
        for extra in [[], ["--ignore-preflight", "all"]] {
            let refused = try Command.lifeboat(restore + extra, environment: environment)
            #expect(refused.status == 5, "\(extra): \(refused.stderr)")
            #expect(
                refused.stderr.contains("run \(held)") && refused.stderr.contains("lifeboat runbook abort \(held)"),
                "\(extra): \(refused.stderr)")
        }
        let byName = try Command.lifeboat(restore + ["--ignore-preflight", "target.lock"], environment: environment)
        #expect(byName.status == 2 && byName.stderr.contains("cannot be taken over"), "\(byName.stderr)")
        #expect(
            try database.connect().query("SELECT count(*) FROM film WHERE title = 'DAMAGED'").scalar != "0",
            "nothing was restored")
        // Only the run's own copy, prepared before its gate; the refused restore built none.
        let prepared = try RunbookRunTests.journal(state, held).first {
            $0.kind == .stepFinished && $0.step == "prepare"
        }?.outputs?["database"]
        #expect(
            try RestoreTests.databases(like: "\(database.name)_%") == [try #require(prepared)],
            "no copy was built by the refused restore")

        let abort = try Command.lifeboat(["runbook", "abort", held], environment: environment)
        #expect(abort.succeeded, "\(abort.stderr)")
        for _ in 0..<1200 where run.isRunning { usleep(100_000) }
        if run.isRunning {
            kill(run.processIdentifier, SIGKILL)
            Issue.record("the aborted run did not stop")
        }
        run.waitUntilExit()
        let restored = try Command.lifeboat(restore, environment: environment)
        #expect(restored.succeeded, "\(restored.stderr)")
        #expect(try RestoreTests.checksums(database) == original)
        #expect(
            RunbookScenarioTests.log(log) == "stop\nstart\nhealth\n",
            "only the restore stopped and started the services, not the aborted run")
    }

    /// A session in a leftover `<db>_restore_*` database (autovacuum, a forgotten psql) is not
    /// a restore in progress: the target is free; and a restore that is running does hold it.
    @Test func aSessionInALeftoverCopyIsNoHolderButARunningRestoreIs() throws {
        let database = try ScratchDatabase()
        let folder = try ScratchFolder()
        let state = try ScratchFolder()
        defer { RestoreTests.dropAll(like: "\(database.name)_%") }
        let environment = try RunbookRunTests.environment(
            database, folder, state: state, log: folder.url.appendingPathComponent("log").path)
        let (backup, _) = try BackupRoundTripTests.backup(
            ["--type", "daily", "--compress", "--no-encrypt"], environment)
        let leftover = "\(database.name)_restore_20250101t000000z"
        let admin = try Connection(try TestEnvironment.adminURL)
        defer { admin.close() }
        try admin.query("CREATE DATABASE \(leftover)")
        var url = try #require(URLComponents(string: database.url))
        url.path = "/" + leftover
        let lingering = try Connection(try #require(url.string))
        defer { lingering.close() }
        try lingering.query("SET application_name = 'autovacuum worker'")

        let plan = try Command.lifeboat(
            ["runbook", "plan", "recent-corruption", "--input", "incident_time=latest", "--input", "backup_type=any"],
            environment: environment)
        #expect(plan.stdout.contains(PreflightTests.line("ok", "target.lock")), "\(plan.stdout)")

        // A restore that is running holds the target: a run started meanwhile is refused with it
        // named. Its stop command waits until the test releases it, so it holds on however slow the machine.
        let release = folder.url.appendingPathComponent("release")
        // never leave the stop command waiting
        defer { FileManager.default.createFile(atPath: release.path, contents: nil) }
        let slow = try Command.spawnLifeboat(
            ["restore", "--backup-file", backup.path, "--force"],
            environment: environment.merging(
                ["LIFEBOAT_STOP_COMMAND": "while [ ! -e \(shellQuote(release.path)) ]; do sleep 0.1; done"]) { $1 })
        defer { if slow.isRunning { kill(slow.processIdentifier, SIGKILL) } }
        var holder: String?
        for _ in 0..<600 where holder == nil && slow.isRunning {
            // This target's lock only: other tests' restores run at the same time.
            holder = try admin.query(
                """
                SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
                WHERE l.locktype = 'advisory' AND l.granted AND a.application_name LIKE 'lifeboat restore %'
                  AND ((l.classid::bigint << 32) | l.objid::bigint) = hashtextextended($1, 0)
                """, ["lifeboat:run:" + database.name]
            ).scalar
            if holder == nil { usleep(100_000) }
        }
        try #require(holder != nil, "the restore took its target's lock")
        let run = try Command.lifeboat(
            [
                "runbook", "run", "recent-corruption", "--input", "incident_time=latest", "--yes", "--input",
                "backup_type=any"
            ], environment: environment)
        #expect(run.status != 0 && run.stderr.contains("a restore on"), "\(run.stderr)")
        FileManager.default.createFile(atPath: release.path, contents: nil)
        kill(slow.processIdentifier, SIGKILL)
        slow.waitUntilExit()
    }
}
