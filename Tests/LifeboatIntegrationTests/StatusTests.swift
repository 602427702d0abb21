import Foundation
import Testing
import LifeboatCore
import LifeboatPostgres
import LifeboatRunbooks

/// `lifeboat status` through the real binary against the test services: what it reports with
/// `--json`, and its exit code as a health check (stale backups, an unreachable database).
@Suite(.enabled(if: TestEnvironment.shouldRun))
struct StatusTests {
    static func json(_ result: CommandResult) throws -> [String: Any] {
        try #require(
            try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any],
            "\(result.stdout)\n\(result.stderr)")
    }

    static func type(_ status: [String: Any], _ name: String) -> [String: Any]? {
        ((status["backups"] as? [String: Any])?["types"] as? [[String: Any]])?.first { $0["type"] as? String == name }
    }

    static func date(_ value: Any?) -> Date? {
        (value as? String).flatMap { try? Date($0, strategy: .iso8601) }
    }

    /// Copies a real backup under the name of another type and time (without its manifest).
    @discardableResult
    static func copy(_ backup: URL, as type: BackupType, at time: Date = Date()) throws -> URL {
        let name = BackupName(
            type: type, timestamp: time, compressed: backup.lastPathComponent.contains(".gz"), encrypted: false)
        let target = backup.deletingLastPathComponent().appendingPathComponent(name.fileName)
        try FileManager.default.copyItem(at: backup, to: target)
        return target
    }

    /// A scratch database, a backup folder with a fresh daily backup (and weekly and monthly
    /// copies of it, so every scheduled type is fresh) and an empty state folder.
    struct Setup {
        let database: ScratchDatabase
        let folder: ScratchFolder
        let state: ScratchFolder
        let daily: URL
        var environment: [String: String?]

        init() throws {
            database = try ScratchDatabase()
            folder = try ScratchFolder()
            state = try ScratchFolder()
            environment = ["DATABASE_URL": database.url, "BACKUP_DIR": folder.path, "LIFEBOAT_STATE_DIR": state.path]
            daily = try BackupRoundTripTests.backup(["--type", "daily", "--compress", "--no-encrypt"], environment).0
            try StatusTests.copy(daily, as: .weekly)
            try StatusTests.copy(daily, as: .monthly)
        }
    }

    @Test func jsonReportsDatabasePoolFreshBackupsScheduleDiskAndFootprint() throws {
        let setup = try Setup()
        var environment = setup.environment
        environment["DB_POOL_SIZE"] = "3"
        let result = try Command.lifeboat(["status", "--json"], environment: environment)
        #expect(result.status == 0, "healthy: \(result.stdout)\n\(result.stderr)")
        let status = try Self.json(result)
        #expect(status["healthy"] as? Bool == true)
        #expect((status["problems"] as? [String])?.isEmpty == true)

        let database = try #require(status["database"] as? [String: Any])
        #expect(database["reachable"] as? Bool == true)
        #expect(database["name"] as? String == setup.database.name)
        let version = try Connection(try TestEnvironment.adminURL).query("SHOW server_version").scalar ?? ""
        #expect(database["server_version"] as? String == String(version.prefix { !$0.isWhitespace }))
        #expect(((database["size_bytes"] as? NSNumber)?.int64Value ?? 0) > 1_000_000, "Pagila takes several MB")
        #expect(
            !(database["target"] as? String ?? "").contains(try TestEnvironment.require("LIFEBOAT_TEST_PGPASSWORD")),
            "password redacted")

        // After the checks the one connection used is back in the pool.
        let pool = try #require(status["pool"] as? [String: Any])
        #expect(pool["size"] as? Int == 3, "DB_POOL_SIZE reaches the pool")
        #expect(pool["checked_in"] as? Int == 1)
        #expect(pool["checked_out"] as? Int == 0)
        #expect(pool["overflow"] as? Int == 0)

        let daily = try #require(Self.type(status, "daily"))
        #expect(daily["stale"] as? Bool == false)
        #expect(daily["schedule"] as? String == "0 3 * * *")
        let newest = try #require(daily["newest"] as? [String: Any])
        #expect(newest["name"] as? String == setup.daily.lastPathComponent)
        #expect(newest["verification"] as? String == "never" && newest["verified"] as? Bool == false)
        let size = try #require((newest["size_bytes"] as? NSNumber)?.int64Value)
        #expect(
            size == (try FileManager.default.attributesOfItem(atPath: setup.daily.path)[.size] as? NSNumber)?.int64Value
        )
        #expect(
            (Self.date(daily["stale_after"]) ?? .distantPast) > Date().addingTimeInterval(23 * 3600),
            "a daily stays fresh for about a day or more")
        #expect(Self.type(status, "manual")?["stale"] as? Bool == false)

        let schedule = try #require(status["schedule"] as? [String: Any])
        let jobs = try #require(schedule["jobs"] as? [[String: Any]])
        #expect(jobs.map { $0["name"] as? String ?? "" }.contains("database-backup-daily"))
        #expect(jobs.allSatisfy { (Self.date($0["next_run"]) ?? .distantPast) > Date() })
        #expect(schedule["last_runs_known"] as? Bool == true, "the workers' table is readable: \(schedule)")

        let disk = try #require(status["disk"] as? [String: Any])
        #expect(((disk["free_bytes"] as? NSNumber)?.int64Value ?? 0) > 0)
        #expect((disk["threshold_bytes"] as? NSNumber)?.int64Value == 10_000_000_000)
        let footprint = try #require(disk["footprint"] as? [String: Any])
        let shares = try #require(footprint["shares"] as? [[String: Any]])
        let dailyShare = try #require(shares.first { $0["type"] as? String == "daily" })
        #expect((dailyShare["average_bytes"] as? NSNumber)?.int64Value == size)
        #expect((dailyShare["projected_bytes"] as? NSNumber)?.int64Value == size * 7)
        #expect((footprint["current_bytes"] as? NSNumber)?.int64Value == size * 3)
        #expect(
            (footprint["projected_bytes"] as? NSNumber)?.int64Value == size * (7 + 4 + 12), "manual: none, none kept")
        #expect(footprint["fits"] as? Bool == true)
        #expect((status["cloud"] as? [String: Any])?["enabled"] as? Bool == false)
        #expect((status["runbook_runs"] as? [Any])?.isEmpty == true)

        let text = try Command.lifeboat(["status"], environment: environment)
        #expect(text.status == 0)
        #expect(text.stdout.hasPrefix("lifeboat status at ") && text.stdout.contains(": healthy"), "\(text.stdout)")
        #expect(text.stdout.contains("pool       size 3, checked in 1, checked out 0, overflow 0"), "\(text.stdout)")
        #expect(text.stdout.contains(setup.daily.lastPathComponent))
        #expect(text.stdout.contains("database-backup-daily"))
    }

    @Test func aMissedSlotMakesTheTypeStaleAndExitsOne() throws {
        let setup = try Setup()
        var environment = setup.environment
        environment["BACKUP_DAILY_SCHEDULE"] = "* * * * *"
        // The only daily backup, renamed to ten minutes ago: many every-minute slots have passed since.
        let old = try Self.copy(setup.daily, as: .daily, at: Date().addingTimeInterval(-600))
        try FileManager.default.removeItem(at: setup.daily)

        let result = try Command.lifeboat(["status", "--json"], environment: environment)
        #expect(result.status == 1, "\(result.stderr)")
        let status = try Self.json(result)
        #expect(status["healthy"] as? Bool == false)
        let problems = try #require(status["problems"] as? [String])
        #expect(problems.count == 1 && problems[0].contains("daily backups are stale"), "\(problems)")
        #expect(problems[0].contains(old.lastPathComponent))
        #expect(result.stderr.contains("unhealthy: daily backups are stale"))
        let daily = try #require(Self.type(status, "daily"))
        #expect(daily["stale"] as? Bool == true)
        #expect(Self.date(daily["missed_slot"]) != nil)
        #expect(Self.type(status, "weekly")?["stale"] as? Bool == false)

        let text = try Command.lifeboat(["status"], environment: environment)
        #expect(text.status == 1)
        #expect(text.stdout.contains("UNHEALTHY (1 problem)"), "\(text.stdout)")
        #expect(text.stdout.contains("PROBLEM: daily backups are stale"))

        // A scheduled type with no backup at all is stale too; BACKUP_ENABLED=false turns the check off.
        try FileManager.default.removeItem(at: old)
        let none = try Command.lifeboat(["status", "--json"], environment: environment)
        #expect(none.status == 1)
        #expect(Self.type(try Self.json(none), "daily")?["stale"] as? Bool == true)
        environment["BACKUP_ENABLED"] = "false"
        let disabled = try Command.lifeboat(["status", "--json"], environment: environment)
        #expect(disabled.status == 0, "\(disabled.stdout)")
    }

    @Test func anUnreachableDatabaseExitsOneWithAClearMessage() throws {
        let setup = try Setup()
        var environment = setup.environment
        environment["DATABASE_URL"] = "postgresql://backup:s3cret-pw@127.0.0.1:1/app"
        let result = try Command.lifeboat(["status"], environment: environment)
        #expect(result.status == 1)
        #expect(result.stdout.contains("UNHEALTHY (1 problem)"), "\(result.stdout)")
        #expect(
            result.stdout.contains(
                "PROBLEM: database unreachable: cannot connect to postgresql://backup:***@127.0.0.1:1/app"),
            "\(result.stdout)")
        #expect(result.stdout.contains("database   UNREACHABLE"))
        #expect(result.stdout.contains("pg_isready"), "the hint says what to check")
        #expect(!result.stdout.contains("s3cret-pw") && !result.stderr.contains("s3cret-pw"))
        // The rest is still reported: the backups are there and fresh.
        #expect(result.stdout.contains(setup.daily.lastPathComponent))

        let json = try Command.lifeboat(["status", "--json"], environment: environment)
        #expect(json.status == 1)
        let status = try Self.json(json)
        let database = try #require(status["database"] as? [String: Any])
        #expect(database["reachable"] as? Bool == false)
        #expect((database["error"] as? String ?? "").contains("Connection refused"), "\(database)")
        #expect((status["schedule"] as? [String: Any])?["last_runs_known"] as? Bool == false)
        #expect(
            (status["pool"] as? [String: Any])?["checked_out"] as? Int == 0, "the failed checkout gave its slot back")
    }

    /// A coordination server that accepts and never answers (a stalled host) bounds the look at
    /// the workers' table by DB_CONNECT_TIMEOUT, like every other connection status opens: status
    /// answers, the last runs are unknown, and the rest is still reported. No process-wide
    /// PGCONNECT_TIMEOUT is involved (the coordination pool carries the setting itself).
    @Test func aCoordinationServerThatNeverAnswersLeavesTheLastRunsUnknown() throws {
        let setup = try Setup()
        let listener = try SilentListener()
        defer { listener.stop() }
        var environment = setup.environment
        environment["LIFEBOAT_COORDINATION_URL"] = "postgresql://lifeboat@127.0.0.1:\(listener.port)/coordination"
        environment["DB_CONNECT_TIMEOUT"] = "1"
        environment["PGCONNECT_TIMEOUT"] = nil
        let result = try Command.lifeboat(["status", "--json"], environment: environment)
        #expect(result.status == 0, "only the last runs are unknown: \(result.stdout)\n\(result.stderr)")
        let status = try Self.json(result)
        let schedule = try #require(status["schedule"] as? [String: Any])
        #expect(schedule["last_runs_known"] as? Bool == false)
        #expect((schedule["last_runs_error"] as? String ?? "").contains("timeout"), "\(schedule)")
        #expect((status["database"] as? [String: Any])?["reachable"] as? Bool == true)
        #expect(listener.accepted() >= 1, "status did try the coordination server")
    }

    @Test func openRunsAreListedAndAFailedOneIsUnhealthyUntilAcknowledged() async throws {
        let state = try ScratchFolder()
        let engine = RunEngine(
            configuration: try await LifeboatConfiguration.load(environment: [:], environmentFile: "/dev/null"),
            stateDirectory: state.url)
        func journal(_ runID: String, target: String, _ events: [JournalEvent]) throws {
            let journal = try RunJournal(directory: engine.runDirectory(runID))
            var started = JournalEvent(kind: .runStarted)
            started.runbookName = "restore-production"
            started.target = target
            try journal.append(started)
            for event in events { try journal.append(event) }
        }
        var step = JournalEvent(kind: .stepStarted, step: "restore")
        step.action = "restore.database"
        var failedStep = JournalEvent(kind: .stepFinished, step: "check")
        failedStep.status = .failed
        var failedRun = JournalEvent(kind: .runFinished)
        failedRun.status = .failed
        failedRun.message = "step 'check' failed"
        var succeeded = JournalEvent(kind: .runFinished)
        succeeded.status = .succeeded
        try journal("20250101t000000z-0001", target: "lbt_done", [succeeded])
        try journal("20250102t000000z-0002", target: "lbt_failed", [failedStep, failedRun])
        try journal("20250103t000000z-0003", target: "lbt_killed", [step])
        try journal("20250104t000000z-0004", target: "lbt_live", [step])
        // A live process on this host (this test) holds the last one's lock: it is running.
        let locks = state.url.appendingPathComponent("locks")
        try FileManager.default.createDirectory(at: locks, withIntermediateDirectories: true)
        try "20250104t000000z-0004 \(ProcessInfo.processInfo.hostName) \(getpid())\n"
            .write(to: locks.appendingPathComponent("lbt_live.lock"), atomically: true, encoding: .utf8)

        let folder = try ScratchFolder()
        let environment: [String: String?] = [
            "DATABASE_URL": try TestEnvironment.adminURL, "BACKUP_DIR": folder.path,
            "LIFEBOAT_STATE_DIR": state.path, "BACKUP_ENABLED": "false"
        ]
        // Issue 20: a failed run nobody acknowledged makes status unhealthy (interrupted and
        // running ones are listed only).
        let result = try Command.lifeboat(["status", "--json"], environment: environment)
        #expect(result.status == 1, "\(result.stderr)")
        let problems = try #require(try Self.json(result)["problems"] as? [String])
        #expect(
            problems == [
                "runbook run 20250102t000000z-0002 (restore-production) failed: step 'check' failed; "
                    + "resume it, abort it, or acknowledge it with `lifeboat runbook ack 20250102t000000z-0002`"
            ], "\(problems)")
        let runs = try #require(try Self.json(result)["runbook_runs"] as? [[String: Any]])
        #expect(
            runs.map { $0["run_id"] as? String ?? "" } == [
                "20250104t000000z-0004", "20250103t000000z-0003", "20250102t000000z-0002"
            ],
            "newest first, the succeeded run left out")
        #expect(runs.map { $0["status"] as? String ?? "" } == ["running", "interrupted", "failed"])
        #expect(
            runs[1]["last_step"] as? String == "restore" && runs[1]["last_step_status"] as? String == "interrupted",
            "no process runs it: it says so, as `runbook status` does")
        #expect(runs[2]["last_step"] as? String == "check" && runs[2]["message"] as? String == "step 'check' failed")
        #expect(runs.allSatisfy { $0["runbook"] as? String == "restore-production" })

        let text = try Command.lifeboat(["status"], environment: environment)
        #expect(text.stdout.contains("runs       3 open"), "\(text.stdout)")
        #expect(
            text.stdout.contains("20250103t000000z-0003") && text.stdout.contains("interrupted")
                && text.stdout.contains("restore (interrupted)"))

        // Only a failed run is acknowledged; the acknowledgement is a journal event with its names.
        let notFailed = try Command.lifeboat(["runbook", "ack", "20250103t000000z-0003"], environment: environment)
        #expect(
            !notFailed.succeeded
                && notFailed.stderr.contains("run 20250103t000000z-0003 did not fail: it has not finished"),
            "\(notFailed.stderr)")
        let ack = try Command.lifeboat(
            ["runbook", "ack", "20250102t000000z-0002", "--by", "alice", "--reason", "disk was full"],
            environment: environment)
        #expect(ack.succeeded, "\(ack.stderr)")
        #expect(ack.stderr.contains("acknowledged the failure of run 20250102t000000z-0002 as alice"), "\(ack.stderr)")
        #expect(ack.stdout.isEmpty, "text goes to stderr")
        let events = try RunJournal.read(
            engine.runDirectory("20250102t000000z-0002").appendingPathComponent("journal.jsonl"))
        let recorded = try #require(events.last)
        #expect(
            recorded.kind == .acknowledged && recorded.by == "alice" && recorded.message == "disk was full"
                && recorded.user == NSUserName())
        let again = try Command.lifeboat(
            ["runbook", "ack", "20250102t000000z-0002", "--json"], environment: environment)
        #expect(again.stdout.isEmpty, "a refusal prints no JSON: \(again.stdout)")
        #expect(!again.succeeded && again.stderr.contains("already acknowledged by alice"), "\(again.stderr)")

        let healthy = try Command.lifeboat(["status", "--json"], environment: environment)
        #expect(healthy.status == 0, "healthy again after the acknowledgement: \(healthy.stdout)")
        let open = try #require(try Self.json(healthy)["runbook_runs"] as? [[String: Any]])
        #expect(open.map { $0["run_id"] as? String ?? "" } == ["20250104t000000z-0004", "20250103t000000z-0003"])
    }

    @Test func cloudReachabilityIsShownAndAnUnreachableBucketIsUnhealthy() throws {
        let setup = try Setup()
        let bucket = try CloudTests.bucket()
        var environment = try CloudTests.environment(setup.database, setup.folder, bucket: bucket)
        environment["LIFEBOAT_STATE_DIR"] = setup.state.path
        environment["BACKUP_CLOUD_SYNC_ENABLED"] = "true"
        let uploaded = try BackupRoundTripTests.backup(
            ["--type", "daily", "--compress", "--no-encrypt", "--upload"], environment
        ).0

        let result = try Command.lifeboat(["status", "--json"], environment: environment)
        #expect(result.status == 0, "\(result.stdout)\n\(result.stderr)")
        let cloud = try #require(try Self.json(result)["cloud"] as? [String: Any])
        #expect(cloud["enabled"] as? Bool == true && cloud["reachable"] as? Bool == true, "\(cloud)")
        #expect(cloud["backup_count"] as? Int == 1)
        #expect(cloud["newest"] as? String == uploaded.lastPathComponent)
        #expect((cloud["location"] as? String ?? "").contains(bucket))

        // Issue 20: the offsite copies are what survives losing this machine, so a bucket that
        // cannot be reached (a closed port here) makes status unhealthy; the rest is still shown.
        environment["BACKUP_CLOUD_ENDPOINT"] = "http://127.0.0.1:1"
        let down = try Command.lifeboat(["status"], environment: environment)
        #expect(down.status == 1, "\(down.stdout)")
        #expect(down.stdout.contains("cloud      ERROR: cannot list s3://\(bucket)"), "\(down.stdout)")
        #expect(down.stdout.contains("PROBLEM: bucket unreachable: "), "\(down.stdout)")
        #expect(down.stdout.contains(uploaded.lastPathComponent), "the local backups are still reported")
    }
}
