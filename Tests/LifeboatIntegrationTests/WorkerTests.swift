import Foundation
import Testing
import LifeboatCore
import LifeboatPostgres

/// Several `lifeboat worker` processes on a fast schedule clock against the real PostgreSQL:
/// every slot runs once across them (the schedule table and the backups produced agree), a
/// worker killed mid-job has its slot taken over once its lease runs out, and a worker serves
/// `/metrics`.
@Suite(.enabled(if: TestEnvironment.shouldRun), .serialized)
struct WorkerTests {
    struct Row {
        let slot: Double
        let worker: String
        let attempts: Int
        let finished: Bool
        let outcome: String?
    }

    static func rows(_ database: ScratchDatabase) throws -> [Row] {
        let connection = try database.connect()
        defer { connection.close() }
        let exists = try connection.query("SELECT to_regclass('lifeboat_schedule_runs') IS NOT NULL").scalar == "t"
        guard exists else { return [] }
        return try connection.query(
            """
            SELECT extract(epoch FROM scheduled_for), worker, attempts, finished_at IS NOT NULL, outcome
            FROM lifeboat_schedule_runs WHERE job = 'database-backup-daily' ORDER BY scheduled_for
            """
        ).rows.map {
            Row(slot: Double($0[0]!)!, worker: $0[1]!, attempts: Int($0[2]!)!, finished: $0[3] == "t", outcome: $0[4])
        }
    }

    /// Every job but the daily one is put far out of reach of the test's few virtual minutes.
    /// Each test coordinates through its own database (named explicitly), so that tests do not
    /// share the server's maintenance database, where the schedule table lives by default.
    static func environment(_ database: ScratchDatabase, _ folder: ScratchFolder, _ state: ScratchFolder) throws
        -> [String: String?]
    {
        var environment = try BackupRoundTripTests.environment(database, folder)
        environment["LIFEBOAT_COORDINATION_URL"] = database.url
        environment["LIFEBOAT_STATE_DIR"] = state.path
        environment["BACKUP_DAILY_SCHEDULE"] = "* * * * *"
        for key in [
            "BACKUP_WEEKLY_SCHEDULE", "BACKUP_MONTHLY_SCHEDULE", "BACKUP_VERIFICATION_SCHEDULE",
            "BACKUP_CLEANUP_SCHEDULE"
        ] {
            environment[key] = "0 0 29 2 *"
        }
        environment["BACKUP_RETENTION_DAILY"] = "1000"
        environment["BACKUP_DISK_MIN_FREE_GB"] = "0"
        return environment
    }

    static func backups(_ folder: ScratchFolder) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: folder.path).filter {
            $0.hasPrefix("backup_daily_") && !$0.hasSuffix(".manifest.json")
        }
    }

    static func workers(_ count: Int, scale: Double, lease: Double, _ environment: [String: String?]) throws
        -> [Process]
    {
        let origin = ISO8601DateFormatter().string(from: Date())
        return try (0..<count).map { _ in
            try Command.spawnLifeboat(
                [
                    "worker", "--with-scheduler", "--time-scale", String(scale), "--time-origin", origin,
                    "--tick", "0.2", "--lease", String(lease)
                ], environment: environment)
        }
    }

    static func stop(_ processes: [Process]) {
        for process in processes where process.isRunning { kill(process.processIdentifier, SIGTERM) }
        for process in processes {
            let deadline = Date().addingTimeInterval(120)  // a hang guard; a busy machine may take long
            while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        }
    }

    static func wait(_ seconds: TimeInterval, until condition: () throws -> Bool) rethrows -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if try condition() { return true }
            Thread.sleep(forTimeInterval: 0.2)
        }
        return try condition()
    }

    /// The `lifeboat` processes started by the worker `pid` (they carry LIFEBOAT_WORKER_PID).
    static func jobs(ofWorker pid: Int32) -> [String] {
        let marker = Data("LIFEBOAT_WORKER_PID=\(pid)\u{0}".utf8)
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.filter { entry in
            guard entry.allSatisfy(\.isNumber),
                let command = FileManager.default.contents(atPath: "/proc/\(entry)/cmdline"),
                command.starts(with: Data(Command.lifeboatPath.utf8)),
                let environ = FileManager.default.contents(atPath: "/proc/\(entry)/environ")
            else { return false }
            return environ.range(of: marker) != nil
        }
    }

    @Test func threeWorkersRunEachSlotOnce() throws {
        let database = try ScratchDatabase(fromPagila: false)
        let folder = try ScratchFolder()
        let state = try ScratchFolder()
        let environment = try Self.environment(database, folder, state)
        // A virtual minute is 6 real seconds. Missed slots collapse into one, so a slot is
        // skipped only when no worker is free for a whole slot: with three workers that takes
        // backups of an empty database lasting well over 12 s (half that at the former ×20).
        let workers = try Self.workers(3, scale: 10, lease: 5, environment)
        defer { Self.stop(workers) }
        let enough = try Self.wait(180) { try Self.rows(database).filter(\.finished).count >= 5 }
        Self.stop(workers)
        let count = try Self.rows(database).count
        try #require(enough, "five slots ran within 180 s: \(count) rows")

        let rows = try Self.rows(database)
        let finished = rows.filter(\.finished)
        #expect(finished.allSatisfy { $0.outcome == "succeeded" }, "\(finished.map { $0.outcome ?? "-" })")
        #expect(Set(rows.map(\.slot)).count == rows.count, "each slot has one row")
        let slots = rows.map(\.slot)
        #expect(
            zip(slots, slots.dropFirst()).allSatisfy { $1 - $0 == 60 },
            "consecutive minutes, none skipped, none twice: \(slots)")
        let produced = try Self.backups(folder)
        #expect(produced.count == finished.count, "one backup per finished slot: \(produced)")

        let listed = try Command.lifeboat(["schedule", "list", "--json"], environment: environment)
        try #require(listed.succeeded, "\(listed.stderr)")
        let jobs = try #require(try JSONSerialization.jsonObject(with: Data(listed.stdout.utf8)) as? [[String: Any]])
        let daily = try #require(jobs.first { $0["job"] as? String == "database-backup-daily" })
        #expect(
            daily["last_outcome"] as? String == "succeeded" || daily["last_outcome"] as? String == "running", "\(daily)"
        )
        #expect(daily["next_run"] != nil && daily["command"] as? String == "lifeboat backup --type daily --cleanup")
        #expect(jobs.count == 5)
    }

    @Test func aKilledWorkersSlotIsTakenOverOnceItsLeaseRunsOut() throws {
        let database = try ScratchDatabase(fromPagila: false)
        let folder = try ScratchFolder()
        let state = try ScratchFolder()
        // A pg_dump that waits until the test releases it (at most two minutes), so the kill
        // lands mid-job: a fixed three seconds assumed the test sees the claim and kills
        // within them.
        let slowDump = folder.url.deletingLastPathComponent().appendingPathComponent(
            "slow-pg_dump-\(UUID().uuidString)")
        let release = URL(fileURLWithPath: slowDump.path + ".release")
        try """
        #!/bin/sh
        case "$1" in
            --version) ;;
            *) for i in $(seq 1200); do [ -e \(shellQuote(release.path)) ] && break; sleep 0.1; done ;;
        esac
        exec \(shellQuote(try TestEnvironment.pgBin + "/pg_dump")) "$@"
        """.write(to: slowDump, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: slowDump.path)
        defer { try? FileManager.default.removeItem(at: slowDump) }
        defer { try? FileManager.default.removeItem(at: release) }
        var environment = try Self.environment(database, folder, state)
        environment["PG_DUMP_PATH"] = slowDump.path
        let workers = try Self.workers(2, scale: 6, lease: 2, environment)
        defer { Self.stop(workers) }

        var claimed: Row?
        _ = try Self.wait(60) {
            claimed = try Self.rows(database).first { !$0.finished }
            return claimed != nil
        }
        let victim = try #require(claimed, "a worker claimed a slot")
        let pid = try #require(Int32(victim.worker.split(separator: ":").last ?? ""))
        let killed = try #require(
            workers.first { $0.processIdentifier == pid }, "the claim names one of our workers: \(victim.worker)")
        kill(pid, SIGKILL)
        killed.waitUntilExit()
        // The killed worker's job stops itself once it sees its parent gone; released before
        // that, it could finish its dump and leave a backup.
        let orphanGone = try Self.wait(120) { Self.jobs(ofWorker: pid).isEmpty }
        _ = FileManager.default.createFile(atPath: release.path, contents: nil)
        #expect(orphanGone, "the killed worker's job stopped: \(Self.jobs(ofWorker: pid))")

        let takenOver = try Self.wait(60) { try Self.rows(database).first { $0.slot == victim.slot }?.finished == true }
        Self.stop(workers)
        try #require(takenOver, "the slot was finished by the other worker")
        let row = try #require(try Self.rows(database).first { $0.slot == victim.slot })
        #expect(row.outcome == "succeeded")
        #expect(row.attempts == 2, "taken over once")
        #expect(row.worker != victim.worker)
        let finished = try Self.rows(database).filter { $0.finished && $0.outcome == "succeeded" }
        let produced = try Self.backups(folder)
        #expect(produced.count == finished.count, "the killed attempt left no backup: \(produced)")
        let hidden = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasPrefix(".") }
        #expect(hidden.isEmpty, "no partial file left behind: \(hidden)")
    }

    @Test func workerServesMetricsAndStopsCleanlyOnSigterm() throws {
        let database = try ScratchDatabase(fromPagila: false)
        let folder = try ScratchFolder()
        let state = try ScratchFolder()
        var environment = try Self.environment(database, folder, state)
        let port = Int.random(in: 20_000...40_000)
        environment["LIFEBOAT_METRICS_PORT"] = String(port)
        environment["LIFEBOAT_METRICS_FILE"] = folder.url.appendingPathComponent("metrics/lifeboat.prom").path
        let workers = try Self.workers(1, scale: 30, lease: 5, environment)
        defer { Self.stop(workers) }
        let ran = try Self.wait(60) { try Self.rows(database).filter(\.finished).count >= 1 }
        try #require(ran)
        let scraped = try Command.run("/usr/bin/env", ["curl", "-fsS", "http://127.0.0.1:\(port)/metrics"])
        try #require(scraped.succeeded, "\(scraped.stderr)")
        #expect(scraped.stdout.contains("# TYPE lifeboat_backups_total counter"))
        #expect(scraped.stdout.contains(#"lifeboat_backups_total{type="daily",result="success"}"#), "\(scraped.stdout)")
        // Issue 18: on the loopback address only, unless LIFEBOAT_METRICS_LISTEN says otherwise.
        let sockets = ["/proc/net/tcp", "/proc/net/tcp6"].compactMap {
            try? String(contentsOfFile: $0, encoding: .utf8)
        }.joined(separator: "\n")
        let portSuffix = ":" + String(format: "%04X", port)
        let rows: [[Substring]] = sockets.split(separator: "\n").map { $0.split(separator: " ") }
        let listening: [String] = rows.filter { $0.count > 3 && $0[1].hasSuffix(portSuffix) && $0[3] == "0A" }.map {
            String($0[1])
        }
        #expect(!listening.isEmpty && listening.allSatisfy { $0.hasPrefix("0100007F:") }, "\(listening)")
        kill(workers[0].processIdentifier, SIGTERM)
        workers[0].waitUntilExit()
        #expect(workers[0].terminationStatus == 0, "a SIGTERM stops the worker cleanly")
        #expect(try Self.rows(database).allSatisfy { $0.finished || $0.attempts >= 1 })
    }

    @Test func aWorkerSurvivesItsConnectionsBeingTerminated() throws {
        let database = try ScratchDatabase(fromPagila: false)
        let folder = try ScratchFolder()
        let state = try ScratchFolder()
        let workers = try Self.workers(1, scale: 30, lease: 5, try Self.environment(database, folder, state))
        defer { Self.stop(workers) }
        try #require(try Self.wait(60) { try Self.rows(database).filter(\.finished).count >= 1 })
        let admin = try database.connect()
        _ = try admin.query(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        admin.close()
        let before = try Self.rows(database).filter(\.finished).count
        let goesOn = try Self.wait(60) { try Self.rows(database).filter(\.finished).count >= before + 2 }
        #expect(goesOn, "the pool's pre-ping replaced the dead connections and the worker kept running its slots")
        #expect(workers[0].isRunning)
    }

    @Test func crontabLinesParseAndMatchTheSchedules() throws {
        let database = try ScratchDatabase(fromPagila: false)
        let folder = try ScratchFolder()
        let state = try ScratchFolder()
        var environment = try BackupRoundTripTests.environment(database, folder)
        environment["LIFEBOAT_STATE_DIR"] = state.path
        environment["BACKUP_DAILY_SCHEDULE"] = "15 2 * * *"
        environment["LIFEBOAT_DRILL_SCHEDULE"] = "0 9 * * mon"
        let result = try Command.lifeboat(["schedule", "crontab"], environment: environment)
        try #require(result.succeeded, "\(result.stderr)")
        let entries = result.stdout.split(separator: "\n").map(String.init).filter {
            !$0.hasPrefix("#") && !$0.isEmpty && !$0.contains("=")
        }
        var seen: [String: String] = [:]
        for line in entries {
            let fields = line.split(separator: " ", maxSplits: 5).map(String.init)
            try #require(fields.count == 6, "five time fields and a command: \(line)")
            let schedule = fields[0..<5].joined(separator: " ")
            _ = try CronExpression(schedule)
            #expect(fields[5].hasPrefix("flock -w 7200 \(state.path)/cron.lock "), "one lock: \(line)")
            #expect(!fields[5].contains("%") || fields[5].contains("\\%"))
            seen[fields[5].components(separatedBy: " ")[5...].joined(separator: " ")] = schedule
        }
        #expect(entries.count == 6)
        #expect(seen.first { $0.key.hasPrefix("backup --type daily --cleanup") }?.value == "15 2 * * *", "\(seen)")
        #expect(seen.first { $0.key.hasPrefix("backup --type weekly") }?.value == "0 4 * * 0")
        #expect(
            seen.first { $0.key.hasPrefix("drill-next") }?.value == "0 9 * * mon",
            "unless LIFEBOAT_DRILL_RUNBOOK names one, the drill rotates")
        #expect(result.stdout.contains("CRON_TZ=UTC"))
    }
}
