import Foundation
import Testing
import LifeboatCore
import LifeboatPostgres

/// `lifeboat backup` killed with SIGKILL at each point of its pipeline. A killed process
/// cannot clean up, so what counts: nothing that looks like a good backup is left, the
/// database is untouched, and the next backup (or prune) removes the hidden partial file.
@Suite(.enabled(if: TestEnvironment.shouldRun))
struct BackupKillFaultTests {
    /// The pipeline streams, so every configured stage holds data at once; the kill lands
    /// while pg_dump is paused mid-dump with the given stages between it and the file.
    enum Stage: String, CaseIterable, CustomTestStringConvertible {
        case dump, compression, encryption
        var flags: [String] {
            switch self {
            case .dump: ["--no-compress", "--no-encrypt"]
            case .compression: ["--compress", "--no-encrypt"]
            case .encryption: ["--compress", "--encrypt"]
            }
        }
        var testDescription: String { rawValue }
    }

    static func environment(_ database: ScratchDatabase, _ folder: ScratchFolder) throws -> [String: String?] {
        var environment = try BackupRoundTripTests.environment(database, folder)
        environment["BACKUP_DISK_MIN_FREE_GB"] = "0"
        return environment
    }

    @Test(arguments: Stage.allCases)
    func killedMidPipeline(_ stage: Stage) throws {
        try FaultLog.run("backup SIGKILL during \(stage.rawValue)") { fault in
            let database = try ScratchDatabase()
            let folder = try ScratchFolder()
            let before = try database.rowCounts()
            let dump = try PausingPgDump(bytes: 400_000)
            var environment = try Self.environment(database, folder)
            environment["PG_DUMP_PATH"] = dump.path
            let log = folder.url.deletingLastPathComponent().appendingPathComponent(
                "lifeboat-kill-\(UUID().uuidString).log")
            defer { try? FileManager.default.removeItem(at: log) }
            let process = try Faults.spawn(
                ["backup", "--type", "daily"] + stage.flags, environment: environment, output: log)
            fault.check(dump.waitUntilPaused(), "pg_dump reached the pause: \(Faults.text(log))")
            // The partial file exists from the start; give the stages a moment to take the bytes.
            fault.check(Faults.wait(120) { !Faults.hidden(folder).isEmpty }, "the partial file was created")
            usleep(300_000)
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            dump.release()

            fault.check(process.terminationReason == .uncaughtSignal, "killed by the signal")
            fault.check(Faults.backupLike(folder).isEmpty, "nothing that looks like a backup: \(folder.files)")
            let partials = Faults.hidden(folder)
            fault.check(
                partials.count == 1 && partials[0].hasSuffix(".partial"),
                "only the hidden partial file is left: \(partials)")
            fault.check(try database.rowCounts() == before, "the database is unchanged")

            // The next run removes what the killed one could not: prune after a dump, a new
            // backup after the others.
            environment["PG_DUMP_PATH"] = nil
            if stage == .dump {
                let prune = try Command.lifeboat(["prune", "--json"], environment: environment)
                fault.check(prune.succeeded, "prune: \(prune.stderr)")
                let report = try JSONSerialization.jsonObject(with: Data(prune.stdout.utf8)) as? [String: Any]
                fault.check(
                    report?["removed_partials"] as? [String] == partials,
                    "prune removed the partial file: \(prune.stdout)")
                fault.check(folder.files.isEmpty, "the folder is clean after prune: \(folder.files)")
            }
            let next = try Command.lifeboat(["backup", "--type", "daily"] + stage.flags, environment: environment)
            fault.check(next.succeeded, "the next backup works: \(next.stderr)")
            if stage != .dump {
                fault.check(
                    next.stderr.contains("removed \(partials.first ?? "?"), left by a backup that was killed"),
                    "the next backup says it removed the partial file: \(next.stderr)")
            }
            fault.check(Faults.hidden(folder).isEmpty, "no partial file remains: \(folder.files)")
            fault.check(
                Faults.backups(folder).count == 1 && Faults.backupLike(folder).count == 2,
                "one backup and its manifest: \(folder.files)")
        }
    }

    /// The one window where a killed backup leaves a named file: after the link to the final
    /// name, before the manifest is written. The file is complete (pg_dump succeeded, the data
    /// was fsync'd) but has no manifest, and every command must say so rather than vouch for it.
    /// That window used to be held open with a FIFO planted at the manifest's temporary name;
    /// since issue 18 that name is unpredictable and opened O_CREAT|O_EXCL|O_NOFOLLOW (the FIFO
    /// trick was the very hole), so the state such a kill leaves is made directly: a finished
    /// backup whose manifest is gone.
    @Test func killedBetweenRenameAndManifest() throws {
        try FaultLog.run("backup SIGKILL between rename and manifest") { fault in
            let database = try ScratchDatabase()
            let folder = try ScratchFolder()
            let before = try database.rowCounts()
            let environment = try Self.environment(database, folder)
            let (backup, _) = try BackupRoundTripTests.backup(
                ["--type", "daily", "--compress", "--no-encrypt"], environment)
            let name = backup.lastPathComponent
            let manifest = try #require(BackupName(fileName: name)).manifestName
            try FileManager.default.removeItem(at: folder.url.appendingPathComponent(manifest))
            fault.check(folder.files == [name], "the backup without its manifest, nothing else: \(folder.files)")
            fault.check(try database.rowCounts() == before, "the database is unchanged")
            let file = folder.url.appendingPathComponent(name)

            // list: no manifest, never "verified".
            let list = try Command.lifeboat(["list", "--json"], environment: environment)
            let entries = (try? JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [[String: Any]]) ?? []
            fault.check(
                entries.count == 1 && entries.first?["has_manifest"] as? Bool == false
                    && entries.first?["verified"] as? String == "no manifest", "list flags it: \(list.stdout)")
            // verify: it restores, but the hash and row counts are skipped and the verdict says so.
            let verify = try Command.lifeboat(["verify", file.path], environment: environment)
            fault.check(verify.status == 0, "verify checks what it can: \(verify.stderr)")
            fault.check(
                verify.stderr.contains("- sha256: no manifest to compare with")
                    && verify.stderr.contains("- row counts: no manifest: nothing to compare with")
                    && verify.stderr.contains("no manifest: its SHA-256 and row counts could not be checked"),
                "and says what it skipped: \(verify.stderr)")
            fault.check(!verify.stderr.contains("matches its manifest"), "never claims a manifest match")
            // restore: the plan warns before anything is touched (no terminal: refused here).
            let restore = try Command.lifeboat(["restore", "--backup-file", file.path], environment: environment)
            fault.check(restore.status == 2, "refused without a terminal: \(restore.stderr)")
            fault.check(
                (restore.stdout + restore.stderr).contains("no manifest: row counts cannot be validated"),
                "the restore plan warns: \(restore.stdout) \(restore.stderr)")
            fault.check(try database.rowCounts() == before, "the database is still unchanged")
            fault.check(Faults.backupLike(folder) == [name], "nothing else appeared: \(folder.files)")
        }
    }
}

/// pg_dump failing under the backup: the server restarted mid-dump (on a cluster of the
/// test's own; the shared one is never restarted), pg_dump missing, pg_dump too old.
@Suite(.enabled(if: TestEnvironment.shouldRun))
struct DumpFaultTests {
    @Test func postgresRestartedMidDump() throws {
        try FaultLog.run("PostgreSQL restarted mid-dump") { fault in
            let cluster = try ThrowawayCluster()
            let admin = try Connection(cluster.url(for: "postgres"))
            try admin.query("CREATE DATABASE app")
            admin.close()
            let app = try Connection(cluster.url(for: "app"))
            try app.query("CREATE TABLE t AS SELECT g AS id, md5(g::text) AS v FROM generate_series(1, 200000) g")
            let checksum = "SELECT count(*) || ':' || md5(string_agg(v, '' ORDER BY id)) FROM t"
            let before = try app.query(checksum).scalar
            app.close()

            let folder = try ScratchFolder()
            let dump = try PausingPgDump(bytes: 100_000)
            let environment: [String: String?] = [
                "DATABASE_URL": cluster.url(for: "app"), "BACKUP_DIR": folder.path, "BACKUP_DISK_MIN_FREE_GB": "0"
            ]
            let log = folder.url.deletingLastPathComponent().appendingPathComponent(
                "lifeboat-restart-\(UUID().uuidString).log")
            defer { try? FileManager.default.removeItem(at: log) }
            var withDump = environment
            withDump["PG_DUMP_PATH"] = dump.path
            let process = try Faults.spawn(
                ["backup", "--type", "daily", "--no-compress"], environment: withDump, output: log)
            try #require(dump.waitUntilPaused(), "pg_dump is mid-COPY: \(Faults.text(log))")
            try cluster.restart()
            dump.release()
            let status = Faults.finish(process)
            let output = Faults.text(log)
            fault.check(status == 1, "the backup fails: \(status) \(output)")
            fault.check(output.contains("error: pg_dump:"), "names pg_dump: \(output)")
            fault.check(
                output.contains("terminating connection") || output.contains("server closed the connection")
                    || output.contains("connection to server"), "says the connection was lost: \(output)")
            fault.check(folder.files.isEmpty, "nothing left behind: \(folder.files)")

            let after = try Connection(cluster.url(for: "app"))
            fault.check(try after.query(checksum).scalar == before, "the data is unchanged")
            after.close()
            let again = try Command.lifeboat(["backup", "--type", "daily", "--no-compress"], environment: environment)
            fault.check(again.succeeded, "a backup after the restart works: \(again.stderr)")
            fault.check(Faults.backups(folder).count == 1 && Faults.hidden(folder).isEmpty, "\(folder.files)")
        }
    }

    @Test func pgDumpMissingOrTooOld() throws {
        let database = try ScratchDatabase()
        let tools = try ScratchFolder()
        let old = tools.url.appendingPathComponent("pg_dump").path
        try "#!/bin/sh\necho 'pg_dump (PostgreSQL) 9.6.24'\n".write(toFile: old, atomically: true, encoding: .utf8)
        chmod(old, 0o755)
        for (name, path, says) in [
            (
                "pg_dump missing", tools.url.appendingPathComponent("no-such-pg_dump").path,
                "is not an executable pg_dump"
            ),
            ("pg_dump too old", old, "older than the server")
        ] {
            try FaultLog.run(name) { fault in
                let folder = try ScratchFolder()
                let result = try Command.lifeboat(
                    ["backup", "--type", "daily"],
                    environment: [
                        "DATABASE_URL": database.url, "BACKUP_DIR": folder.path, "PG_DUMP_PATH": path
                    ])
                fault.check(result.status == 2, "a configuration error: \(result.stderr)")
                fault.check(
                    result.stderr.contains("error: pg_dump:") && result.stderr.contains(says),
                    "says what is wrong: \(result.stderr)")
                fault.check(
                    result.stderr.contains("PG_DUMP_PATH") || result.stderr.contains("postgresql-client"),
                    "says what to do: \(result.stderr)")
                fault.check(folder.files.isEmpty, "nothing written: \(folder.files)")
            }
        }
    }
}

/// A PostgreSQL cluster of the test's own (initdb and pg_ctl as the `postgres` user, as
/// `scripts/test-env` makes the shared one), for faults that need the server itself.
final class ThrowawayCluster {
    static let scripts = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("scripts")
    let directory: String
    let port: String
    let password: String
    let pgbin: String

    init() throws {
        pgbin = try TestEnvironment.pgBin
        port = try Faults.freePort()
        password = UUID().uuidString.replacingOccurrences(of: "-", with: "")
        let made = try Command.shell("d=$(mktemp -d /tmp/lbf.XXXXXX); chmod 755 \"$d\"; echo \"$d\"")
        directory = made.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let started = try Self.lib(
            "lb_pg_create \(shellQuote(pgbin)) \(shellQuote(directory)) \(shellQuote(password)) && "
                + "lb_pg_start \(shellQuote(pgbin)) \(shellQuote(directory)) \(port)")
        try #require(started.succeeded, "throwaway cluster: \(started.stderr)")
    }

    /// Runs `script` with scripts/lib.sh. Descriptors above 2 are closed first: the server
    /// pg_ctl leaves running must not inherit the one Foundation watches to see the shell end
    /// (the wait would then last as long as the server).
    static func lib(_ script: String) throws -> CommandResult {
        try Command.shell(
            """
            for fd in $(ls /proc/$$/fd); do if [ "$fd" -gt 2 ]; then eval "exec $fd>&-"; fi; done
            source \(shellQuote(scripts.appendingPathComponent("lib.sh").path))
            """ + "\n" + script)
    }

    func url(for database: String) -> String {
        "postgresql://postgres:\(password)@127.0.0.1:\(port)/\(database)"
    }

    /// A fast restart: every session is ended, as by an operator or a crash-restart.
    func restart() throws {
        let result = try Self.lib(
            "lb_as_pg \(shellQuote(pgbin + "/pg_ctl")) -D \(shellQuote(directory + "/pgdata")) "
                + "-l \(shellQuote(directory + "/postgres.log")) -m fast -w -t 60 restart >/dev/null")
        try #require(result.succeeded, "pg_ctl restart: \(result.stderr)")
    }

    deinit {
        _ = try? Self.lib("lb_pg_stop \(shellQuote(pgbin)) \(shellQuote(directory))")
        try? FileManager.default.removeItem(atPath: directory)
    }
}
