import Foundation
import Testing
import LifeboatCore
import LifeboatRunbooks

/// The other shipped scenarios run end to end through the real binary, with services through
/// the `command` provider, and checked by the data they leave: accidental-deletion puts back
/// one table only, total-loss rebuilds a dropped database from the cloud, point-in-time and
/// weekly-drill restore into new databases and leave the live one alone.
@Suite(.enabled(if: TestEnvironment.shouldRun))
struct RunbookScenarioTests {
    /// An ISO 8601 UTC time an hour from now: every backup taken by the test is before it.
    static var anHourFromNow: String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: Date().addingTimeInterval(3600))
    }

    /// Runs `lifeboat runbook run NAME ... --yes --json`, requires success, returns the run id.
    static func run(_ name: String, inputs: [String: String] = [:], _ environment: [String: String?]) throws -> String {
        var arguments = ["runbook", "run", name]
        for (key, value) in inputs.sorted(by: { $0.key < $1.key }) { arguments += ["--input", "\(key)=\(value)"] }
        arguments += ["--yes", "--json"]
        let result = try Command.lifeboat(arguments, environment: environment)
        try #require(result.succeeded, "runbook \(name) failed (status \(result.status)): \(result.stderr)")
        let report = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
        #expect(report?["status"] as? String == "succeeded", "\(result.stdout)")
        return try #require(report?["run_id"] as? String, "no run_id in \(result.stdout)")
    }

    /// The ids of the runs journaled in `state` (for cleanup when a run failed before reporting its id).
    static func runIDs(_ state: ScratchFolder) -> [String] {
        (try? FileManager.default.contentsOfDirectory(atPath: state.url.appendingPathComponent("runs").path)) ?? []
    }

    static func finishedSteps(_ events: [JournalEvent]) -> [String] {
        events.filter { $0.kind == .stepFinished && $0.status == .succeeded }.compactMap(\.step)
    }

    static func log(_ path: String) -> String {
        (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
    }

    @Test func accidentalDeletionRestoresOnlyTheNamedTable() throws {
        let database = try ScratchDatabase()
        let folder = try ScratchFolder()
        let state = try ScratchFolder()
        defer { RestoreTests.dropAll(like: "\(database.name)_%") }
        let log = folder.url.appendingPathComponent("services.log").path
        let environment = try RunbookRunTests.environment(database, folder, state: state, log: log)
        _ = try BackupRoundTripTests.backup(["--type", "daily", "--compress", "--no-encrypt"], environment)
        let original = try RestoreTests.checksums(database)

        let connection = try database.connect()
        try connection.query("DELETE FROM payment WHERE amount > 5")
        try connection.query("UPDATE rental SET return_date = NULL WHERE rental_id <= 50")
        let damaged = try RestoreTests.checksums(database)
        #expect(damaged["payment"] != original["payment"])
        #expect(damaged["rental"] != original["rental"])

        let runID = try Self.run(
            "accidental-deletion", inputs: ["tables": "payment", "deleted_at": Self.anHourFromNow], environment)
        #expect(try database.checksum("payment") == original["payment"], "payment is back as the backup had it")
        #expect(try database.checksum("rental") == damaged["rental"], "the change to rental survives")
        #expect(try database.checksum("customer") == original["customer"])
        #expect(try RestoreTests.databases(like: "\(database.name)_%").isEmpty, "no scratch database is left behind")
        #expect(Self.log(log) == "", "this runbook does not touch the services")

        let events = try RunbookRunTests.journal(state, runID)
        #expect(events.last?.kind == .runFinished && events.last?.status == .succeeded)
        #expect(
            events.contains { $0.kind == .approval && $0.step == "restore" && $0.by == "auto (--yes)" },
            "the restore gate was approved")
        // compare runs beside verify (both need only pick); restore waits for both.
        let finished = Self.finishedSteps(events)
        #expect(finished.first == "pick" && finished.suffix(2) == ["restore", "announce"], "\(finished)")
        #expect(Set(finished) == ["pick", "verify", "compare", "rehearse", "restore", "announce"])
    }

    @Test func accidentalDeletionComparesTheLiveDatabaseBeforeTheApproval() throws {
        let database = try ScratchDatabase()
        let folder = try ScratchFolder()
        let state = try ScratchFolder()
        defer { RestoreTests.dropAll(like: "\(database.name)_%") }
        let log = folder.url.appendingPathComponent("services.log").path
        let environment = try RunbookRunTests.environment(database, folder, state: state, log: log)
        let (_, manifest) = try BackupRoundTripTests.backup(
            ["--type", "daily", "--compress", "--no-encrypt"], environment)
        let counts = try database.rowCounts()
        let connection = try database.connect()
        try connection.query("DELETE FROM film_actor WHERE actor_id <= 10")
        try connection.query("DELETE FROM film_category WHERE category_id = 1")

        let runID = try Self.run(
            "accidental-deletion", inputs: ["tables": "film_actor,film_category", "deleted_at": Self.anHourFromNow],
            environment)
        let events = try RunbookRunTests.journal(state, runID)
        let compare = try #require(
            events.last { $0.kind == .stepFinished && $0.step == "compare" && $0.status == .succeeded })
        #expect(
            compare.outputs?["changed_tables"] == "public.film_actor,public.film_category", "exactly the damaged tables"
        )
        #expect(compare.outputs?["missing_tables"] == "" && compare.outputs?["added_tables"] == "")
        #expect(compare.outputs?["identical"] == "false")
        #expect(compare.outputs?["summary"]?.hasPrefix("2 tables changed (") == true, "\(compare.outputs ?? [:])")
        let approval = try #require(events.first { $0.kind == .approvalRequested && $0.step == "restore" }?.message)
        #expect(approval.contains("Rows changed in [public.film_actor,public.film_category]"), "\(approval)")
        let restoreStarted = try #require(events.firstIndex { $0.kind == .stepStarted && $0.step == "restore" })
        let compareFinished = try #require(events.firstIndex { $0.kind == .stepFinished && $0.step == "compare" })
        #expect(compareFinished < restoreStarted, "the responder sees the comparison before the restore")
        #expect(try database.rowCounts() == counts, "the restore brought the rows back")
        #expect(manifest.tables.count == counts.count)
    }

    @Test func totalLossRebuildsADroppedDatabaseFromTheCloud() throws {
        let database = try ScratchDatabase()
        let folder = try ScratchFolder()
        let state = try ScratchFolder()
        defer { RestoreTests.dropAll(like: "\(database.name)_%") }
        let bucket = try CloudTests.bucket()
        let log = folder.url.appendingPathComponent("services.log").path
        var environment = try RunbookRunTests.environment(database, folder, state: state, log: log, bucket: bucket)
        let (file, _) = try BackupRoundTripTests.backup(
            ["--type", "daily", "--compress", "--encrypt", "--upload"], environment)
        #expect(file.lastPathComponent.hasSuffix(".sql.gz.gpg"))
        let counts = try database.rowCounts()
        let original = try RestoreTests.checksums(database)

        try ScratchDatabase.drop(database.name)
        #expect(try RestoreTests.databases(like: database.name).isEmpty, "the database is gone")
        // The local backup folder went with the server: only the cloud copy is left.
        let empty = try ScratchFolder()
        environment["BACKUP_DIR"] = empty.path

        let runID = try Self.run("total-loss", environment)
        #expect(try RestoreTests.databases(like: database.name) == [database.name], "the database exists again")
        #expect(try database.rowCounts() == counts)
        #expect(try RestoreTests.checksums(database) == original)
        #expect(Self.log(log) == "stop\nstart\n", "services stopped before and started after the swap")

        let artifacts = state.url.appendingPathComponent("runs/\(runID)/artifacts")
        let fetched = artifacts.appendingPathComponent(file.lastPathComponent)
        let decrypted = artifacts.appendingPathComponent(String(file.lastPathComponent.dropLast(".gpg".count)))
        #expect(FileManager.default.fileExists(atPath: fetched.path), "the fetched backup is in the run folder")
        #expect(try Data(contentsOf: fetched) == Data(contentsOf: file), "byte for byte the uploaded one")
        // Restored while it downloaded: no plaintext copy was ever made.
        #expect(!FileManager.default.fileExists(atPath: decrypted.path), "no decrypted backup")

        let events = try RunbookRunTests.journal(state, runID)
        #expect(events.last?.kind == .runFinished && events.last?.status == .succeeded)
        #expect(events.contains { $0.kind == .approval && $0.step == "stop" && $0.by == "auto (--yes)" })
        #expect(Self.finishedSteps(events) == ["pick", "prepare", "stop", "restore", "start", "validate"])
        let outputs = events.last { $0.kind == .stepFinished && $0.step == "prepare" }?.outputs
        #expect(outputs?["path"] == fetched.path)
        #expect(outputs?["resumed_from"] == "0")
    }

    @Test func pointInTimeRestoresIntoANewDatabaseAndLeavesTheLiveOne() throws {
        let database = try ScratchDatabase()
        let folder = try ScratchFolder()
        let state = try ScratchFolder()
        defer {
            RestoreTests.dropAll(like: "\(database.name)_%")
            for id in Self.runIDs(state) { try? ScratchDatabase.drop("pitr_\(id)") }
        }
        let log = folder.url.appendingPathComponent("services.log").path
        let environment = try RunbookRunTests.environment(database, folder, state: state, log: log)
        _ = try BackupRoundTripTests.backup(["--type", "daily", "--compress", "--encrypt"], environment)
        let original = try RestoreTests.checksums(database)
        try database.connect().query("UPDATE customer SET email = 'changed@example.invalid' WHERE customer_id <= 100")
        try database.connect().query("DELETE FROM payment WHERE payment_id % 3 = 0")
        let modified = try RestoreTests.checksums(database)
        #expect(modified != original)

        let runID = try Self.run("point-in-time", inputs: ["target_time": Self.anHourFromNow], environment)
        let name = "pitr_\(runID)"
        #expect(try RestoreTests.databases(like: name) == [name], "the restored copy exists")
        let copy = try ScratchDatabase.attach(name)
        #expect(try RestoreTests.checksums(copy) == original, "it holds the backup")
        #expect(try RestoreTests.checksums(database) == modified, "the live database is untouched")
        #expect(try RestoreTests.databases(like: "\(database.name)_%").isEmpty, "no scratch database is left behind")
        #expect(Self.log(log) == "", "the services are not touched")

        let events = try RunbookRunTests.journal(state, runID)
        #expect(events.last?.kind == .runFinished && events.last?.status == .succeeded)
        #expect(
            Self.finishedSteps(events) == ["choose", "pick", "verify", "restore", "validate"],
            "the logical path: no physical engine")
        #expect(events.last { $0.kind == .stepFinished && $0.step == "restore" }?.outputs?["database"] == name)
    }

    @Test func weeklyDrillRestoresTheCloudBackupIntoADrillDatabase() throws {
        let database = try ScratchDatabase()
        let folder = try ScratchFolder()
        let state = try ScratchFolder()
        defer {
            RestoreTests.dropAll(like: "\(database.name)_%")
            for id in Self.runIDs(state) { try? ScratchDatabase.drop("drill_\(id)") }
        }
        let bucket = try CloudTests.bucket()
        let log = folder.url.appendingPathComponent("services.log").path
        let environment = try RunbookRunTests.environment(database, folder, state: state, log: log, bucket: bucket)
        let (file, _) = try BackupRoundTripTests.backup(
            ["--type", "weekly", "--compress", "--encrypt", "--upload"], environment)
        #expect(file.lastPathComponent.hasPrefix("backup_weekly_"))
        let counts = try database.rowCounts()
        let original = try RestoreTests.checksums(database)
        try database.connect().query("UPDATE film SET rental_rate = rental_rate + 1 WHERE film_id <= 10")
        let live = try RestoreTests.checksums(database)
        let liveCounts = try database.rowCounts()

        let runID = try Self.run("weekly-drill", environment)
        let name = "drill_\(runID)"
        #expect(try RestoreTests.databases(like: name) == [name], "the drill database exists")
        let copy = try ScratchDatabase.attach(name)
        #expect(try copy.rowCounts() == counts)
        #expect(try RestoreTests.checksums(copy) == original, "it holds the backup")
        #expect(try RestoreTests.checksums(database) == live, "the live database is untouched")
        #expect(try database.rowCounts() == liveCounts)
        #expect(try RestoreTests.databases(like: "\(database.name)_%").isEmpty, "no scratch database is left behind")
        #expect(Self.log(log) == "", "the services are not touched")
        #expect(
            FileManager.default.fileExists(
                atPath: state.url.appendingPathComponent("runs/\(runID)/artifacts/\(file.lastPathComponent)").path),
            "the fetched backup is in the run folder")

        let events = try RunbookRunTests.journal(state, runID)
        #expect(events.last?.kind == .runFinished && events.last?.status == .succeeded)
        #expect(Self.finishedSteps(events) == ["pick", "fetch", "verify", "restore", "validate", "report"])
    }
}
