import Foundation
import Testing
import LifeboatCore

/// The seed's backups: `pg_dump | gzip > backup_daily_20250118.sql.gz`, a date and no manifest.
/// Made here with the real pg_dump, gzip and gpg, then listed, verified, restored (by name and
/// by the interactive choice), fetched and pruned through the `lifeboat` binary.
@Suite(.enabled(if: TestEnvironment.shouldRun), .serialized)
struct LegacyNameTests {
    /// Writes the seed's three kinds of file from one real dump of `database`, plus older
    /// dailies (copies) so that retention has something to remove.
    static func seedBackups(of database: ScratchDatabase, in folder: ScratchFolder) throws -> [String] {
        let dump = "\(shellQuote(try TestEnvironment.pgBin + "/pg_dump")) -d \(shellQuote(database.url))"
        let gpg =
            "gpg --homedir \(shellQuote(try TestEnvironment.gnupgHome)) --batch --yes --trust-model always "
            + "-r \(shellQuote(try TestEnvironment.gpgKey)) --encrypt"
        let at = { (name: String) in shellQuote(folder.url.appendingPathComponent(name).path) }
        let script = """
            \(dump) | gzip > \(at("backup_daily_20250118.sql.gz"))
            \(dump) > \(at("backup_manual_20250117.sql"))
            \(dump) | gzip | \(gpg) > \(at("backup_weekly_20250119.sql.gz.gpg"))
            for day in 10 11 12 13 14 15 16 17; do cp \(at("backup_daily_20250118.sql.gz")) \(folder.path)/backup_daily_202501$day.sql.gz; done
            """
        let made = try Command.shell(script)
        try #require(made.succeeded, "pg_dump | gzip: \(made.stderr)")
        return folder.files
    }

    @Test func listVerifyRestoreFetchAndPrune() throws {
        let database = try ScratchDatabase()
        let folder = try ScratchFolder()
        let files = try Self.seedBackups(of: database, in: folder)
        #expect(files.count == 11)
        let environment = try BackupRoundTripTests.environment(database, folder)

        // list: all eleven, the date taken as 00:00Z, marked as having no manifest.
        let list = try Command.lifeboat(["list", "--json"], environment: environment)
        try #require(list.succeeded, "\(list.stderr)")
        let listed = try #require(try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [[String: Any]])
        #expect(
            listed.compactMap { $0["name"] as? String } == [
                "backup_weekly_20250119.sql.gz.gpg", "backup_daily_20250118.sql.gz", "backup_manual_20250117.sql",
                "backup_daily_20250117.sql.gz", "backup_daily_20250116.sql.gz", "backup_daily_20250115.sql.gz",
                "backup_daily_20250114.sql.gz", "backup_daily_20250113.sql.gz", "backup_daily_20250112.sql.gz",
                "backup_daily_20250111.sql.gz", "backup_daily_20250110.sql.gz"
            ])
        let daily = try #require(listed.first { $0["name"] as? String == "backup_daily_20250118.sql.gz" })
        #expect(daily["time"] as? String == "2025-01-18T00:00:00Z")
        #expect(daily["type"] as? String == "daily")
        #expect(daily["has_manifest"] as? Bool == false)
        #expect(daily["verified"] as? String == "no manifest")
        #expect(listed.allSatisfy { $0["has_manifest"] as? Bool == false })
        let table = try Command.lifeboat(["list"], environment: environment)
        let line = table.stdout.split(separator: "\n").first { $0.hasPrefix("backup_daily_20250118.sql.gz ") } ?? ""
        #expect(line.contains("20250118T000000Z") && line.contains("no manifest"), "\(table.stdout)")

        // verify: each of the three kinds restores into a temporary database; the counts could not be compared.
        for name in ["backup_daily_20250118.sql.gz", "backup_manual_20250117.sql", "backup_weekly_20250119.sql.gz.gpg"]
        {
            let verify = try Command.lifeboat(
                ["verify", folder.url.appendingPathComponent(name).path], environment: environment)
            #expect(verify.status == 0, "\(name): \(verify.stderr)")
            #expect(
                verify.stderr.contains("no manifest") && verify.stderr.contains("could not be checked"),
                "\(verify.stderr)")
        }
        let verifyJSON = try Command.lifeboat(["verify", "--latest", "--json"], environment: environment)
        #expect(verifyJSON.status == 0, "\(verifyJSON.stderr)")
        let report = try #require(
            try JSONSerialization.jsonObject(with: Data(verifyJSON.stdout.utf8)) as? [String: Any])
        #expect((report["file"] as? String)?.hasSuffix("backup_weekly_20250119.sql.gz.gpg") == true)
        let checks = report["checks"] as? [[String: Any]] ?? []
        #expect(
            checks.contains { $0["name"] as? String == "row counts" && $0["result"] as? String == "skipped" },
            "\(checks)")
        #expect(
            checks.contains { $0["name"] as? String == "restore" && $0["result"] as? String == "passed" }, "\(checks)")
        #expect(folder.files == files, "nothing written beside the backups (no manifest to record a verdict in)")

        // restore --backup-file into a new database: the same rows as the source.
        let target = try ScratchDatabase(existing: "lbt_legacy_\(UInt32.random(in: 0...UInt32.max))")
        var restoreEnvironment = environment
        restoreEnvironment["DATABASE_URL"] = target.url
        let restore = try Command.lifeboat(
            [
                "restore", "--backup-file", folder.url.appendingPathComponent("backup_daily_20250118.sql.gz").path,
                "--force"
            ],
            environment: restoreEnvironment)
        try #require(restore.succeeded, "\(restore.stderr)")
        #expect(restore.stderr.contains("no manifest"), "\(restore.stderr)")
        #expect(try target.rowCounts() == database.rowCounts())

        // fetch: a date-only name in the bucket, without manifest, is listed and fetched.
        let bucket = try CloudTests.bucket()
        var cloud = try CloudTests.environment(database, folder, bucket: bucket)
        #expect(
            try CloudTests.aws([
                "s3", "cp", "--quiet", folder.url.appendingPathComponent("backup_daily_20250118.sql.gz").path,
                "s3://\(bucket)/backups/backup_daily_20250118.sql.gz"
            ]).succeeded)
        let remote = try Command.lifeboat(["list", "--remote"], environment: cloud)
        #expect(remote.stdout.contains("backup_daily_20250118.sql.gz  daily  20250118T000000Z"), "\(remote.stdout)")
        let elsewhere = try ScratchFolder()
        cloud["BACKUP_DIR"] = elsewhere.path
        let fetch = try Command.lifeboat(["fetch", "backup_daily_20250118.sql.gz"], environment: cloud)
        try #require(fetch.succeeded, "\(fetch.stderr)")
        #expect(
            try Data(contentsOf: elsewhere.url.appendingPathComponent("backup_daily_20250118.sql.gz"))
                == Data(contentsOf: folder.url.appendingPathComponent("backup_daily_20250118.sql.gz")))
        let badName = try Command.lifeboat(["fetch", "backup_daily_2025011.sql.gz"], environment: cloud)
        #expect(badName.status == 2)
        #expect(
            badName.stderr.contains("backup_TYPE_YYYYMMDD.sql"),
            "the message shows the date-only form: \(badName.stderr)")

        // prune: seven dailies kept by date, the two oldest removed; weekly and manual untouched.
        let dryRun = try Command.lifeboat(["prune", "--dry-run", "--json"], environment: environment)
        let planned = try #require(try JSONSerialization.jsonObject(with: Data(dryRun.stdout.utf8)) as? [String: Any])
        #expect(planned["removed"] as? [String] == ["backup_daily_20250111.sql.gz", "backup_daily_20250110.sql.gz"])
        #expect(folder.files == files)
        let prune = try Command.lifeboat(["prune"], environment: environment)
        try #require(prune.succeeded, "\(prune.stderr)")
        #expect(
            folder.files
                == files.filter { $0 != "backup_daily_20250110.sql.gz" && $0 != "backup_daily_20250111.sql.gz" })
    }

    /// The interactive choice lists the seed's files as having no manifest and restores the one picked.
    @Test func interactiveChoiceOfADateOnlyBackup() async throws {
        let database = try ScratchDatabase()
        let folder = try ScratchFolder()
        _ = try Self.seedBackups(of: database, in: folder)
        let target = try ScratchDatabase(existing: "lbt_legacy_\(UInt32.random(in: 0...UInt32.max))")
        let variables = [
            "DATABASE_URL=\(target.url)", "BACKUP_DIR=\(folder.path)", "LIFEBOAT_ENV_FILE=/dev/null",
            "GNUPGHOME=\(try TestEnvironment.gnupgHome)"
        ]
        let command =
            "env " + variables.map(shellQuote).joined(separator: " ") + " \(shellQuote(Command.lifeboatPath)) restore"
            + "; echo EXIT=$?; sleep 60"
        let session = try InteractiveRestoreTests.TmuxSession(command)
        defer { session.kill() }
        let pane = try await session.waitFor(["Restore which backup?", "  2) "])
        let second = pane.split(separator: "\n").first { $0.hasPrefix("  2) ") } ?? ""
        #expect(second.contains("backup_daily_20250118.sql.gz") && second.contains("no manifest"), "\(pane)")
        try session.type("2")
        let plan = try await session.waitFor(["Type the database name (\(target.name))"])
        #expect(plan.contains("no manifest: row counts cannot be validated"), "\(plan)")
        try session.type(target.name)
        let end = try await session.waitFor(["EXIT=0"], timeout: 120)
        #expect(end.contains("not validated"), "\(end)")
        #expect(try target.rowCounts() == database.rowCounts())
    }
}
