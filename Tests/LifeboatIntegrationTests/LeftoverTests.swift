import Foundation
import Testing
import LifeboatCore
import LifeboatPostgres
import LifeboatRunbooks
@testable import LifeboatStreams

/// Issue 20 item 8: what killed work left behind is listed by `cleanup --dry-run` and `status`
/// and removed by `cleanup`, while what a live run or restore owns (by Lifeboat's own advisory
/// lock or session name) is left alone; a foreign backend in a leftover (autovacuum, a
/// forgotten psql) does not make it owned.
@Suite(.enabled(if: TestEnvironment.shouldRun), .serialized)
struct LeftoverTests {
    static func json(_ result: CommandResult) throws -> [String: Any] {
        try #require(
            try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any],
            "\(result.stdout)\n\(result.stderr)")
    }

    static func names(_ list: Any?) -> Set<String> {
        Set((list as? [[String: Any]] ?? []).compactMap { $0["name"] as? String })
    }

    static func exists(_ database: String) throws -> Bool {
        try Connection(try TestEnvironment.adminURL).query(
            "SELECT count(*) FROM pg_database WHERE datname = $1", [database]
        ).scalar == "1"
    }

    /// A session like one of Lifeboat's own, or a foreign one, named `application`.
    static func session(_ url: String, database: String? = nil, application: String) throws -> Connection {
        let connection = try Connection(url, database: database)
        try connection.query("SELECT set_config('application_name', $1, false)", [application])
        return connection
    }

    @Test func leftoversAreListedAndRemovedWhileHeldScratchDatabasesStay() throws {
        let database = try ScratchDatabase(fromPagila: false)
        let folder = try ScratchFolder()
        let state = try ScratchFolder()
        let environment: [String: String?] = [
            "DATABASE_URL": database.url, "BACKUP_DIR": folder.path, "LIFEBOAT_STATE_DIR": state.path,
            "BACKUP_ENABLED": "false"
        ]
        // Left by kills: a verification's and a restore's scratch databases.
        let verify = try ScratchDatabase(prefix: "lifeboat_verify", fromPagila: false)
        let restore = try ScratchDatabase(prefix: database.name + "_restore", fromPagila: false)
        // Only a foreign backend sits in the verify leftover, as autovacuum would: still a leftover.
        let foreign = try Self.session(verify.url, application: "autovacuum worker")
        defer { foreign.close() }
        // Held: a table restore with a Lifeboat session in its scratch database, and a drill whose
        // run holds the advisory lock of its target (the drill's scratch database) from elsewhere.
        let tables = try ScratchDatabase(prefix: database.name + "_tables", fromPagila: false)
        var inTables: Connection? = try Self.session(tables.url, application: "lifeboat restore (test)")
        let drill = try ScratchDatabase(existing: database.name + "_drill_20250101t000000z")
        try Connection(try TestEnvironment.adminURL).query("CREATE DATABASE \(Connection.quoteIdentifier(drill.name))")
        var runLock: Connection? = try Self.session(
            try TestEnvironment.adminURL, application: "lifeboat run 20250101t000000z_beef another-host")
        try runLock?.query("SELECT pg_advisory_lock(hashtextextended($1, 0))", ["lifeboat:run:" + drill.name])
        // Not Lifeboat's: never offered.
        let unrelated = try ScratchDatabase(prefix: database.name + "_notes", fromPagila: false)
        // A partial file a killed backup left (marked, nobody holds its lock), where the
        // filesystem has extended attributes for the mark.
        let partial = folder.url.appendingPathComponent(".backup_daily_20250101T000000Z.sql.gz.partial")
        let fd = open(partial.path, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        _ = "half a backup".withCString { write(fd, $0, strlen($0)) }
        let marked = PartialMarker.set(on: fd)
        close(fd)

        let dry = try Command.lifeboat(["cleanup", "--dry-run", "--json"], environment: environment)
        #expect(dry.succeeded, "\(dry.stderr)")
        let listed = try Self.json(dry)
        var expected: Set = [verify.name, restore.name]
        if marked { expected.insert(partial.path) }
        #expect(Self.names(listed["leftovers"]) == expected, "\(listed)")
        #expect(Self.names(listed["held"]).isSuperset(of: [tables.name, drill.name]), "\(listed)")
        #expect(
            !Self.names(listed["leftovers"]).contains(unrelated.name)
                && !Self.names(listed["held"]).contains(unrelated.name))
        let verifyEntry = try #require(
            (listed["leftovers"] as? [[String: Any]])?.first { $0["name"] as? String == verify.name })
        #expect(verifyEntry["kind"] as? String == "database" && verifyEntry["made_by"] as? String == "verify")
        #expect(((verifyEntry["size_bytes"] as? NSNumber)?.int64Value ?? 0) > 0, "\(verifyEntry)")
        #expect(verifyEntry["age_seconds"] != nil, "a superuser is told when its files were made: \(verifyEntry)")
        let drillEntry = try #require(
            (listed["held"] as? [[String: Any]])?.first { $0["name"] as? String == drill.name })
        #expect(
            (drillEntry["held_by"] as? String ?? "").contains("lifeboat run 20250101t000000z_beef"), "\(drillEntry)")
        #expect(
            ((drillEntry["age_seconds"] as? NSNumber)?.intValue ?? 0) > 86_400 * 300,
            "the stamp in its name: \(drillEntry)")
        #expect(try Self.exists(verify.name) && Self.exists(restore.name), "a dry run removes nothing")

        let text = try Command.lifeboat(["cleanup", "--dry-run"], environment: environment)
        #expect(text.stdout.contains("would remove database \(restore.name) (restore, "), "\(text.stdout)")
        #expect(
            text.stdout.contains("kept database \(tables.name) (table restore, ")
                && text.stdout.contains("held by the session 'lifeboat restore (test)'"),
            "\(text.stdout)")

        let status = try Command.lifeboat(["status", "--json"], environment: environment)
        #expect(Self.names(try Self.json(status)["leftovers"]) == expected, "\(status.stdout)")
        let statusText = try Command.lifeboat(["status"], environment: environment)
        #expect(
            statusText.stdout.contains(
                "leftovers  \(expected.count) that no live run owns (`lifeboat cleanup` removes them)"),
            "\(statusText.stdout)")
        #expect(statusText.stdout.contains("  database \(verify.name) (verify, "), "\(statusText.stdout)")

        let cleaned = try Command.lifeboat(["cleanup"], environment: environment)
        #expect(cleaned.succeeded, "\(cleaned.stdout)\n\(cleaned.stderr)")
        #expect(
            cleaned.stdout.contains("removed database \(verify.name)")
                && cleaned.stdout.contains("removed database \(restore.name)"), "\(cleaned.stdout)")
        #expect(try !Self.exists(verify.name) && !Self.exists(restore.name))
        #expect(
            try Self.exists(tables.name) && Self.exists(drill.name) && Self.exists(unrelated.name),
            "held and foreign databases stay")
        #expect(!FileManager.default.fileExists(atPath: partial.path))

        // Once their holders are gone they are leftovers like the others.
        inTables?.close()
        inTables = nil
        runLock?.close()
        runLock = nil
        let after = try Command.lifeboat(["cleanup", "--json"], environment: environment)
        #expect(after.succeeded, "\(after.stderr)")
        #expect(Self.names(try Self.json(after)["removed"]) == [tables.name, drill.name], "\(after.stdout)")
        #expect(
            try !Self.exists(tables.name) && !Self.exists(drill.name) && Self.exists(unrelated.name)
                && Self.exists(database.name))
    }

    /// Resuming is when a responder meets what the killed run left: one line lists it.
    @Test func resumeListsTheLeftoversNoLiveRunOwns() async throws {
        let database = try ScratchDatabase(fromPagila: false)
        let leftover = try ScratchDatabase(prefix: database.name + "_restore", fromPagila: false)
        let folder = try ScratchFolder()
        let state = try ScratchFolder()
        let engine = RunEngine(
            configuration: try await LifeboatConfiguration.load(environment: [:], environmentFile: "/dev/null"),
            stateDirectory: state.url)
        let runID = "20250105t000000z_0005"
        let journal = try RunJournal(directory: engine.runDirectory(runID))
        var started = JournalEvent(kind: .runStarted)
        started.runbook =
            URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Runbooks/events.yaml")
            .path
        started.runbookName = "events"
        started.target = database.name
        try journal.append(started)
        var finished = JournalEvent(kind: .runFinished)
        finished.status = .succeeded
        try journal.append(finished)

        let environment: [String: String?] = [
            "DATABASE_URL": database.url, "BACKUP_DIR": folder.path, "LIFEBOAT_STATE_DIR": state.path
        ]
        let resumed = try Command.lifeboat(["runbook", "resume", runID], environment: environment)
        #expect(
            resumed.stderr.contains("leftovers no live run owns: database \(leftover.name) (restore, "),
            "\(resumed.stderr)")
        #expect(resumed.stderr.contains("`lifeboat cleanup` removes them"))
        #expect(try Self.exists(leftover.name), "resume only lists them")
    }

    /// A PITR drill's scratch cluster folder (`pitr-RUN_ID` with Lifeboat's marker) left by a
    /// killed drill is a leftover; one whose run still has its session is held; a folder
    /// without the marker is not Lifeboat's and never touched.
    @Test func aPITRScratchClusterFolderIsALeftoverUnlessItsRunIsAlive() throws {
        let database = try ScratchDatabase(fromPagila: false)
        let folder = try ScratchFolder()
        let state = try ScratchFolder()
        let drills = state.url.appendingPathComponent("drills")
        func cluster(_ name: String, marked: Bool) throws -> URL {
            let url = drills.appendingPathComponent(name)
            try FileManager.default.createDirectory(
                at: url.appendingPathComponent("pgdata"), withIntermediateDirectories: true)
            try Data(repeating: 1, count: 4096).write(to: url.appendingPathComponent("pgdata/base.file"))
            if marked {
                try Data("lifeboat pitr drill\n".utf8).write(to: url.appendingPathComponent(ScratchInstance.marker))
            }
            return url
        }
        let dead = try cluster("pitr-20250101t000000z_beef", marked: true)
        let alive = try cluster("pitr-20250101t000000z_cafe", marked: true)
        let foreign = try cluster("pitr-notours", marked: false)
        let run = try Self.session(
            try TestEnvironment.adminURL, application: "lifeboat run 20250101t000000z_cafe another-host")
        defer { run.close() }
        let environment: [String: String?] = [
            "DATABASE_URL": database.url, "BACKUP_DIR": folder.path, "LIFEBOAT_STATE_DIR": state.path
        ]

        let dry = try Self.json(try Command.lifeboat(["cleanup", "--dry-run", "--json"], environment: environment))
        let entry = try #require(
            (dry["leftovers"] as? [[String: Any]])?.first { $0["name"] as? String == dead.path }, "\(dry)")
        #expect(entry["kind"] as? String == "scratch_cluster" && entry["made_by"] as? String == "pitr drill")
        #expect(
            ((entry["size_bytes"] as? NSNumber)?.int64Value ?? 0) >= 4096
                && ((entry["age_seconds"] as? NSNumber)?.intValue ?? 0) > 86_400 * 300,
            "\(entry)")
        #expect(Self.names(dry["held"]).contains(alive.path), "\(dry)")
        #expect(!Self.names(dry["leftovers"]).contains(foreign.path) && !Self.names(dry["held"]).contains(foreign.path))

        let cleaned = try Command.lifeboat(["cleanup"], environment: environment)
        #expect(cleaned.succeeded, "\(cleaned.stdout)\n\(cleaned.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dead.path))
        #expect(
            FileManager.default.fileExists(atPath: alive.path) && FileManager.default.fileExists(atPath: foreign.path))
    }

    /// Not being able to look is not "nothing left": cleanup fails and says where it could not look.
    @Test func cleanupFailsWhenItCannotAskTheServer() throws {
        let folder = try ScratchFolder()
        let state = try ScratchFolder()
        let environment: [String: String?] = [
            "DATABASE_URL": "postgresql://backup:s3cret-pw@127.0.0.1:1/app", "BACKUP_DIR": folder.path,
            "LIFEBOAT_STATE_DIR": state.path
        ]
        let result = try Command.lifeboat(["cleanup", "--dry-run"], environment: environment)
        #expect(!result.succeeded)
        #expect(
            result.stderr.contains(
                "scratch databases not looked for: cannot connect to the maintenance database 'postgres'"),
            "\(result.stderr)")
        #expect(!result.stderr.contains("s3cret-pw") && !result.stdout.contains("s3cret-pw"))
    }
}
