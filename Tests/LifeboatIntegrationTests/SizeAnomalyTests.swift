import Foundation
import Testing
import LifeboatCore

/// Backup sizes watched against the real PostgreSQL and the real webhook receiver: a backup
/// much smaller than the recent ones of its type warns and sends `backup.size_anomaly`; an
/// empty database fails the backup and leaves nothing behind, unless `--allow-empty` says it
/// is meant to be empty.
@Suite(.enabled(if: TestEnvironment.shouldRun))
struct SizeAnomalyIntegrationTests {
    /// Runs `lifeboat backup --json` and returns its result with the file and manifest it wrote.
    static func backup(_ arguments: [String], _ environment: [String: String?]) throws -> (
        CommandResult, URL, BackupManifest
    ) {
        let result = try Command.lifeboat(["backup", "--json"] + arguments, environment: environment)
        try #require(result.succeeded, "lifeboat backup failed: \(result.stderr)")
        let json = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
        let file = URL(fileURLWithPath: try #require(json?["path"] as? String))
        let manifest = try BackupManifest.read(from: URL(fileURLWithPath: file.path + ".manifest.json"))
        return (result, file, manifest)
    }

    @Test func aMuchSmallerBackupRaisesSizeAnomalyAndANormalOneDoesNot() throws {
        let receiver = try WebhookReceiver()
        let database = try ScratchDatabase()
        let folder = try ScratchFolder()
        let environment = try WebhookTests.environment(database, folder, urls: [receiver.url])

        // Four backups of the same Pagila database, one of them uncompressed: dump_bytes, which
        // is compared, does not depend on compression. The fourth is judged against the first three.
        var earlier: [(URL, BackupManifest)] = []
        for arguments in [["--compress"], ["--no-compress"], ["--compress"], ["--compress"]] {
            let (result, file, manifest) = try Self.backup(["--type", "daily"] + arguments, environment)
            #expect(!result.stderr.contains("size anomaly"), "\(result.stderr)")
            earlier.append((file, manifest))
        }
        #expect(receiver.requests(for: "backup.completed").count == 4)
        #expect(receiver.requests(for: "backup.size_anomaly").isEmpty, "a normal backup raises nothing")

        // Most rows gone: the next backup is a fraction of the usual size.
        try database.connect().query("TRUNCATE payment, rental, inventory, film_actor, film_category CASCADE")
        let (result, file, manifest) = try Self.backup(["--type", "daily", "--compress"], environment)
        #expect(FileManager.default.fileExists(atPath: file.path), "the backup is kept")
        let sizes = earlier.map(\.1.dumpBytes).sorted()
        let median = (sizes[1] + sizes[2] + 1) / 2  // four values: the mean of the middle two, rounded
        #expect(
            manifest.dumpBytes * 2 < median, "the test needs a much smaller dump: \(manifest.dumpBytes) vs \(median)")
        #expect(
            result.stderr.contains(
                "warning: backup size anomaly: \(file.lastPathComponent) is \(ByteSize.decimal(manifest.dumpBytes)) of SQL, "
            ),
            "\(result.stderr)")
        #expect(
            result.stderr.contains(
                "smaller than the median of the last 4 daily backups (\(ByteSize.decimal(median))); the band is ±50%"),
            "\(result.stderr)")
        #expect(result.stderr.contains("DATABASE_URL"))

        let events = receiver.requests(for: "backup.size_anomaly")
        try #require(events.count == 1, "\(receiver.requests.map(\.event))")
        let event = events[0]
        WebhookTests.expectWellFormed(event, event: "backup.size_anomaly")
        let details = event.details
        #expect(details["file"] as? String == file.lastPathComponent)
        #expect(details["path"] as? String == file.path)
        #expect(details["type"] as? String == "daily")
        #expect(details["database"] as? String == database.name)
        #expect(details["measure"] as? String == "dump_bytes")
        #expect((details["bytes"] as? NSNumber)?.int64Value == manifest.dumpBytes)
        #expect((details["median"] as? NSNumber)?.int64Value == median)
        #expect(details["window"] as? Int == 4)
        // Newest first by (time, name): two backups made in the same second order by name.
        let expected = earlier.compactMap { BackupName(fileName: $0.0.lastPathComponent) }.sorted(by: >).map(\.fileName)
        #expect(details["compared"] as? [String] == expected, "newest first")
        #expect((details["band"] as? NSNumber)?.doubleValue == 50)
        #expect(
            (details["low"] as? NSNumber)?.int64Value == Int64((Double(sizes[1] + sizes[2]) / 4).rounded()),
            "half the median")
        #expect(details["direction"] as? String == "smaller")
        #expect(receiver.requests.suffix(2).map(\.event) == ["backup.completed", "backup.size_anomaly"])

        // A much smaller database backed up under the same type into the same folder: the
        // warning names both databases, the likely sign of a wrong DATABASE_URL.
        let other = try ScratchDatabase(fromPagila: false)
        try other.connect().query("CREATE TABLE notes AS SELECT g AS id FROM generate_series(1, 10) g")
        var otherEnvironment = environment
        otherEnvironment["DATABASE_URL"] = other.url
        let (wrong, wrongFile, _) = try Self.backup(["--type", "daily"], otherEnvironment)
        #expect(
            wrong.stderr.contains("warning: backup size anomaly: \(wrongFile.lastPathComponent) is "), "\(wrong.stderr)"
        )
        #expect(
            wrong.stderr.contains("This backup is of database '\(other.name)', earlier ones of '\(database.name)'."),
            "\(wrong.stderr)")
        #expect(receiver.requests(for: "backup.size_anomaly").count == 2)

        // Another type has its own history: a first weekly backup of the small database is not judged.
        let (weekly, _, _) = try Self.backup(["--type", "weekly"], otherEnvironment)
        #expect(!weekly.stderr.contains("size anomaly"), "\(weekly.stderr)")
        #expect(receiver.requests(for: "backup.size_anomaly").count == 2)
    }

    @Test func anEmptyDatabaseFailsTheBackupAndLeavesNothing() throws {
        let receiver = try WebhookReceiver()
        let database = try ScratchDatabase(fromPagila: false)
        let folder = try ScratchFolder()
        let environment = try WebhookTests.environment(database, folder, urls: [receiver.url])

        // CREATE DATABASE and nothing else: no tables at all.
        let noTables = try Command.lifeboat(["backup", "--type", "daily"], environment: environment)
        #expect(noTables.status == 1, "\(noTables.stderr)")
        #expect(
            noTables.stderr.contains(
                "error: empty dump: the dump of database \"\(database.name)\" holds no table data: it has no tables"),
            "\(noTables.stderr)")
        #expect(noTables.stderr.contains("no backup was kept"))
        #expect(
            noTables.stderr.contains("DATABASE_URL") && noTables.stderr.contains("--allow-empty"), "\(noTables.stderr)")
        #expect(folder.files.isEmpty, "no backup, no manifest, no partial file: \(folder.files)")
        let failed = try #require(receiver.requests(for: "backup.failed").first)
        WebhookTests.expectWellFormed(failed, event: "backup.failed")
        #expect(failed.details["stage"] as? String == "empty dump")
        #expect(failed.details["type"] as? String == "daily")
        #expect((failed.details["error"] as? String)?.contains("holds no table data") == true)
        #expect(receiver.requests(for: "backup.completed").isEmpty)

        // Tables, but not one row.
        try database.connect().query(
            "CREATE TABLE customers (id int PRIMARY KEY, name text); CREATE TABLE orders (id int, customer int)")
        let noRows = try Command.lifeboat(["backup", "--type", "daily", "--no-compress"], environment: environment)
        #expect(noRows.status == 1, "\(noRows.stderr)")
        #expect(
            noRows.stderr.contains(
                "error: empty dump: the dump of database \"\(database.name)\" holds no table data: none of its 2 tables has a row"
            ),
            "\(noRows.stderr)")
        #expect(folder.files.isEmpty, "\(folder.files)")
        #expect(receiver.requests(for: "backup.failed").count == 2)

        // Empty on purpose: --allow-empty keeps it, with its tables counted at zero rows.
        let (allowed, file, manifest) = try Self.backup(["--type", "daily", "--allow-empty"], environment)
        #expect(allowed.succeeded)
        #expect(manifest.tables.map(\.name).sorted() == ["customers", "orders"])
        #expect(manifest.totalRows == 0)
        #expect(folder.files == [file.lastPathComponent, file.lastPathComponent + ".manifest.json"])

        // The same through the configuration (for scheduled backups), with no tables at all.
        try database.connect().query("DROP TABLE customers, orders")
        var configured = environment
        configured["BACKUP_ALLOW_EMPTY"] = "true"
        let (_, _, bare) = try Self.backup(["--type", "manual"], configured)
        #expect(bare.tables.isEmpty)
        #expect(receiver.requests(for: "backup.completed").count == 2)
    }

    @Test func badSizeCheckSettingsStopTheBackupBeforeItStarts() throws {
        let database = try ScratchDatabase(fromPagila: false)
        let folder = try ScratchFolder()
        var environment = try BackupRoundTripTests.environment(database, folder)
        environment["BACKUP_SIZE_ANOMALY_BAND"] = "150"
        let result = try Command.lifeboat(["backup", "--type", "daily"], environment: environment)
        #expect(result.status == 2, "a configuration error: \(result.stderr)")
        #expect(
            result.stderr.contains(
                "BACKUP_SIZE_ANOMALY_BAND is '150' (from environment), expected a percentage above 0 and below 100"),
            "\(result.stderr)")
        #expect(folder.files.isEmpty)
    }
}
