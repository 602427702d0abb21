import Foundation
import Testing
import LifeboatPostgres

/// The physical engine against a real pgBackRest 2.45 and its own PostgreSQL cluster with WAL
/// archiving (`scripts/physical-env`, started by `scripts/test-env start`), through the real
/// binary: `engine check` on a good cluster and on one whose archive_command fails
/// (issue 12, acceptance 4), full and diff backups in `list` and `status`, events and metrics,
/// and clear errors for a wrong stanza or config path. Serialized: one test breaks archiving
/// on purpose, and a backup running meanwhile would fail.
@Suite(.serialized, .enabled(if: PhysicalEnvironment.shouldRun))
struct PhysicalEngineTests {
    /// The environment `lifeboat` needs for the test cluster; `extra` adds to it or overrides it.
    static func environment(_ folder: ScratchFolder, _ extra: [String: String?] = [:]) throws -> [String: String?] {
        var environment: [String: String?] = [
            "DATABASE_URL": try PhysicalEnvironment.url,
            "LIFEBOAT_PHYSICAL_ENGINE": "pgbackrest",
            "PGBACKREST_STANZA": try PhysicalEnvironment.stanza,
            "PGBACKREST_CONFIG": try PhysicalEnvironment.config,
            "LIFEBOAT_PG_DATA": try PhysicalEnvironment.dataDirectory,
            "BACKUP_DIR": folder.path,
            // No logical jobs: their missing backups would make `status` unhealthy.
            "BACKUP_ENABLED": "false",
            "BACKUP_WEBHOOK_URL": nil
        ]
        for (key, value) in extra { environment[key] = value }
        return environment
    }

    static func json(_ text: String) throws -> Any {
        try JSONSerialization.jsonObject(with: Data(text.utf8))
    }

    static func findings(_ report: [String: Any]) -> [String: [String: Any]] {
        let list = report["findings"] as? [[String: Any]] ?? []
        return Dictionary(list.map { ($0["check"] as? String ?? "?", $0) }, uniquingKeysWith: { first, _ in first })
    }

    @Test func engineCheckPassesOnAClusterThatArchives() throws {
        let folder = try ScratchFolder()
        let result = try Command.lifeboat(["engine", "check", "--json"], environment: try Self.environment(folder))
        #expect(result.status == 0, "\(result.stdout)\n\(result.stderr)")
        let report = try #require(try Self.json(result.stdout) as? [String: Any])
        #expect(report["passed"] as? Bool == true)
        let findings = Self.findings(report)
        for check in ["archive_mode", "archive_command", "wal archive", "pgbackrest check"] {
            #expect(findings[check]?["level"] as? String == "ok", "\(check): \(findings[check] ?? [:])")
        }
        // A fresh stanza has no backup yet: that is a warning with the command to take one, not a failure.
        #expect(["ok", "warning"].contains(findings["pgbackrest info"]?["level"] as? String ?? "?"))
        #expect((report["archiver"] as? [String: Any])?["archive_mode"] as? String == "on")

        let text = try Command.lifeboat(["engine", "check"], environment: try Self.environment(folder))
        #expect(text.status == 0)
        #expect(text.stdout.contains("engine check: pgBackRest stanza '\(try PhysicalEnvironment.stanza)'"))
        #expect(text.stdout.contains("result: passed"), "\(text.stdout)")
    }

    /// Acceptance 4: archive_command set to `false`, a WAL switch after a write, the archiver's
    /// failure seen in pg_stat_archiver; `engine check` then fails and says why and what to do.
    @Test func aFailingArchiveCommandIsReportedClearly() throws {
        let folder = try ScratchFolder()
        let admin = try Connection(try PhysicalEnvironment.url)
        try admin.query("ALTER SYSTEM SET archive_command = 'false'")
        try admin.query("SELECT pg_reload_conf()")
        defer { PhysicalEnvironment.restoreArchiving(admin) }

        try PhysicalEnvironment.waitFor("archive_command to read 'false'") {
            try admin.query("SHOW archive_command").scalar == "false"
        }
        try admin.query("CREATE TABLE IF NOT EXISTS lifeboat_wal_probe (at timestamptz)")
        try admin.query("INSERT INTO lifeboat_wal_probe VALUES (now())")
        try admin.query("SELECT pg_switch_wal()")
        try PhysicalEnvironment.waitFor("pg_stat_archiver to record the failure") {
            try admin.query(
                """
                SELECT last_failed_time > coalesce(last_archived_time, '-infinity') FROM pg_stat_archiver
                """
            ).scalar == "t"
        }
        let failedWAL = try #require(try admin.query("SELECT last_failed_wal FROM pg_stat_archiver").scalar)

        let text = try Command.lifeboat(["engine", "check"], environment: try Self.environment(folder))
        #expect(text.status == 1, "\(text.stdout)\n\(text.stderr)")
        #expect(text.stdout.contains("FAILED"))
        #expect(
            text.stdout.contains("archive_command is failing: WAL segment \(failedWAL) could not be archived"),
            "\(text.stdout)")
        #expect(text.stdout.contains("archive_command is 'false', which does not push WAL to pgBackRest"))
        #expect(text.stdout.contains("→ ALTER SYSTEM SET archive_command = 'pgbackrest"), "the fix is spelled out")
        #expect(text.stdout.contains("look for 'archive command failed' in the PostgreSQL log"))
        #expect(text.stdout.contains("result: "), "a verdict line ends the report")

        let json = try Command.lifeboat(["engine", "check", "--json"], environment: try Self.environment(folder))
        #expect(json.status == 1)
        let report = try #require(try Self.json(json.stdout) as? [String: Any])
        #expect(report["passed"] as? Bool == false)
        let findings = Self.findings(report)
        #expect(findings["wal archive"]?["level"] as? String == "failed")
        #expect(findings["archive_command"]?["level"] as? String == "failed")
        #expect(findings["pgbackrest check"]?["level"] as? String == "failed", "pgBackRest's own check agrees")
        #expect((findings["pgbackrest check"]?["message"] as? String)?.contains("must contain pgbackrest") == true)
        #expect((report["archiver"] as? [String: Any])?["last_failed_wal"] as? String == failedWAL)

        // status reports it too, as a problem of the system.
        let status = try Command.lifeboat(["status", "--json"], environment: try Self.environment(folder))
        #expect(status.status == 1)
        let problems = (try Self.json(status.stdout) as? [String: Any])?["problems"] as? [String] ?? []
        #expect(problems.contains { $0.hasPrefix("wal archive: archive_command is failing") }, "\(problems)")
    }

    @Test func fullThenDiffBackupsAppearInListAndStatusWithEventsAndMetrics() throws {
        let folder = try ScratchFolder()
        let receiver = try WebhookReceiver()
        let metrics = folder.url.appendingPathComponent("metrics/lifeboat.prom").path
        let environment = try Self.environment(
            folder, ["BACKUP_WEBHOOK_URL": receiver.url, "LIFEBOAT_METRICS_FILE": metrics])

        let full = try Command.lifeboat(
            ["backup", "--engine", "physical", "--kind", "full", "--json"], environment: environment)
        #expect(full.status == 0, "\(full.stderr)")
        let fullResult = try #require(try Self.json(full.stdout) as? [String: Any])
        let fullSet = try #require(fullResult["backup"] as? [String: Any])
        let fullLabel = try #require(fullSet["label"] as? String)
        #expect(fullSet["kind"] as? String == "full")
        #expect(fullResult["engine"] as? String == "physical")

        let connection = try Connection(try PhysicalEnvironment.url)
        try connection.query("CREATE TABLE IF NOT EXISTS lifeboat_wal_probe (at timestamptz)")
        try connection.query("INSERT INTO lifeboat_wal_probe VALUES (now())")
        let diff = try Command.lifeboat(["backup", "--engine", "physical", "--kind", "diff"], environment: environment)
        #expect(diff.status == 0, "\(diff.stderr)")
        #expect(diff.stderr.contains("physical backup taken: \(fullLabel)_"), "\(diff.stderr)")
        #expect(diff.stderr.contains("(diff)"))

        let list = try Command.lifeboat(["list", "--json"], environment: environment)
        #expect(list.status == 0, "\(list.stderr)")
        let entries = try #require(try Self.json(list.stdout) as? [[String: Any]])
        let physical = entries.filter { $0["engine"] as? String == "physical" }
        let fullEntry = try #require(physical.first { $0["name"] as? String == fullLabel })
        #expect(fullEntry["type"] as? String == "full")
        let diffEntry = try #require(
            physical.first { $0["prior"] as? String == fullLabel && $0["type"] as? String == "diff" })
        let diffLabel = try #require(diffEntry["name"] as? String)
        #expect(physical.first?["name"] as? String == diffLabel, "newest first")
        #expect(diffEntry["wal_start"] is String && diffEntry["size"] is NSNumber && diffEntry["time"] is String)

        let text = try Command.lifeboat(["list"], environment: environment)
        #expect(text.stdout.contains("physical backups (pgBackRest stanza \(try PhysicalEnvironment.stanza))"))
        #expect(text.stdout.contains(diffLabel) && text.stdout.contains(fullLabel))
        #expect(text.stdout.contains("point-in-time window:"))

        let status = try Command.lifeboat(["status", "--json"], environment: environment)
        #expect(status.status == 0, "\(status.stdout)")
        let section = try #require((try Self.json(status.stdout) as? [String: Any])?["physical"] as? [String: Any])
        #expect((section["newest"] as? [String: Any])?["label"] as? String == diffLabel)
        #expect((section["newest_full"] as? [String: Any])?["label"] as? String == fullLabel)
        #expect((section["archive"] as? [String: Any])?["state"] as? String == "ok")
        #expect((section["wal_window"] as? [String: Any])?["to"] is String)
        let statusText = try Command.lifeboat(["status"], environment: environment)
        #expect(statusText.stdout.contains("newest backup \(diffLabel) (diff)"), "\(statusText.stdout)")
        #expect(statusText.stdout.contains("WAL archive is fresh"))

        let completed = receiver.requests(for: "backup.completed")
        #expect(completed.count == 2)
        #expect(completed.map { $0.details["label"] as? String } == [fullLabel, diffLabel])
        #expect(completed.allSatisfy { $0.details["engine"] as? String == "physical" })
        let textfile = try String(contentsOfFile: metrics, encoding: .utf8)
        #expect(textfile.contains(#"lifeboat_backups_total{type="physical-full",result="success"} 1"#), "\(textfile)")
        #expect(textfile.contains(#"lifeboat_backups_total{type="physical-diff",result="success"} 1"#))
    }

    @Test func aWrongStanzaOrConfigPathGivesAClearError() throws {
        let folder = try ScratchFolder()
        let receiver = try WebhookReceiver()
        let metrics = folder.url.appendingPathComponent("metrics/lifeboat.prom").path

        let wrongStanza = try Self.environment(
            folder,
            [
                "PGBACKREST_STANZA": "nosuch", "BACKUP_WEBHOOK_URL": receiver.url,
                "LIFEBOAT_METRICS_FILE": metrics
            ])
        let backup = try Command.lifeboat(
            ["backup", "--engine", "physical", "--kind", "full"], environment: wrongStanza)
        #expect(
            backup.status == 2, "a stanza pgbackrest.conf does not define is a configuration error: \(backup.stderr)")
        #expect(backup.stderr.contains("error: pgbackrest: stanza 'nosuch'"), "\(backup.stderr)")
        #expect(
            backup.stderr.contains("stanza-create") || backup.stderr.contains("PGBACKREST_STANZA"), "\(backup.stderr)")
        let failed = try #require(receiver.requests(for: "backup.failed").first)
        #expect(failed.details["engine"] as? String == "physical")
        #expect(failed.details["type"] as? String == "physical-full")
        #expect(
            try String(contentsOfFile: metrics, encoding: .utf8).contains(
                #"lifeboat_backups_total{type="physical-full",result="failure"} 1"#))

        let check = try Command.lifeboat(["engine", "check"], environment: wrongStanza)
        #expect(check.status == 1)
        #expect(check.stdout.contains("FAILED   pgbackrest info"), "\(check.stdout)")
        #expect(check.stdout.contains("stanza 'nosuch'"))
        #expect(
            check.stdout.contains("no [nosuch] section with pg1-path"),
            "pgbackrest check's failure is explained: \(check.stdout)")

        let list = try Command.lifeboat(["list"], environment: wrongStanza)
        #expect(list.status == 2, "\(list.stderr)")
        #expect(list.stderr.contains("stanza 'nosuch'"))

        let missingConfig = try Self.environment(folder, ["PGBACKREST_CONFIG": "/nonexistent/pgbackrest.conf"])
        for arguments in [["engine", "check"], ["backup", "--engine", "physical"], ["status"]] {
            let result = try Command.lifeboat(arguments, environment: missingConfig)
            #expect(result.status == 2, "\(arguments): \(result.stderr)")
            #expect(
                result.stderr.contains("PGBACKREST_CONFIG is '/nonexistent/pgbackrest.conf', which is not a file"),
                "\(result.stderr)")
        }

        let off = try Self.environment(folder, ["LIFEBOAT_PHYSICAL_ENGINE": "off"])
        let noEngine = try Command.lifeboat(["engine", "check"], environment: off)
        #expect(noEngine.status == 2)
        #expect(noEngine.stderr.contains("LIFEBOAT_PHYSICAL_ENGINE is off"))
        let misuse = try Command.lifeboat(
            ["backup", "--engine", "physical", "--compress"], environment: try Self.environment(folder))
        #expect(misuse.status != 0)
        #expect(misuse.stderr.contains("--compress applies to logical backups only"))
    }
}

/// The cluster `scripts/physical-env` provides, read from the variables it exports. Like
/// `TestEnvironment`: skipped locally when absent, a failure under CI.
enum PhysicalEnvironment {
    static var isAvailable: Bool { TestEnvironment.variables["LIFEBOAT_TEST_PHYSICAL_URL"] != nil }
    static var shouldRun: Bool { isAvailable || TestEnvironment.isCI }

    static var url: String { get throws { try TestEnvironment.require("LIFEBOAT_TEST_PHYSICAL_URL") } }
    static var stanza: String { get throws { try TestEnvironment.require("LIFEBOAT_TEST_PHYSICAL_STANZA") } }
    static var config: String { get throws { try TestEnvironment.require("LIFEBOAT_TEST_PHYSICAL_PGBACKREST_CONFIG") } }
    static var dataDirectory: String { get throws { try TestEnvironment.require("LIFEBOAT_TEST_PHYSICAL_PGDATA") } }

    struct GaveUp: Error, CustomStringConvertible {
        let what: String
        var description: String { "gave up waiting for \(what)" }
    }

    /// Polls `condition` until it holds; a condition that never holds fails the test with `what`.
    static func waitFor(_ what: String, attempts: Int = 240, _ condition: () throws -> Bool) throws {
        for _ in 0..<attempts {
            if try condition() { return }
            Thread.sleep(forTimeInterval: 0.25)
        }
        throw GaveUp(what: what)
    }

    /// Puts archive_command back and waits until the WAL that piled up meanwhile is archived,
    /// so the next test starts from a healthy cluster.
    static func restoreArchiving(_ admin: Connection) {
        _ = try? admin.query("ALTER SYSTEM RESET archive_command")
        _ = try? admin.query("SELECT pg_reload_conf()")
        try? waitFor("the archiver to recover", attempts: 480) {
            try admin.query(
                """
                SELECT coalesce(last_archived_time > coalesce(last_failed_time, '-infinity'), false) FROM pg_stat_archiver
                """
            ).scalar == "t"
        }
    }
}
