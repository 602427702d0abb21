import Foundation
import Testing
import LifeboatCore
import LifeboatPostgres
import LifeboatRunbooks

/// Commands that meet: two backups of one type in the same second, a prune while a backup is
/// being written, two runbook runs on one target, a verify while a restore runs.
@Suite(.enabled(if: TestEnvironment.shouldRun))
struct ConcurrencyFaultTests {
    /// The step holds its run (and the target's lock) until the test creates `release`, at
    /// most two minutes: with a fixed sleep a second run that started late on a busy machine
    /// found the first one finished and ran too.
    static let slowRunbook = """
        name: slow-step
        description: One step with a side effect that waits for the test's release, for two runs racing for one target.
        steps:
          - id: work
            action: shell
            with: { command: "echo start >> \\"${env.LB_WORK}/log\\"; for i in $(seq 1200); do [ -e \\"${env.LB_WORK}/release\\" ] && break; sleep 0.1; done; echo end >> \\"${env.LB_WORK}/log\\"" }
        """

    static func intact(_ folder: ScratchFolder, _ name: String) -> Bool {
        let path = folder.url.appendingPathComponent(name).path
        guard let manifest = try? BackupManifest.read(from: URL(fileURLWithPath: path + ".manifest.json")) else {
            return false
        }
        return (try? Faults.sha256(path)) == manifest.sha256 && manifest.fileName == name
    }

    /// Two backups that want one name: the names of the next 55 seconds are taken by stand-in
    /// files, so both backups (whenever in that window each starts) move on to the same first
    /// free second and race for it. Aiming both starts at one clock second failed silently on a
    /// busy machine: they started in different seconds and never met.
    @Test func twoBackupsOfOneTypeInTheSameSecond() throws {
        try FaultLog.run("two backups of the same type started in the same second") { fault in
            let database = try ScratchDatabase()
            let folder = try ScratchFolder()
            var environment = try BackupRoundTripTests.environment(database, folder)
            environment["BACKUP_DISK_MIN_FREE_GB"] = "0"
            let now = Date(timeIntervalSince1970: Date().timeIntervalSince1970.rounded(.down))
            var taken: Set<String> = []
            for offset in -2..<55 {
                for encrypted in [false, true] {
                    let name = BackupName(
                        type: .daily, timestamp: now.addingTimeInterval(Double(offset)), compressed: true,
                        encrypted: encrypted)
                    try Data("taken".utf8).write(to: folder.url.appendingPathComponent(name.fileName))
                    taken.insert(name.fileName)
                }
            }
            let wanted = Set(
                [false, true].map {
                    BackupName(type: .daily, timestamp: now.addingTimeInterval(55), compressed: true, encrypted: $0)
                        .fileName
                })
            let backups = { Faults.backups(folder).filter { !taken.contains($0) } }
            // Both pause in pg_dump until both have reserved a name, so the second one sees
            // the first one's partial file for the name both wanted.
            let dump = try PausingPgDump(bytes: 50_000)
            environment["PG_DUMP_PATH"] = dump.path
            let logs = (0..<2).map { _ in
                folder.url.deletingLastPathComponent().appendingPathComponent(
                    "lifeboat-same-second-\(UUID().uuidString).log")
            }
            defer { for log in logs { try? FileManager.default.removeItem(at: log) } }
            let processes = try logs.map {
                try Faults.spawn(["backup", "--type", "daily", "--compress"], environment: environment, output: $0)
            }
            let reserved = Faults.wait(120) { Faults.hidden(folder).count == 2 }
            dump.release()
            let statuses = processes.map { Faults.finish($0) }
            fault.check(reserved, "both reserved a name: \(folder.files)")
            fault.check(statuses == [0, 0], "both succeed: \(statuses) \(logs.map(Faults.text))")
            let made = backups()
            fault.check(made.count == 2 && Set(made).count == 2, "two backups under two names: \(made)")
            fault.check(made.contains { wanted.contains($0) }, "one got the name both wanted: \(made) \(wanted)")
            fault.check(made.allSatisfy { Self.intact(folder, $0) }, "each matches its own manifest")
            fault.check(Faults.hidden(folder).isEmpty, "no partial file left: \(folder.files)")
        }
    }

    @Test func pruneWhileABackupIsBeingWritten() throws {
        try FaultLog.run("prune while a backup runs") { fault in
            let database = try ScratchDatabase()
            let folder = try ScratchFolder()
            var environment = try BackupRoundTripTests.environment(database, folder)
            environment["BACKUP_DISK_MIN_FREE_GB"] = "0"
            environment["BACKUP_RETENTION_DAILY"] = "3"
            // Twelve old daily backups (stand-ins with manifests): nine are beyond retention.
            let start = Date(timeIntervalSince1970: 1_704_085_200)
            let old = (0..<12).map {
                BackupName(
                    type: .daily, timestamp: start.addingTimeInterval(Double($0) * 86_400), compressed: true,
                    encrypted: false)
            }
            for name in old {
                try Data("old".utf8).write(to: folder.url.appendingPathComponent(name.fileName))
                try Data("{}".utf8).write(to: folder.url.appendingPathComponent(name.manifestName))
            }
            let dump = try PausingPgDump(bytes: 200_000)
            var backupEnvironment = environment
            backupEnvironment["PG_DUMP_PATH"] = dump.path
            let log = folder.url.deletingLastPathComponent().appendingPathComponent(
                "lifeboat-prune-race-\(UUID().uuidString).log")
            defer { try? FileManager.default.removeItem(at: log) }
            let backup = try Faults.spawn(
                ["backup", "--type", "daily", "--compress"], environment: backupEnvironment, output: log)
            try #require(dump.waitUntilPaused(), "the backup is mid-dump: \(Faults.text(log))")
            let partial = try #require(Faults.hidden(folder).first)

            let prune = try Command.lifeboat(["prune", "--json"], environment: environment)
            let report = (try? JSONSerialization.jsonObject(with: Data(prune.stdout.utf8)) as? [String: Any]) ?? [:]
            fault.check(prune.succeeded, "prune works meanwhile: \(prune.stderr)")
            fault.check((report["removed"] as? [String])?.count == 9, "it removes the nine old ones: \(prune.stdout)")
            fault.check(
                (report["removed_partials"] as? [String]) == [],
                "and not the partial file being written: \(prune.stdout)")
            fault.check(Faults.hidden(folder) == [partial], "the partial file is still there: \(folder.files)")

            dump.release()
            let status = Faults.finish(backup)
            fault.check(status == 0, "the backup finishes: \(Faults.text(log))")
            let new = Faults.backups(folder).filter { !old.map(\.fileName).contains($0) }
            fault.check(
                new.count == 1 && new.allSatisfy { Self.intact(folder, $0) }, "the new backup is whole: \(folder.files)"
            )
            let again = try Command.lifeboat(["prune", "--json"], environment: environment)
            fault.check(
                again.succeeded && Faults.backups(folder).count == 3
                    && new.allSatisfy { Faults.backups(folder).contains($0) },
                "the next prune keeps the new backup among the newest three: \(folder.files)")
        }
    }

    @Test func twoRunbookRunsOnOneTarget() throws {
        try FaultLog.run("two runbook runs on the same target") { fault in
            let database = try ScratchDatabase(fromPagila: false)
            let work = try ScratchFolder()
            let state = try ScratchFolder()
            let runbook = work.url.appendingPathComponent("slow-step.yaml")
            try Self.slowRunbook.write(to: runbook, atomically: true, encoding: .utf8)
            let environment: [String: String?] = [
                "DATABASE_URL": database.url, "LIFEBOAT_STATE_DIR": state.path, "LB_WORK": work.path
            ]
            let logs = (0..<2).map { work.url.appendingPathComponent("run-\($0).out") }
            let processes = try logs.map {
                try Faults.spawn(["runbook", "run", runbook.path, "--yes"], environment: environment, output: $0)
            }
            // The holder waits in its step until one run has ended: the refused one.
            let oneEnded = Faults.wait(120) { processes.contains { !$0.isRunning } }
            _ = FileManager.default.createFile(atPath: work.url.appendingPathComponent("release").path, contents: nil)
            let statuses = processes.map { Faults.finish($0) }
            fault.check(oneEnded, "one run ended while the other held the target")
            let outputs = logs.map(Faults.text)
            fault.check(statuses.sorted() == [0, 1], "one runs, one is refused: \(statuses) \(outputs)")
            let refused = outputs[statuses[0] == 0 ? 1 : 0]
            fault.check(
                refused.contains("is held by run") || refused.contains("is held on its server by"),
                "the refusal names the holder: \(refused)")
            fault.check(Faults.text(work.url.appendingPathComponent("log")) == "start\nend\n", "the work was done once")
            // The refused run never started: it leaves no journal that would show as an
            // interrupted run, or be resumed later.
            let runs =
                (try? FileManager.default.contentsOfDirectory(atPath: state.url.appendingPathComponent("runs").path))
                ?? []
            fault.check(runs.count == 1, "one run folder: \(runs)")
            let status = try Command.lifeboat(["status", "--json"], environment: environment)
            let open =
                ((try? JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [String: Any])?["runbook_runs"]
                    as? [Any]) ?? []
            fault.check(open.isEmpty, "no open run left: \(open)")
        }
    }

    @Test func verifyWhileARestoreRuns() throws {
        try FaultLog.run("verify while a restore runs") { fault in
            let (database, folder, file, original) = try RestoreTests.backedUp()
            defer { RestoreTests.dropAll(like: "\(database.name)_%") }
            try database.connect().query("DELETE FROM payment WHERE payment_id % 3 = 0")
            let tools = try ScratchFolder()
            let real = try TestEnvironment.pgBin + "/psql"
            let psql = tools.url.appendingPathComponent("psql").path
            // The restore's psql waits until the verify has ended (at most two minutes), so the
            // verify runs in the middle of it however fast or slow the machine is.
            let release = tools.url.appendingPathComponent("release")
            try """
            #!/bin/bash
            if [ "${1:-}" = --version ]; then exec \(real) --version; fi
            if [[ "$PGDATABASE" == *_restore_* ]]; then
                for i in $(seq 1200); do [ -e \(shellQuote(release.path)) ] && break; sleep 0.1; done
            fi
            exec \(real) "$@"
            """.write(toFile: psql, atomically: true, encoding: .utf8)
            chmod(psql, 0o755)
            var environment = try BackupRoundTripTests.environment(database, folder)
            environment["PSQL_PATH"] = psql
            environment["RESTORE_JOBS"] = "1"  // psql's path: the parallel one runs no psql to slow down
            let log = tools.url.appendingPathComponent("restore.out")
            let restore = try Faults.spawn(
                ["restore", "--backup-file", file.path, "--force"], environment: environment, output: log)
            let restoring = Faults.wait(120) {
                !((try? RestoreTests.databases(like: "\(database.name)_restore_%")) ?? []).isEmpty
            }
            let verify = try Command.lifeboat(["verify", file.path, "--json"], environment: environment)
            let stillRestoring = restore.isRunning
            _ = FileManager.default.createFile(atPath: release.path, contents: nil)
            let status = Faults.finish(restore, within: 180)
            fault.check(restoring && stillRestoring, "the verify ran while the restore ran")
            fault.check(verify.status == 0, "the verify passes: \(verify.stderr)")
            fault.check(status == 0, "the restore succeeds: \(Faults.text(log))")
            fault.check(try RestoreTests.checksums(database) == original, "the live database holds the backup")
            let report = (try? JSONSerialization.jsonObject(with: Data(verify.stdout.utf8)) as? [String: Any]) ?? [:]
            let temporary = report["temporary_database"] as? String ?? ""
            let leftover = try RestoreTests.databases(like: temporary)
            fault.check(!temporary.isEmpty && leftover.isEmpty, "the verify's database was dropped")
            fault.check(
                try RestoreTests.databases(like: "\(database.name)_restore_%").isEmpty,
                "the restore's copy was swapped in")
            let manifest = try BackupManifest.read(from: URL(fileURLWithPath: file.path + ".manifest.json"))
            fault.check(manifest.verification?.state == "passed", "the verdict is recorded")
        }
    }
}
