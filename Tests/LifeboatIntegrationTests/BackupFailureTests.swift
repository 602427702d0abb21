import Foundation
import Testing
import LifeboatCore
import LifeboatPostgres

/// Acceptance 3: every failure exits non-zero, names its stage and cause, and leaves nothing
/// in BACKUP_DIR — not a backup, not a manifest, not a partial file.
@Suite(.enabled(if: TestEnvironment.shouldRun))
struct BackupFailureTests {
    /// A pg_dump stand-in that answers --version like the real one and otherwise runs `body`.
    static func fakePgDump(in folder: ScratchFolder, body: String) throws -> String {
        let real = try TestEnvironment.pgBin + "/pg_dump"
        let path = folder.url.appendingPathComponent("pg_dump").path
        let script = """
            #!/bin/bash
            if [ "${1:-}" = --version ]; then exec \(real) --version; fi
            REAL=\(real)
            \(body)
            """
        try script.write(toFile: path, atomically: true, encoding: .utf8)
        chmod(path, 0o755)
        return path
    }

    static func expectCleanFailure(_ result: CommandResult, stage: String, mentions: String, folder: ScratchFolder) {
        #expect(!result.succeeded)
        #expect(result.stderr.contains("\(stage):"), "stage named: \(result.stderr)")
        #expect(result.stderr.lowercased().contains(mentions.lowercased()), "cause named: \(result.stderr)")
        #expect(folder.files.isEmpty, "nothing left behind: \(folder.files)")
    }

    @Test func unknownDatabase() throws {
        let folder = try ScratchFolder()
        let result = try Command.lifeboat(
            ["backup", "--type", "daily"],
            environment: [
                "DATABASE_URL": try TestEnvironment.url(for: "lbt_no_such_database"), "BACKUP_DIR": folder.path
            ])
        Self.expectCleanFailure(result, stage: "connect", mentions: "does not exist", folder: folder)
        #expect(result.stderr.contains("DATABASE_URL"), "says what to do")
        #expect(
            !result.stderr.contains(try TestEnvironment.require("LIFEBOAT_TEST_PGPASSWORD")), "no password in errors")
    }

    @Test func unknownEncryptionKey() throws {
        let database = try ScratchDatabase()
        let folder = try ScratchFolder()
        let result = try Command.lifeboat(
            ["backup", "--type", "daily", "--encrypt"],
            environment: [
                "DATABASE_URL": database.url, "BACKUP_DIR": folder.path, "GNUPGHOME": try TestEnvironment.gnupgHome,
                "BACKUP_ENCRYPTION_KEY": "DEADBEEFDEADBEEFDEADBEEFDEADBEEFDEADBEEF"
            ])
        Self.expectCleanFailure(result, stage: "encrypt", mentions: "no key matches", folder: folder)
        #expect(result.stderr.contains("gpg --import"))
    }

    @Test func backupDirIsAFile() throws {
        let database = try ScratchDatabase()
        let folder = try ScratchFolder()
        let file = folder.url.appendingPathComponent("not-a-folder")
        try Data("x".utf8).write(to: file)
        let result = try Command.lifeboat(
            ["backup"], environment: ["DATABASE_URL": database.url, "BACKUP_DIR": file.path])
        #expect(result.status == 2)
        #expect(result.stderr.contains("backup folder:"))
        #expect(result.stderr.contains("is not a folder"))
        #expect(folder.files == ["not-a-folder"])
    }

    @Test(.enabled(if: getuid() == 0, "needs root to switch to an unprivileged user"))
    func backupDirNotWritable() throws {
        let database = try ScratchDatabase()
        let folder = try ScratchFolder()
        chmod(folder.path, 0o755)  // readable by others, writable only by root
        let result = try Command.run(
            "/usr/sbin/runuser",
            [
                "-u", "nobody", "--", "/usr/bin/env", "DATABASE_URL=\(database.url)", "BACKUP_DIR=\(folder.path)",
                "LIFEBOAT_ENV_FILE=/dev/null", "HOME=/tmp", Command.lifeboatPath, "backup", "--type", "daily"
            ])
        Self.expectCleanFailure(result, stage: "backup folder", mentions: "permission denied", folder: folder)
        #expect(result.stderr.contains("BACKUP_DIR"))
    }

    @Test func pgDumpKilledMidStream() throws {
        let database = try ScratchDatabase()
        let folder = try ScratchFolder()
        let tools = try ScratchFolder()
        // Real pg_dump output, cut after 300 kB, then the dumping process dies by SIGKILL.
        let fake = try Self.fakePgDump(in: tools, body: "\"$REAL\" \"$@\" | head -c 300000\nkill -9 $$")
        for flags in [["--compress", "--no-encrypt"], ["--compress", "--encrypt"]] {
            let result = try Command.lifeboat(
                ["backup", "--type", "daily"] + flags,
                environment: [
                    "DATABASE_URL": database.url, "BACKUP_DIR": folder.path, "PG_DUMP_PATH": fake,
                    "GNUPGHOME": try TestEnvironment.gnupgHome, "BACKUP_ENCRYPTION_KEY": try TestEnvironment.gpgKey
                ])
            Self.expectCleanFailure(result, stage: "pg_dump", mentions: "killed by signal 9", folder: folder)
        }
    }

    @Test func pgDumpFailingExitStatus() throws {
        let database = try ScratchDatabase()
        let folder = try ScratchFolder()
        let tools = try ScratchFolder()
        let fake = try Self.fakePgDump(in: tools, body: "\"$REAL\" \"$@\" --table=no_such_table_xyz")
        let result = try Command.lifeboat(
            ["backup", "--type", "daily"],
            environment: [
                "DATABASE_URL": database.url, "BACKUP_DIR": folder.path, "PG_DUMP_PATH": fake
            ])
        Self.expectCleanFailure(result, stage: "pg_dump", mentions: "no matching tables", folder: folder)
    }

    @Test func diskFullViaFileSizeLimit() throws {
        let database = try ScratchDatabase()
        let folder = try ScratchFolder()
        let command = [Command.lifeboatPath, "backup", "--type", "daily", "--compress"].map(shellQuote).joined(
            separator: " ")
        // 100 KiB: far less than the compressed Pagila dump.
        let result = try Command.run(
            "/bin/bash", ["-c", "ulimit -f 100; exec \(command)"],
            environment: [
                "DATABASE_URL": database.url, "BACKUP_DIR": folder.path, "LIFEBOAT_ENV_FILE": "/dev/null"
            ])
        Self.expectCleanFailure(result, stage: "write", mentions: "file too large", folder: folder)
        #expect(result.stderr.contains("disk"), "hint mentions the disk: \(result.stderr)")
    }

    @Test func pgDumpOlderThanServerIsRefusedWithThePackageName() throws {
        let database = try ScratchDatabase()
        let folder = try ScratchFolder()
        let tools = try ScratchFolder()
        let path = tools.url.appendingPathComponent("pg_dump").path
        try "#!/bin/sh\necho 'pg_dump (PostgreSQL) 9.6.24'\n".write(toFile: path, atomically: true, encoding: .utf8)
        chmod(path, 0o755)
        let result = try Command.lifeboat(
            ["backup"],
            environment: [
                "DATABASE_URL": database.url, "BACKUP_DIR": folder.path, "PG_DUMP_PATH": path
            ])
        #expect(result.status == 2)
        #expect(result.stderr.contains("pg_dump:"))
        #expect(result.stderr.contains("older than the server"))
        #expect(result.stderr.contains("postgresql-client-15"))
        #expect(folder.files.isEmpty)
    }

    @Test func sigtermMidBackupLeavesNothing() throws {
        let database = try ScratchDatabase()
        let folder = try ScratchFolder()
        // Hold a lock so pg_dump waits inside the backup, then interrupt it there.
        let blocker = try database.connect()
        try blocker.query("BEGIN")
        try blocker.query("LOCK TABLE rental IN ACCESS EXCLUSIVE MODE")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Command.lifeboatPath)
        process.arguments = ["backup", "--type", "daily", "--compress"]
        var environment = ProcessInfo.processInfo.environment
        environment["DATABASE_URL"] = database.url
        environment["BACKUP_DIR"] = folder.path
        environment["LIFEBOAT_ENV_FILE"] = "/dev/null"
        process.environment = environment
        let stderr = Pipe()
        process.standardError = stderr
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let monitor = try database.connect()
        var waiting = false
        for _ in 0..<1200 where !waiting {  // a hang guard; a busy machine may take long
            waiting =
                try monitor.query(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = $1 AND application_name = 'pg_dump' AND wait_event_type = 'Lock'",
                    [database.name]
                ).scalar == "1"
            if !waiting { usleep(100_000) }
        }
        #expect(waiting, "pg_dump reached the lock")
        kill(process.processIdentifier, SIGTERM)
        // Never hang the suite: a backup that ignores SIGTERM is a failure, not a wait.
        for _ in 0..<300 where process.isRunning { usleep(100_000) }
        if process.isRunning {
            Issue.record("lifeboat did not stop within 30 s of SIGTERM")
            kill(process.processIdentifier, SIGKILL)
        }
        let output = String(decoding: stderr.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        try blocker.query("ROLLBACK")
        #expect(process.terminationStatus != 0)
        #expect(output.contains("interrupted:"), "\(output)")
        #expect(folder.files.isEmpty, "nothing left behind: \(folder.files)")
    }
}
