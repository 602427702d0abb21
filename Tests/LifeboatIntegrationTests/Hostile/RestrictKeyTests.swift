import Foundation
import Testing
@testable import LifeboatCore
import LifeboatPostgres

/// The second line of defence on its own: with the SQL guard bypassed, the real psql (15.18
/// here, which has `\restrict` since CVE-2025-8714) still refuses a planted meta-command,
/// because SQLRestorer starts it under a `\restrict` key of its own; and the SQL before the
/// refused line is rolled back with psql's single transaction.
@Suite(.enabled(if: TestEnvironment.shouldRun))
struct RestrictKeyTests {
    @Test func psqlRefusesAMetaCommandUnderOurKeyWithoutTheGuard() async throws {
        let target = try ScratchDatabase(fromPagila: false)
        let configuration = try await LifeboatConfiguration.load(
            environment: [
                "DATABASE_URL": target.url, "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
            ],
            environmentFile: "/dev/null")
        try ReliabilityLog.run(.hostile, "unguarded psql under Lifeboat's \\restrict key refuses \\!") { check in
            let folder = try ScratchFolder()
            let marker = folder.url.appendingPathComponent("pwned")
            let role = "lbt_restrict_\(UInt32.random(in: 0...UInt32.max))"
            let file = folder.url.appendingPathComponent("backup_manual_20250101T000000Z.sql")
            // pg_dump's own \restrict line too: psql would refuse it as a second \restrict.
            try Data(
                """
                CREATE TABLE planted (a int);
                CREATE ROLE \(role) LOGIN;
                \\! touch \(marker.path)
                """.utf8
            ).write(to: file)
            var restorer = SQLRestorer(configuration: configuration)
            restorer.bypassGuardForTesting = true
            var message = ""
            do {
                _ = try restorer.restore(BackupReader(file: file, manifest: nil), into: target.name, serverMajor: 15)
                check.expect(false, "psql ran the file to the end")
            } catch {
                message = String(describing: error)
            }
            check.expect(message.contains("backslash commands are restricted"), "psql's own refusal: \(message)")
            check.expect(!FileManager.default.fileExists(atPath: marker.path), "\\! did not run")
            let admin = try Connection(try TestEnvironment.adminURL)
            check.expect(
                try admin.query("SELECT 1 FROM pg_roles WHERE rolname = $1", [role]).rows.isEmpty,
                "the role was rolled back")
            check.expect(
                try target.connect().query("SELECT to_regclass('public.planted') IS NULL").scalar == "t",
                "the table was rolled back")
        }
    }

    @Test func restrictKeysAreFreshAndAlphanumeric() {
        let keys = (0..<20).map { _ in SQLRestorer.restrictKey() }
        #expect(Set(keys).count == keys.count)
        #expect(keys.allSatisfy { $0.count == 40 && $0.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber) } })
    }
}
