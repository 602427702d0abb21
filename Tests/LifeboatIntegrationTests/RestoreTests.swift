import Foundation
import Testing
import LifeboatCore
import LifeboatPostgres

/// Restore modes against a real server: the live database ends as the backup says, and the
/// modes that promise to keep it untouched do.
@Suite(.enabled(if: TestEnvironment.shouldRun))
struct RestoreTests {
    static let checkedTables = ["payment", "rental", "customer", "film"]

    static func checksums(_ database: ScratchDatabase) throws -> [String: String] {
        Dictionary(uniqueKeysWithValues: try checkedTables.map { ($0, try database.checksum($0)) })
    }

    /// A Pagila database with a plain compressed backup of it.
    static func backedUp() throws -> (ScratchDatabase, ScratchFolder, URL, [String: String]) {
        let database = try ScratchDatabase()
        let folder = try ScratchFolder()
        let (file, _) = try BackupRoundTripTests.backup(
            ["--type", "daily", "--compress", "--encrypt"], try BackupRoundTripTests.environment(database, folder))
        return (database, folder, file, try checksums(database))
    }

    static func databases(like pattern: String) throws -> [String] {
        try Connection(try TestEnvironment.adminURL)
            .query("SELECT datname FROM pg_database WHERE datname LIKE $1 ORDER BY datname", [pattern]).rows.compactMap
        { $0[0] }
    }

    static func dropAll(like pattern: String) {
        for name in (try? databases(like: pattern)) ?? [] { try? ScratchDatabase.drop(name) }
    }

    @Test func safeRestoreSwapsTerminatesSessionsRunsServicesAndRollsBack() throws {
        let (database, folder, file, original) = try Self.backedUp()
        defer { Self.dropAll(like: "\(database.name)_%") }
        try database.connect().query("DELETE FROM payment WHERE payment_id % 2 = 0")
        let damaged = try Self.checksums(database)
        #expect(damaged["payment"] != original["payment"])

        let client = try database.connect()
        let log = folder.url.appendingPathComponent("services.log").path
        var environment = try BackupRoundTripTests.environment(database, folder)
        environment["LIFEBOAT_SERVICES_PROVIDER"] = "command"
        environment["LIFEBOAT_STOP_COMMAND"] = "echo stop >> \(shellQuote(log))"
        environment["LIFEBOAT_START_COMMAND"] = "echo start >> \(shellQuote(log))"
        environment["LIFEBOAT_HEALTH_COMMAND"] = "echo health >> \(shellQuote(log))"
        let result = try Command.lifeboat(["restore", "--backup-file", file.path, "--force"], environment: environment)
        try #require(result.succeeded, "\(result.stderr)")

        #expect(try Self.checksums(database) == original, "the live database holds the backup")
        #expect(try String(contentsOfFile: log, encoding: .utf8) == "stop\nstart\nhealth\n", "services in order")
        #expect(throws: PostgresError.self, "the old session was terminated") { try client.query("SELECT 1") }
        let kept = try Self.databases(like: "\(database.name)_before_%")
        try #require(kept.count == 1)
        let before = try ScratchDatabase.attach(kept[0])
        #expect(try Self.checksums(before) == damaged, "the damaged state is kept for rollback")
        #expect(try Self.databases(like: "\(database.name)_restore_%").isEmpty)

        let rollback = try Command.lifeboat(["restore", "--rollback", "--force"], environment: environment)
        try #require(rollback.succeeded, "\(rollback.stderr)")
        #expect(try Self.checksums(database) == damaged, "rollback brings the previous database back")
    }

    @Test func failedValidationLeavesTheLiveDatabaseUntouched() throws {
        let (database, folder, file, _) = try Self.backedUp()
        defer { Self.dropAll(like: "\(database.name)_%") }
        let manifestURL = URL(fileURLWithPath: file.path + ".manifest.json")
        var manifest = try BackupManifest.read(from: manifestURL)
        manifest.tables[0].rows += 1
        try manifest.write(to: manifestURL)
        try database.connect().query("UPDATE rental SET return_date = NULL WHERE rental_id < 100")
        let before = try Self.checksums(database)
        let result = try Command.lifeboat(
            ["restore", "--backup-file", file.path, "--force"],
            environment: try BackupRoundTripTests.environment(database, folder))
        #expect(result.status == 3, "\(result.stderr)")
        #expect(result.stderr.contains("row counts differ"))
        #expect(try Self.checksums(database) == before)
        #expect(try Self.databases(like: "\(database.name)_%").isEmpty, "the scratch database was dropped")
    }

    @Test func testOnlyNeverChangesTheLiveDatabase() throws {
        let (database, folder, file, _) = try Self.backedUp()
        try database.connect().query("UPDATE customer SET email = 'gone@example.invalid' WHERE customer_id > 500")
        let before = try Self.checksums(database)
        let result = try Command.lifeboat(
            ["restore", "--backup-file", file.path, "--test-only", "--json"],
            environment: try BackupRoundTripTests.environment(database, folder))
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try Self.checksums(database) == before)
        let report = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
        let temporary = try #require(report?["temporary_database"] as? String)
        #expect(try Self.databases(like: temporary).isEmpty, "temporary database dropped")
    }

    @Test func tableRestoreTouchesOnlyTheNamedTable() throws {
        let (database, folder, file, original) = try Self.backedUp()
        defer { Self.dropAll(like: "\(database.name)_%") }
        let connection = try database.connect()
        try connection.query("DELETE FROM payment WHERE amount > 5")
        try connection.query("UPDATE rental SET return_date = NULL WHERE rental_id <= 50")
        let changedRental = try database.checksum("rental")
        let result = try Command.lifeboat(
            ["restore", "--backup-file", file.path, "--table", "payment", "--force"],
            environment: try BackupRoundTripTests.environment(database, folder))
        try #require(result.succeeded, "\(result.stderr)")
        #expect(try database.checksum("payment") == original["payment"])
        #expect(try database.checksum("rental") == changedRental, "the change to rental survives")
        // The sequence moved past the restored rows: a new payment does not collide.
        try connection.query(
            "INSERT INTO payment (customer_id, staff_id, rental_id, amount, payment_date) VALUES (1, 1, 1, 1.00, '2022-02-01')"
        )
        #expect(try Self.databases(like: "\(database.name)_%").isEmpty, "scratch database dropped")

        let unknown = try Command.lifeboat(
            ["restore", "--backup-file", file.path, "--table", "no_such_table", "--force"],
            environment: try BackupRoundTripTests.environment(database, folder))
        #expect(unknown.status == 2)
        #expect(unknown.stderr.contains("not in this backup: no_such_table"))
    }

    @Test(arguments: ["compose", "systemd"])
    func serviceProvidersRunTheExactCommands(provider: String) throws {
        let (database, folder, file, original) = try Self.backedUp()
        defer { Self.dropAll(like: "\(database.name)_%") }
        let tools = try ScratchFolder()
        let log = tools.url.appendingPathComponent("argv.log").path
        for program in ["docker", "systemctl"] {
            let path = tools.url.appendingPathComponent(program).path
            try "#!/bin/sh\necho \"$(basename \"$0\") $*\" >> \(shellQuote(log))\n".write(
                toFile: path, atomically: true, encoding: .utf8)
            chmod(path, 0o755)
        }
        var environment = try BackupRoundTripTests.environment(database, folder)
        environment["PATH"] = tools.path + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")
        environment["LIFEBOAT_SERVICES_PROVIDER"] = provider
        environment["LIFEBOAT_SERVICES"] = "app-blue app-green worker-1 worker-2"
        environment["LIFEBOAT_COMPOSE_FILE"] = "docker-compose.prod.yml"
        let result = try Command.lifeboat(["restore", "--backup-file", file.path, "--force"], environment: environment)
        try #require(result.succeeded, "\(result.stderr)")
        #expect(try Self.checksums(database) == original)
        let recorded = try String(contentsOfFile: log, encoding: .utf8)
        if provider == "compose" {
            #expect(
                recorded == """
                    docker compose -f docker-compose.prod.yml stop app-blue app-green worker-1 worker-2
                    docker compose -f docker-compose.prod.yml start app-blue app-green worker-1 worker-2

                    """)
        } else {
            #expect(
                recorded == """
                    systemctl stop app-blue app-green worker-1 worker-2
                    systemctl start app-blue app-green worker-1 worker-2
                    systemctl is-active app-blue
                    systemctl is-active app-green
                    systemctl is-active worker-1
                    systemctl is-active worker-2

                    """)
        }
    }

    @Test func failingStartIsLoudButKeepsTheRestore() throws {
        let (database, folder, file, original) = try Self.backedUp()
        defer { Self.dropAll(like: "\(database.name)_%") }
        var environment = try BackupRoundTripTests.environment(database, folder)
        environment["LIFEBOAT_SERVICES_PROVIDER"] = "command"
        environment["LIFEBOAT_STOP_COMMAND"] = "true"
        environment["LIFEBOAT_START_COMMAND"] = "echo cannot start >&2; exit 7"
        let result = try Command.lifeboat(["restore", "--backup-file", file.path, "--force"], environment: environment)
        #expect(result.status == 4)
        #expect(result.stderr.contains("WARNING"))
        #expect(result.stderr.contains("status 7"))
        #expect(try Self.checksums(database) == original, "the good restore stays")
    }
}

extension ScratchDatabase {
    /// Wraps an existing database (made by the code under test) so the test can read and drop it.
    static func attach(_ name: String) throws -> ScratchDatabase {
        try ScratchDatabase(existing: name)
    }
}
