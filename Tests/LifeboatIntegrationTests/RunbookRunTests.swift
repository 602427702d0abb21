import Foundation
import Testing
import LifeboatCore
import LifeboatPostgres
import LifeboatRunbooks

/// Runbooks run for real: the shipped recent-corruption scenario end to end, and a run killed
/// mid-step that resumes from its journal without repeating finished steps.
@Suite(.enabled(if: TestEnvironment.shouldRun))
struct RunbookRunTests {
    static let runbooks = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("runbooks").path

    static func environment(_ database: ScratchDatabase, _ folder: ScratchFolder, state: ScratchFolder, log: String)
        throws -> [String: String?]
    {
        var environment = try BackupRoundTripTests.environment(database, folder)
        environment["LIFEBOAT_STATE_DIR"] = state.path
        environment["LIFEBOAT_RUNBOOKS_DIR"] = runbooks
        environment["LIFEBOAT_SERVICES_PROVIDER"] = "command"
        environment["LIFEBOAT_STOP_COMMAND"] = "echo stop >> \(shellQuote(log))"
        environment["LIFEBOAT_START_COMMAND"] = "echo start >> \(shellQuote(log))"
        environment["LIFEBOAT_HEALTH_COMMAND"] = "echo health >> \(shellQuote(log))"
        return environment
    }

    /// The same, with the S3 test server's `bucket` and credentials: for runbooks that fetch.
    static func environment(
        _ database: ScratchDatabase, _ folder: ScratchFolder, state: ScratchFolder, log: String,
        bucket: String
    ) throws -> [String: String?] {
        var environment = try Self.environment(database, folder, state: state, log: log)
        for (key, value) in try CloudTests.environment(database, folder, bucket: bucket) { environment[key] = value }
        return environment
    }

    static func journal(_ state: ScratchFolder, _ runID: String) throws -> [JournalEvent] {
        try RunJournal.read(state.url.appendingPathComponent("runs/\(runID)/journal.jsonl"))
    }

    /// Waits (at most two minutes) until the restore's psql sleeps in its scratch copy of
    /// `database`: the step is then mid-restore, whatever the machine's speed.
    static func waitForSleepingRestore(of database: ScratchDatabase) throws -> Bool {
        let admin = try Connection(try TestEnvironment.adminURL)
        defer { admin.close() }
        for _ in 0..<1200 {
            let sleeping = try admin.query(
                "SELECT count(*) FROM pg_stat_activity WHERE datname LIKE $1 AND query LIKE '%pg_sleep%'",
                ["\(database.name)_restore_%"]
            ).scalar
            if sleeping != "0" { return true }
            usleep(100_000)
        }
        return false
    }

    @Test func recentCorruptionRunsEndToEnd() throws {
        let database = try ScratchDatabase()
        let folder = try ScratchFolder()
        let state = try ScratchFolder()
        defer { RestoreTests.dropAll(like: "\(database.name)_%") }
        let log = folder.url.appendingPathComponent("services.log").path
        let environment = try Self.environment(database, folder, state: state, log: log)
        let (_, _) = try BackupRoundTripTests.backup(["--type", "daily", "--compress", "--encrypt"], environment)
        let original = try RestoreTests.checksums(database)
        try database.connect().query("DELETE FROM payment WHERE payment_id % 2 = 0")

        let result = try Command.lifeboat(
            ["runbook", "run", "recent-corruption", "--input", "incident_time=latest", "--yes", "--json"],
            environment: environment)
        try #require(result.succeeded, "\(result.stderr)")
        #expect(try RestoreTests.checksums(database) == original, "the data is back")
        #expect(try String(contentsOfFile: log, encoding: .utf8) == "stop\nstart\nhealth\n")
        let report = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
        let runID = try #require(report?["run_id"] as? String)
        // The objectives judged as `drill --json` gives them: per objective both numbers and met.
        let measures = try #require(report?["measures"] as? [String: Any], "\(result.stdout)")
        let objectives = try #require(measures["objectives"] as? [[String: Any]])
        #expect(objectives.map { $0["objective"] as? String } == ["rto", "rpo", "downtime"])
        #expect(
            objectives.allSatisfy {
                Set($0.keys) == ["objective", "objective_seconds", "achieved_seconds", "met"] && $0["met"] is Bool
            })
        #expect(objectives.first?["achieved_seconds"] as? Double == measures["rto_seconds"] as? Double)
        let events = try Self.journal(state, runID)
        #expect(events.first?.kind == .runStarted)
        #expect(events.last?.kind == .runFinished && events.last?.status == .succeeded)
        #expect(events.contains { $0.kind == .approval && $0.step == "stop" && $0.by == "auto (--yes)" })
        let finished = events.filter { $0.kind == .stepFinished && $0.status == .succeeded }.compactMap(\.step)
        #expect(finished == ["pick", "prepare", "stop", "restore", "start", "health", "check"])

        let status = try Command.lifeboat(["runbook", "status", runID], environment: environment)
        #expect(status.stdout.contains("succeeded"))
        #expect(status.stdout.contains("stop: succeeded, approved by auto (--yes)"))
    }

    @Test func killedDuringRestoreResumesWithoutRepeatingFinishedSteps() throws {
        let database = try ScratchDatabase()
        let folder = try ScratchFolder()
        let state = try ScratchFolder()
        defer { RestoreTests.dropAll(like: "\(database.name)_%") }
        let log = folder.url.appendingPathComponent("services.log").path
        var environment = try Self.environment(database, folder, state: state, log: log)
        let (_, _) = try BackupRoundTripTests.backup(["--type", "daily", "--compress", "--no-encrypt"], environment)
        let original = try RestoreTests.checksums(database)
        try database.connect().query("UPDATE customer SET email = 'damaged@example.invalid'")

        // A psql that sleeps before it reads the dump: the restore step is then in flight for long.
        let tools = try ScratchFolder()
        let real = try TestEnvironment.pgBin + "/psql"
        let slow = tools.url.appendingPathComponent("psql").path
        try """
        #!/bin/bash
        if [ "${1:-}" = --version ]; then exec \(real) --version; fi
        if [ -f \(shellQuote(tools.url.appendingPathComponent("slow").path)) ] && [[ "$PGDATABASE" == *_restore_* ]]; then
            exec \(real) "$@" -c "SELECT pg_sleep(60)" -f -
        fi
        exec \(real) "$@"
        """.write(toFile: slow, atomically: true, encoding: .utf8)
        chmod(slow, 0o755)
        environment["PSQL_PATH"] = slow
        environment["RESTORE_JOBS"] = "1"  // psql's path: the parallel one runs no psql to slow down
        try Data().write(to: tools.url.appendingPathComponent("slow"))

        let process = try Command.spawnLifeboat(
            ["runbook", "run", "recent-corruption", "--input", "incident_time=latest", "--yes"],
            environment: environment)
        // Wait until the prepare step (the one restore) is journaled as started, after pick.
        var runID: String?
        var restoring = false
        for _ in 0..<600 where !restoring {
            usleep(100_000)
            runID =
                (try? FileManager.default.contentsOfDirectory(atPath: state.url.appendingPathComponent("runs").path))?
                .first
            if let runID, let events = try? Self.journal(state, runID) {
                restoring = events.contains { $0.kind == .stepStarted && $0.step == "prepare" }
            }
        }
        #expect(restoring, "the run reached the prepare step")
        #expect(try Self.waitForSleepingRestore(of: database), "the prepare step is building its copy")
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        try FileManager.default.removeItem(at: tools.url.appendingPathComponent("slow"))
        let id = try #require(runID)
        #expect(
            !FileManager.default.fileExists(atPath: log),
            "the application still runs: nothing is stopped while the copy is built")

        // Killed while building its scratch copy (the swap never began): a plain resume drops
        // that copy and restores again, the live database untouched meanwhile.
        #expect(
            try RestoreTests.checksums(database) != original, "the live database was not touched by the killed restore")
        let resumed = try Command.lifeboat(["runbook", "resume", id, "--yes"], environment: environment)
        try #require(resumed.succeeded, "\(resumed.stderr)")
        #expect(
            resumed.stderr.contains("restoring again; the live database \(database.name) is untouched"),
            "\(resumed.stderr)")
        #expect(try RestoreTests.checksums(database) == original)
        #expect(try String(contentsOfFile: log, encoding: .utf8) == "stop\nstart\nhealth\n", "stop was not run again")
        let events = try Self.journal(state, id)
        #expect(events.filter { $0.kind == .stepStarted && $0.step == "pick" }.count == 1, "pick ran once")
        #expect(events.filter { $0.kind == .stepStarted && $0.step == "prepare" }.count == 2, "prepare ran again")
        #expect(events.filter { $0.kind == .stepStarted && $0.step == "restore" }.count == 1, "the swap ran once")
        #expect(
            events.contains { $0.kind == .stepRetried && $0.step == "prepare" && $0.by == nil },
            "journaled as a safe redo")
        #expect(
            try RestoreTests.databases(like: "\(database.name)_restore_%").isEmpty,
            "the half-built copy was dropped, the second one swapped in")
        #expect(
            events.contains { $0.kind == .interrupted && $0.signal == nil }, "the kill found at resume is journaled")
        #expect(events.last?.status == .succeeded)
    }

    @Test func aSecondRunOnTheSameTargetIsRefusedWhileTheLockIsHeld() throws {
        let database = try ScratchDatabase()
        let folder = try ScratchFolder()
        let state = try ScratchFolder()
        let environment = try Self.environment(
            database, folder, state: state, log: folder.url.appendingPathComponent("log").path)
        _ = try BackupRoundTripTests.backup(["--type", "daily", "--compress", "--no-encrypt"], environment)
        let locks = state.url.appendingPathComponent("locks")
        try FileManager.default.createDirectory(at: locks, withIntermediateDirectories: true)
        // A live holder: this test process's own pid.
        try "20250101t000000z-beef \(ProcessInfo.processInfo.hostName) \(getpid())\n"
            .write(to: locks.appendingPathComponent("\(database.name).lock"), atomically: true, encoding: .utf8)
        let refused = try Command.lifeboat(
            ["runbook", "run", "recent-corruption", "--input", "incident_time=latest", "--yes"],
            environment: environment)
        #expect(refused.status == 1)
        #expect(
            refused.stderr.contains("held by run 20250101t000000z-beef")
                && refused.stderr.contains("lifeboat runbook abort 20250101t000000z-beef"), "\(refused.stderr)")
        // A dead holder's lock is recovered.
        try "20250101t000000z-dead \(ProcessInfo.processInfo.hostName) 999999\n"
            .write(to: locks.appendingPathComponent("\(database.name).lock"), atomically: true, encoding: .utf8)
        let recovered = try Command.lifeboat(
            ["runbook", "run", "recent-corruption", "--input", "incident_time=latest", "--yes"],
            environment: environment)
        #expect(recovered.succeeded, "\(recovered.stderr)")
        RestoreTests.dropAll(like: "\(database.name)_%")

        // Across machines: another host's run holds the advisory lock on the server.
        let otherHost = try Connection(try TestEnvironment.adminURL)
        try otherHost.query(
            "SELECT set_config('application_name', 'lifeboat run 20250101t000000z-0ther db-host-2', false)")
        try otherHost.query("SELECT pg_advisory_lock(hashtextextended($1, 0))", ["lifeboat:run:\(database.name)"])
        let elsewhere = try Command.lifeboat(
            ["runbook", "run", "recent-corruption", "--input", "incident_time=latest", "--yes"],
            environment: environment)
        #expect(elsewhere.status == 1)
        #expect(
            elsewhere.stderr.contains("held on its server by 'lifeboat run 20250101t000000z-0ther db-host-2'"),
            "\(elsewhere.stderr)")
        otherHost.close()  // the holder dies: its lock goes with its session
        let afterwards = try Command.lifeboat(
            ["runbook", "run", "recent-corruption", "--input", "incident_time=latest", "--yes"],
            environment: environment)
        #expect(afterwards.succeeded, "\(afterwards.stderr)")
        RestoreTests.dropAll(like: "\(database.name)_%")
    }
}

extension RunbookRunTests {
    /// A run waiting at an approval gate is killed; the resumed run waits again, and an
    /// approval given from another terminal lets it finish without repeating earlier steps.
    @Test func killedWhileWaitingForApprovalResumesAndIsApprovedFromElsewhere() throws {
        let database = try ScratchDatabase()
        let folder = try ScratchFolder()
        let state = try ScratchFolder()
        defer { RestoreTests.dropAll(like: "\(database.name)_%") }
        let log = folder.url.appendingPathComponent("services.log").path
        let environment = try Self.environment(database, folder, state: state, log: log)
        _ = try BackupRoundTripTests.backup(["--type", "daily", "--compress", "--no-encrypt"], environment)
        let original = try RestoreTests.checksums(database)
        try database.connect().query("UPDATE film SET title = 'DAMAGED'")

        func start(_ arguments: [String]) throws -> Process {
            try Command.spawnLifeboat(arguments, environment: environment)
        }
        // Waits until the gate is journaled as waiting, since the run (or its latest resume)
        // started: a fixed pause after prepare let a slow resume be approved before it waited.
        func waitForApprovalWait(_ process: Process) -> String? {
            RunbookRecordTests.waitForJournal(state, process) { events in
                let since = events.lastIndex { $0.kind == .resumed } ?? 0
                return events[since...].contains { $0.kind == .approvalRequested && $0.step == "stop" }
            }?.0
        }

        let first = try start(["runbook", "run", "recent-corruption", "--input", "incident_time=latest"])
        let runID = try #require(waitForApprovalWait(first), "the run reached the approval gate")
        kill(first.processIdentifier, SIGKILL)
        first.waitUntilExit()
        #expect(!FileManager.default.fileExists(atPath: log), "nothing was stopped before approval")

        let resumed = try start(["runbook", "resume", runID])
        #expect(waitForApprovalWait(resumed) == runID, "the resumed run waits at the gate again")
        let approve = try Command.lifeboat(
            ["runbook", "approve", runID, "stop", "--by", "alice"], environment: environment)
        #expect(approve.succeeded, "\(approve.stderr)")
        for _ in 0..<600 where resumed.isRunning { usleep(100_000) }
        if resumed.isRunning {
            kill(resumed.processIdentifier, SIGKILL); Issue.record("the resumed run did not finish")
        }
        resumed.waitUntilExit()
        #expect(resumed.terminationStatus == 0)
        #expect(try RestoreTests.checksums(database) == original)
        let events = try Self.journal(state, runID)
        #expect(events.contains { $0.kind == .approval && $0.step == "stop" && $0.by == "alice" })
        #expect(
            events.filter { $0.kind == .stepStarted && $0.step == "prepare" }.count == 1, "prepare was not repeated")
        #expect(events.last?.status == .succeeded)
    }
}

extension RunbookRunTests {
    /// total-loss killed during a slow streamed download: resume replays the partial file in the
    /// run folder, continues the download with Range and finishes; the selection is not repeated.
    @Test func killedDuringCloudFetchResumesTheDownload() throws {
        let database = try ScratchDatabase(fromPagila: false)
        let pgbench = try Command.run(
            try TestEnvironment.pgBin + "/pgbench", ["-i", "-q", "-s", "1", "-d", database.url])
        try #require(pgbench.succeeded, "\(pgbench.stderr)")
        let folder = try ScratchFolder()
        let state = try ScratchFolder()
        defer { RestoreTests.dropAll(like: "\(database.name)_%") }
        let bucket = try CloudTests.bucket()
        var environment = try Self.environment(
            database, folder, state: state, log: folder.url.appendingPathComponent("log").path)
        for (key, value) in try CloudTests.environment(database, folder, bucket: bucket)
        where key.hasPrefix("AWS_") || key.hasPrefix("BACKUP_CLOUD") {
            environment[key] = value
        }
        let (file, _) = try BackupRoundTripTests.backup(
            ["--type", "daily", "--no-compress", "--no-encrypt", "--upload"], environment)
        let accounts = try database.connect().query("SELECT count(*) FROM pgbench_accounts").scalar
        try database.connect().query("DELETE FROM pgbench_accounts WHERE aid % 2 = 0")

        // 1 MiB/s: slow enough to kill the download part way.
        let process = try Command.spawnLifeboat(
            ["runbook", "run", "total-loss", "--yes"],
            environment: environment.merging(["BACKUP_CLOUD_MAX_RATE_KBPS": "1024"]) { $1 })
        var runID: String?
        var partialSize = 0
        for _ in 0..<300 where partialSize < 2 << 20 {
            usleep(100_000)
            runID =
                runID
                ?? (try? FileManager.default.contentsOfDirectory(atPath: state.url.appendingPathComponent("runs").path))?
                .first
            if let runID {
                let partial = state.url.appendingPathComponent(
                    "runs/\(runID)/artifacts/.\(file.lastPathComponent).partial")
                partialSize =
                    (try? FileManager.default.attributesOfItem(atPath: partial.path)[.size] as? NSNumber)?.intValue ?? 0
            }
        }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        let id = try #require(runID)
        #expect(partialSize > 0, "the download had started")

        let resumed = try Command.lifeboat(["runbook", "resume", id, "--yes"], environment: environment)
        try #require(resumed.succeeded, "\(resumed.stderr)")
        #expect(
            try database.connect().query("SELECT count(*) FROM pgbench_accounts").scalar == accounts, "the data is back"
        )
        let events = try Self.journal(state, id)
        #expect(
            events.filter { $0.kind == .stepStarted && $0.step == "pick" }.count == 1, "the selection was not repeated")
        #expect(
            events.filter { $0.kind == .stepStarted && $0.step == "prepare" }.count == 2,
            "the streamed restore ran again")
        let resumedFrom = events.last { $0.kind == .stepFinished && $0.step == "prepare" }?.outputs?["resumed_from"]
        #expect(
            (resumedFrom.flatMap { Int($0) } ?? 0) >= partialSize,
            "the kept bytes were not downloaded again: \(resumedFrom ?? "none")")
        #expect(events.last?.status == .succeeded)
    }
}

extension RunbookRunTests {
    /// `abort` stops a run waiting at a gate and marks it so it cannot be resumed.
    @Test func abortStopsTheRunAndForbidsResume() throws {
        let database = try ScratchDatabase()
        let folder = try ScratchFolder()
        let state = try ScratchFolder()
        let log = folder.url.appendingPathComponent("services.log").path
        defer { RestoreTests.dropAll(like: "\(database.name)_%") }
        let environment = try Self.environment(database, folder, state: state, log: log)
        _ = try BackupRoundTripTests.backup(["--type", "daily", "--compress", "--no-encrypt"], environment)
        let before = try RestoreTests.checksums(database)
        let process = try Command.spawnLifeboat(
            ["runbook", "run", "recent-corruption", "--input", "incident_time=latest"], environment: environment)
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
        let (id, _) = try #require(
            RunbookRecordTests.waitForJournal(state, process, until: RunbookRecordTests.waiting("stop")),
            "the run reached the approval gate")
        let abort = try Command.lifeboat(["runbook", "abort", id], environment: environment)
        #expect(abort.succeeded, "\(abort.stderr)")
        for _ in 0..<100 where process.isRunning { usleep(100_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL); Issue.record("the run did not stop") }
        process.waitUntilExit()
        #expect(try Self.journal(state, id).last?.status == .aborted)
        let resume = try Command.lifeboat(["runbook", "resume", id, "--yes"], environment: environment)
        #expect(resume.status == 1)
        #expect(resume.stderr.contains("was aborted"))
        #expect(try RestoreTests.checksums(database) == before, "nothing changed")
        #expect(!FileManager.default.fileExists(atPath: log))
    }
}
