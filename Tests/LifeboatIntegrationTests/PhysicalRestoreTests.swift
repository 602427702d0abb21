import Foundation
import Testing
import LifeboatCore
import LifeboatPostgres
import LifeboatRunbooks

/// Physical point-in-time restore through the shipped `point-in-time` runbook, against the real
/// pgBackRest cluster of `scripts/physical-env` (issue 12, acceptance 1, 3 and 5). In the
/// serialized PhysicalEngineTests suite because they stop, replace and start that cluster;
/// each test leaves it running and archiving.
extension PhysicalEngineTests {
    /// A table with many rows, marker A, the moment T, marker B and most rows deleted; WAL
    /// switched and archived past T. Returns T (whole seconds: runbook timestamps have no fraction).
    static func markers(_ table: String) throws -> String {
        let connection = try Connection(try PhysicalEnvironment.url)
        defer { connection.close() }
        try connection.query("DROP TABLE IF EXISTS \(table)")
        try connection.query("CREATE TABLE \(table) (id int PRIMARY KEY, tag text NOT NULL)")
        try connection.query("INSERT INTO \(table) SELECT g, 'bulk' FROM generate_series(1, 500) g")
        try connection.query("INSERT INTO \(table) VALUES (0, 'A')")
        // T: the next whole second after A, by the server's clock; B comes a second after T.
        let target = try #require(
            try connection.query(
                """
                SELECT to_char(date_trunc('second', clock_timestamp() AT TIME ZONE 'UTC') + interval '1 second', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
                """
            ).scalar)
        try PhysicalEnvironment.waitFor("the server's clock to pass T + 1s") {
            try connection.query("SELECT clock_timestamp() > $1::timestamptz + interval '1 second'", [target]).scalar
                == "t"
        }
        try connection.query("INSERT INTO \(table) VALUES (-1, 'B')")
        try connection.query("DELETE FROM \(table) WHERE tag = 'bulk' AND id > 20")
        let segment = try #require(try connection.query("SELECT pg_walfile_name(pg_switch_wal())").scalar)
        try PhysicalEnvironment.waitFor("WAL segment \(segment) to be archived", attempts: 480) {
            try connection.query("SELECT coalesce(last_archived_wal >= $1, false) FROM pg_stat_archiver", [segment])
                .scalar == "t"
        }
        return target
    }

    /// A full physical backup through `lifeboat`, then `markers(table)`: every PITR test's start.
    static func fullBackupThenMarkers(_ table: String, _ environment: [String: String?]) throws -> String {
        let full = try Command.lifeboat(["backup", "--engine", "physical", "--kind", "full"], environment: environment)
        try #require(full.status == 0, "\(full.stderr)")
        return try markers(table)
    }

    /// Tags and counts in the table now.
    static func tags(_ table: String) throws -> [String: Int] {
        let connection = try Connection(try PhysicalEnvironment.url)
        defer { connection.close() }
        let rows = try connection.query("SELECT tag, count(*) FROM \(table) GROUP BY tag").rows
        return Dictionary(rows.map { ($0[0] ?? "?", Int($0[1] ?? "0") ?? 0) }, uniquingKeysWith: { a, _ in a })
    }

    /// Whatever happened, the cluster ends up running (started with the options the run kept).
    static func ensureRunning(_ state: ScratchFolder) {
        let data = (try? PhysicalEnvironment.dataDirectory) ?? ""
        guard !PostmasterStatus.read(dataDirectory: data).isRunning else { return }
        let settings = PhysicalEngineSettings(
            stanza: (try? PhysicalEnvironment.stanza) ?? "lifeboat",
            configPath: try? PhysicalEnvironment.config, dataDirectory: data,
            runAs: RunAsUser(user: getuid() == 0 ? "postgres" : NSUserName()))
        let saved = RunbookScenarioTests.runIDs(state).map {
            state.url.appendingPathComponent("runs/\($0)/artifacts/postmaster.opts")
        }
        .first { FileManager.default.fileExists(atPath: $0.path) }
        _ = try? PostgresService(settings: settings).start(savedOptions: saved)
        _ = try? PostgresReadiness(conninfo: (try? PhysicalEnvironment.url) ?? "").wait()
    }

    static func dropTable(_ table: String) {
        guard let connection = try? Connection(try PhysicalEnvironment.url) else { return }
        _ = try? connection.query("DROP TABLE IF EXISTS \(table)")
        connection.close()
    }

    /// Acceptance 1: a run to T brings back A and the deleted rows, and not B.
    @Test func pointInTimeRunToTBringsBackAAndTheDeletedRowsButNotB() throws {
        let folder = try ScratchFolder()
        let state = try ScratchFolder()
        let table = "lifeboat_pitr_markers"
        defer {
            Self.ensureRunning(state)
            Self.dropTable(table)
        }
        let environment = try Self.environment(folder, ["LIFEBOAT_STATE_DIR": state.path])
        let target = try Self.fullBackupThenMarkers(table, environment)
        #expect(try Self.tags(table) == ["A": 1, "B": 1, "bulk": 20])

        let plan = try Command.lifeboat(
            ["runbook", "plan", "point-in-time", "--input", "target_time=\(target)"], environment: environment)
        #expect(
            plan.stdout.contains("Path: physical — \(target) is inside the WAL archive window"),
            "\(plan.stdout)\n\(plan.stderr)")

        let run = try Command.lifeboat(
            ["runbook", "run", "point-in-time", "--input", "target_time=\(target)", "--yes"], environment: environment)
        try #require(run.status == 0, "\(run.stdout)\n\(run.stderr)")
        #expect(try Self.tags(table) == ["A": 1, "bulk": 500], "A and the deleted rows are back, B is not")

        let runID = try #require(RunbookScenarioTests.runIDs(state).first)
        let events = try RunbookRunTests.journal(state, runID)
        let finished = Dictionary(
            events.filter { $0.kind == .stepFinished }.compactMap { event in event.step.map { ($0, event) } },
            uniquingKeysWith: { _, last in last })
        #expect(finished["choose"]?.outputs?["path"] == "physical")
        for id in ["stop_postgres", "restore_physical", "start_postgres", "wait_ready", "check_physical"] {
            #expect(finished[id]?.status == .succeeded, "\(id): \(finished[id]?.message ?? "not finished")")
        }
        for id in ["pick", "verify", "restore", "validate"] {
            #expect(finished[id]?.status == .skipped, "\(id) is on the logical path")
        }
        let restored = try #require(finished["restore_physical"]?.outputs)
        #expect(restored["engine"] == "pgbackrest")
        #expect(restored["backup_set"]?.hasSuffix("F") == true, "the full set just taken: \(restored)")
        #expect(restored["target"] == target)
        #expect(events.contains { $0.kind == .approval && $0.step == "stop_postgres" && $0.by == "auto (--yes)" })
        #expect(finished["wait_ready"]?.outputs?["recovered_to"]?.isEmpty == false)

        let report = try Command.lifeboat(["report", runID, "--format", "md"], environment: environment)
        #expect(report.status == 0, "\(report.stderr)")
        #expect(report.stdout.contains("## Recovery"), "\(report.stdout)")
        #expect(
            report.stdout.contains("| Backup set | \(restored["backup_set"] ?? "?") |"),
            "the report names the backup set")
        #expect(report.stdout.contains("| WAL replayed | \(restored["wal_start"] ?? "?") … "))
        let json = try Command.lifeboat(["report", runID, "--format", "json"], environment: environment)
        let recovery = try #require(
            (try Self.json(json.stdout) as? [String: Any])?["recovery"] as? [String: Any], "\(json.stdout)")
        #expect(recovery["engine"] as? String == "pgbackrest")
        #expect(recovery["backup_set"] as? String == restored["backup_set"])
        #expect(recovery["recovered_to"] is String, "the achieved recovery time")
        #expect(recovery["path"] as? String == "physical")
    }

    /// Acceptance 3: `plan` with a target outside the WAL window takes the logical path and says why.
    @Test func planOutsideTheWALWindowChoosesTheLogicalPathAndSaysWhy() throws {
        let folder = try ScratchFolder()
        let environment = try Self.environment(folder)
        let full = try Command.lifeboat(["backup", "--engine", "physical", "--kind", "full"], environment: environment)
        try #require(full.status == 0, "\(full.stderr)")

        let before = try Command.lifeboat(
            ["runbook", "plan", "point-in-time", "--input", "target_time=2000-01-01T00:00:00Z"],
            environment: environment)
        #expect(before.status == 0, "\(before.stderr)")
        #expect(
            before.stdout.contains("Path: logical — 2000-01-01T00:00:00Z is before the WAL archive window"),
            "\(before.stdout)")
        #expect(before.stdout.contains("falling back to the closest logical backup"))
        #expect(before.stdout.contains("stop_postgres [postgres.stop]  CHANGES LIVE SYSTEMS  (WILL BE SKIPPED)"))
        #expect(!before.stdout.contains("pick [backup.select]  (WILL BE SKIPPED)"))

        let after = try Command.lifeboat(
            ["runbook", "plan", "point-in-time", "--input", "target_time=2100-01-01T00:00:00Z"],
            environment: environment)
        #expect(
            after.stdout.contains("Path: logical — 2100-01-01T00:00:00Z is after the last archived WAL"),
            "\(after.stdout)")

        let off = try Command.lifeboat(
            ["runbook", "plan", "point-in-time", "--input", "target_time=2100-01-01T00:00:00Z"],
            environment: try Self.environment(folder, ["LIFEBOAT_PHYSICAL_ENGINE": "off"]))
        #expect(off.stdout.contains("Path: logical — the physical engine is not configured"), "\(off.stdout)")

        // A moment inside the window: after the backup ended, before the last archived WAL.
        let table = "lifeboat_pitr_plan"
        defer { Self.dropTable(table) }
        let inside = try Self.markers(table)
        let plan = try Command.lifeboat(
            ["runbook", "plan", "point-in-time", "--input", "target_time=\(inside)"], environment: environment)
        #expect(plan.stdout.contains("Path: physical — \(inside) is inside the WAL archive window"), "\(plan.stdout)")
        #expect(plan.stdout.contains("pick [backup.select]  (WILL BE SKIPPED)"))
        #expect(!plan.stdout.contains("restore_physical [physical.restore]  CHANGES LIVE SYSTEMS  (WILL BE SKIPPED)"))
    }

    /// Acceptance 5: the run killed during the physical restore (after pgBackRest finished, before
    /// the journal said so) resumes, runs the restore again with --delta, and completes.
    @Test func aRunKilledDuringThePhysicalRestoreResumesAndCompletes() throws {
        let folder = try ScratchFolder()
        let state = try ScratchFolder()
        let table = "lifeboat_pitr_resume"
        defer {
            Self.ensureRunning(state)
            Self.dropTable(table)
        }
        var environment = try Self.environment(folder, ["LIFEBOAT_STATE_DIR": state.path])
        let target = try Self.fullBackupThenMarkers(table, environment)

        environment["LIFEBOAT_TEST_CRASH_AFTER_STEP"] = "restore_physical"
        let crashed = try Command.lifeboat(
            ["runbook", "run", "point-in-time", "--input", "target_time=\(target)", "--yes"], environment: environment)
        #expect(
            crashed.status == SIGKILL, "the engine died during the restore step: \(crashed.status) \(crashed.stderr)")
        let runID = try #require(RunbookScenarioTests.runIDs(state).first)
        var events = try RunbookRunTests.journal(state, runID)
        #expect(events.contains { $0.kind == .stepStarted && $0.step == "restore_physical" })
        #expect(
            !events.contains { $0.kind == .stepFinished && $0.step == "restore_physical" },
            "never journaled as finished")
        #expect(
            !PostmasterStatus.read(dataDirectory: try PhysicalEnvironment.dataDirectory).isRunning,
            "the cluster is down mid-run")

        environment["LIFEBOAT_TEST_CRASH_AFTER_STEP"] = nil
        let resumed = try Command.lifeboat(["runbook", "resume", runID, "--yes"], environment: environment)
        try #require(resumed.status == 0, "\(resumed.stdout)\n\(resumed.stderr)")
        events = try RunbookRunTests.journal(state, runID)
        #expect(
            events.filter { $0.kind == .stepStarted && $0.step == "restore_physical" }.count == 2, "run again on resume"
        )
        let restore = events.last { $0.kind == .stepFinished && $0.step == "restore_physical" }
        #expect(restore?.status == .succeeded)
        #expect(restore?.outputs?["options"]?.contains("--delta") == true, "the repeat restores with --delta")
        #expect(events.last?.kind == .runFinished && events.last?.status == .succeeded)
        #expect(try Self.tags(table) == ["A": 1, "bulk": 500])
    }

    /// The pids of `pgbackrest … restore` processes of this test cluster's configuration.
    static func pgbackrestRestorePids(config: String) -> [pid_t] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap { entry -> pid_t? in
            guard let pid = pid_t(entry),
                let data = FileManager.default.contents(atPath: "/proc/\(entry)/cmdline")
            else { return nil }
            let words = data.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
            guard words.contains(where: { $0.hasSuffix("pgbackrest") }), words.contains("restore"),
                words.contains(where: { $0.contains(config) })
            else { return nil }
            return pid
        }
    }

    /// Acceptance 5 the hard way: the engine and pgBackRest are killed while pgBackRest is
    /// still writing the data directory (as a power cut would), and `resume` finishes the run.
    @Test func aRunKilledWhilePgBackRestIsRestoringResumesAndCompletes() throws {
        let folder = try ScratchFolder()
        let state = try ScratchFolder()
        let table = "lifeboat_pitr_midrestore"
        defer {
            Self.ensureRunning(state)
            Self.dropTable(table)
        }
        let environment = try Self.environment(folder, ["LIFEBOAT_STATE_DIR": state.path])
        let target = try Self.fullBackupThenMarkers(table, environment)
        let config = try PhysicalEnvironment.config

        let process = Process()
        process.executableURL = URL(fileURLWithPath: Command.lifeboatPath)
        process.arguments = ["runbook", "run", "point-in-time", "--input", "target_time=\(target)", "--yes"]
        var merged = ProcessInfo.processInfo.environment
        for (name, value) in environment { merged[name] = value }
        process.environment = merged
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try ChildProcess.start(process)
        var victims: [pid_t] = []
        for _ in 0..<12000 where victims.isEmpty && process.isRunning {  // up to 120 s: a hang guard
            victims = Self.pgbackrestRestorePids(config: config)
            if victims.isEmpty { usleep(10_000) }
        }
        try #require(
            !victims.isEmpty,
            "saw pgbackrest restore running (the run ended first with \(process.isRunning ? -1 : process.terminationStatus))"
        )
        kill(process.processIdentifier, SIGKILL)
        for pid in victims { kill(pid, SIGKILL) }
        process.waitUntilExit()
        #expect(process.terminationReason == .uncaughtSignal)

        let runID = try #require(RunbookScenarioTests.runIDs(state).first)
        let resumed = try Command.lifeboat(["runbook", "resume", runID, "--yes"], environment: environment)
        try #require(resumed.status == 0, "\(resumed.stdout)\n\(resumed.stderr)")
        let events = try RunbookRunTests.journal(state, runID)
        #expect(
            events.filter { $0.kind == .stepStarted && $0.step == "restore_physical" }.count == 2, "run again on resume"
        )
        #expect(events.last?.kind == .runFinished && events.last?.status == .succeeded)
        #expect(try Self.tags(table) == ["A": 1, "bulk": 500])
    }
}
