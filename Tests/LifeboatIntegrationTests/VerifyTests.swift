import Foundation
import Testing
import LifeboatCore
import LifeboatPostgres

/// Verification: passes on a good backup, fails with a named reason on damage, and never
/// leaves its temporary database behind.
@Suite(.enabled(if: TestEnvironment.shouldRun))
struct VerifyTests {
    /// A fresh encrypted Pagila backup in its own folder.
    static func encryptedBackup() throws -> (ScratchDatabase, ScratchFolder, URL, BackupManifest) {
        let database = try ScratchDatabase()
        let folder = try ScratchFolder()
        let (file, manifest) = try BackupRoundTripTests.backup(
            ["--type", "weekly", "--compress", "--encrypt"], try BackupRoundTripTests.environment(database, folder))
        return (database, folder, file, manifest)
    }

    static func verifyEnvironment(_ database: ScratchDatabase, _ folder: ScratchFolder, gnupgHome: String? = nil) throws
        -> [String: String?]
    {
        var environment = try BackupRoundTripTests.environment(database, folder)
        if let gnupgHome { environment["GNUPGHOME"] = gnupgHome }
        return environment
    }

    static func verifyDatabasesLeft() throws -> [String] {
        try Connection(try TestEnvironment.adminURL)
            .query("SELECT datname FROM pg_database WHERE datname LIKE 'lifeboat_verify_%'").rows.compactMap { $0[0] }
    }

    /// Runs verify and checks that its temporary database (named with its pid) is gone.
    static func verify(_ arguments: [String], _ environment: [String: String?]) throws -> CommandResult {
        let result = try Command.lifeboat(["verify", "--json"] + arguments, environment: environment)
        if let report = try? JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any],
            let temporary = report["temporary_database"] as? String, !temporary.isEmpty
        {
            #expect(try !verifyDatabasesLeft().contains(temporary), "\(temporary) was dropped")
        }
        return result
    }

    @Test func goodBackupPassesAndIsRecorded() throws {
        let (database, folder, file, _) = try Self.encryptedBackup()
        let result = try Self.verify(["--latest"], try Self.verifyEnvironment(database, folder))
        #expect(result.status == 0, "\(result.stderr)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect(report["passed"] as? Bool == true)
        let checks = (report["checks"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }
        #expect(checks == ["sha256", "openpgp", "gzip", "restore", "row counts", "objects"])
        let manifest = try BackupManifest.read(from: URL(fileURLWithPath: file.path + ".manifest.json"))
        #expect(manifest.verification?.state == "passed")
        let list = try Command.lifeboat(["list"], environment: try Self.verifyEnvironment(database, folder))
        #expect(list.stdout.contains("passed"))
        // The seed's spelling does the same.
        let alias = try Command.lifeboat(
            ["backup", "--verify-only", "--backup-file", file.path],
            environment: try Self.verifyEnvironment(database, folder))
        #expect(alias.status == 0, "\(alias.stderr)")
    }

    @Test func flippedByteIsBad() throws {
        let (database, folder, file, manifest) = try Self.encryptedBackup()
        let handle = try FileHandle(forUpdating: file)
        try handle.seek(toOffset: UInt64(manifest.fileBytes / 2))
        let byte = try handle.read(upToCount: 1)![0]
        try handle.seek(toOffset: UInt64(manifest.fileBytes / 2))
        try handle.write(contentsOf: Data([byte ^ 0x01]))
        try handle.close()
        let result = try Self.verify([file.path], try Self.verifyEnvironment(database, folder))
        #expect(result.status == 3, "\(result.stderr)")
        #expect(result.stderr.contains("BAD"))
        #expect(result.stderr.contains("SHA-256"))
        let recorded = try BackupManifest.read(from: URL(fileURLWithPath: file.path + ".manifest.json"))
        #expect(recorded.verification?.state == "failed")
    }

    @Test(arguments: [true, false])
    func truncatedFileIsBad(encrypted: Bool) throws {
        let database = try ScratchDatabase()
        let folder = try ScratchFolder()
        let (file, manifest) = try BackupRoundTripTests.backup(
            ["--type", "daily", "--compress", encrypted ? "--encrypt" : "--no-encrypt"],
            try BackupRoundTripTests.environment(database, folder))
        truncate(file.path, off_t(manifest.fileBytes / 2))
        let result = try Self.verify([file.path], try Self.verifyEnvironment(database, folder))
        #expect(result.status == 3, "\(result.stderr)")
        #expect(result.stderr.contains("truncated"))
    }

    @Test func wrongDecryptionKeyCannotCheck() throws {
        let (database, folder, file, _) = try Self.encryptedBackup()
        let result = try Self.verify(
            [file.path],
            try Self.verifyEnvironment(
                database, folder, gnupgHome: try TestEnvironment.require("LIFEBOAT_TEST_GNUPGHOME_OTHER")))
        #expect(result.status == 1, "could not check: \(result.stderr)")
        #expect(result.stderr.contains("decrypt:"))
        #expect(result.stderr.contains("no secret key"))
        #expect(result.stderr.contains("gpg --import"))
    }

    @Test func editedManifestCountsAreBad() throws {
        let (database, folder, file, manifest) = try Self.encryptedBackup()
        var edited = manifest
        let index = try #require(edited.tables.firstIndex { $0.name == "rental" })
        edited.tables[index].rows += 5
        try edited.write(to: URL(fileURLWithPath: file.path + ".manifest.json"))
        let result = try Self.verify([file.path], try Self.verifyEnvironment(database, folder))
        #expect(result.status == 3, "\(result.stderr)")
        #expect(result.stderr.contains("row counts"))
        #expect(result.stderr.contains("public.rental: expected 16049 rows, found 16044"))
    }

    @Test func withoutManifestChecksWhatItCan() throws {
        let (database, folder, file, _) = try Self.encryptedBackup()
        try FileManager.default.removeItem(atPath: file.path + ".manifest.json")
        let result = try Self.verify([file.path], try Self.verifyEnvironment(database, folder))
        #expect(result.status == 0, "\(result.stderr)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let skipped = (report["checks"] as? [[String: Any]] ?? []).filter { $0["result"] as? String == "skipped" }
        #expect(skipped.compactMap { $0["name"] as? String } == ["sha256", "row counts"])
    }

    @Test func sigtermMidRestoreDropsTheTemporaryDatabase() throws {
        let (database, folder, file, _) = try Self.encryptedBackup()
        let tools = try ScratchFolder()
        // A psql that sleeps inside the temporary database before reading the dump.
        let real = try TestEnvironment.pgBin + "/psql"
        let fake = tools.url.appendingPathComponent("psql").path
        try """
        #!/bin/bash
        if [ "${1:-}" = --version ]; then exec \(real) --version; fi
        exec \(real) "$@" -c "SELECT pg_sleep(60)" -f -
        """.write(toFile: fake, atomically: true, encoding: .utf8)
        chmod(fake, 0o755)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Command.lifeboatPath)
        process.arguments = ["verify", file.path]
        var environment = ProcessInfo.processInfo.environment
        for (key, value) in try Self.verifyEnvironment(database, folder) { environment[key] = value }
        environment["PSQL_PATH"] = fake
        environment["RESTORE_JOBS"] = "1"  // psql's path: the parallel one runs no psql to hold it
        environment["LIFEBOAT_ENV_FILE"] = "/dev/null"
        process.environment = environment
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let temporary = "lifeboat_verify_%_\(process.processIdentifier)"
        let admin = try Connection(try TestEnvironment.adminURL)
        var sleeping = false
        for _ in 0..<1200 where !sleeping {  // a hang guard; a busy machine may take long
            sleeping =
                try admin.query(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname LIKE $1 AND query LIKE '%pg_sleep%'",
                    [temporary]
                ).scalar == "1"
            if !sleeping { usleep(100_000) }
        }
        #expect(sleeping, "psql reached the temporary database")
        kill(process.processIdentifier, SIGTERM)
        for _ in 0..<300 where process.isRunning { usleep(100_000) }
        if process.isRunning {
            Issue.record("verify did not stop within 30 s of SIGTERM")
            kill(process.processIdentifier, SIGKILL)
        }
        process.waitUntilExit()
        #expect(process.terminationStatus != 0)
        let left = try admin.query("SELECT count(*) FROM pg_database WHERE datname LIKE $1", [temporary]).scalar
        #expect(left == "0", "the temporary database was dropped")
    }
}
