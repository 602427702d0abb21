import Foundation
import Testing
import LifeboatCore

/// Hostile settings: cron expressions that are not cron, DATABASE_URL options libpq does not
/// know, webhook URLs that are not http(s). Each is a configuration error (exit code 2) that
/// names the setting, found before anything is attempted: no backup file, no database touched.
@Suite(.enabled(if: TestEnvironment.shouldRun))
struct HostileConfigTests {
    static let cronExpressions: [(expression: String, mentions: String)] = [
        ("61 * * * *", "61 is outside 0-59"),
        ("* * *", "has 3 fields"),
        ("0 3 31 2 *", "never occurs"),
        ("@every 5m", "unknown shorthand"),
        ("*/0 * * * *", "must be a whole number above 0"),
        ("0 3 * * mon-", "is not a number or a name"),
        ("0 3 * * * rm -rf /", "has 8 fields"),
        ("", "has 0 fields")
    ]

    @Test(arguments: cronExpressions.indices)
    func badCronExpressionsAreRefusedWithTheField(_ index: Int) throws {
        let (expression, mentions) = Self.cronExpressions[index]
        try ReliabilityLog.run(.hostile, "cron expression \(expression.debugDescription)") { check in
            let folder = try ScratchFolder()
            let result = try Command.lifeboat(
                ["schedule", "list"],
                environment: [
                    "BACKUP_DAILY_SCHEDULE": expression, "BACKUP_DIR": folder.path,
                    // The table of last runs is not the point here: no database needed.
                    "DATABASE_URL": nil, "LIFEBOAT_COORDINATION_URL": nil
                ])
            if expression.isEmpty {
                // An empty value means "the default" for settings that have one: not an error.
                check.expect(result.status == 0, "an empty setting falls back to the default: \(result.stderr)")
            } else {
                check.refused(result, status: 2, mentions: ["BACKUP_DAILY_SCHEDULE", mentions])
            }
            check.expect(folder.files.isEmpty, "nothing written")
        }
    }

    /// What is wrong, in general terms: libpq's own message quotes the string (issue 18).
    static let databaseURLOptions: [(suffix: String, mentions: String, hidden: String)] = [
        ("?frobnicate=1", "a query parameter (after ?) is not one libpq knows", "frobnicate"),
        ("?application_name=lifeboat&foo=bar", "a query parameter (after ?) is not one libpq knows", "foo=bar"),
        ("?sslmode=bogus", "the sslmode setting has a value libpq does not accept", "bogus")
    ]

    @Test(arguments: databaseURLOptions.indices)
    func unknownDatabaseURLParametersAreConfigurationErrors(_ index: Int) throws {
        let (suffix, mentions, hidden) = Self.databaseURLOptions[index]
        try ReliabilityLog.run(.hostile, "DATABASE_URL with \(suffix)") { check in
            let live = try ScratchDatabase()
            let folder = try ScratchFolder()
            let before = try RestoreTests.checksums(live)
            let password = try TestEnvironment.require("LIFEBOAT_TEST_PGPASSWORD")
            let fixture = try HostileFixture.get()
            let backup = fixture.folder.appendingPathComponent(fixture.compressed).path
            for arguments in [["backup", "--type", "daily"], ["restore", "--backup-file", backup, "--force"]] {
                let result = try Command.lifeboat(
                    arguments, environment: ["DATABASE_URL": live.url + suffix, "BACKUP_DIR": folder.path])
                check.refused(result, status: 2, mentions: [mentions, "DATABASE_URL"])
                check.expect(!result.stderr.contains(password), "the password is not in the error")
                check.expect(!result.stderr.contains(hidden), "no part of the string is in the error: \(result.stderr)")
            }
            check.expect(folder.files.isEmpty, "no backup, no partial file: \(folder.files)")
            check.expect(try RestoreTests.checksums(live) == before, "the database is untouched")
        }
    }

    /// `key=value` form: libpq's other spelling, with an option it does not know.
    @Test func unknownKeywordInKeyValueConnectionString() throws {
        try ReliabilityLog.run(.hostile, "DATABASE_URL key=value with an unknown keyword") { check in
            let folder = try ScratchFolder()
            let result = try Command.lifeboat(
                ["backup"],
                environment: [
                    "DATABASE_URL": "host=127.0.0.1 dbname=postgres frobnicate=1", "BACKUP_DIR": folder.path
                ])
            check.refused(result, status: 2, mentions: ["it names an option libpq does not know"])
            check.expect(
                !result.stderr.contains("frobnicate"), "no part of the string is in the error: \(result.stderr)")
            check.expect(folder.files.isEmpty, "nothing written: \(folder.files)")
        }
    }

    static let webhookURLs = [
        "ftp://hooks.example.com/lifeboat", "file:///etc/passwd", "javascript:alert(1)", "hooks.example.com/lifeboat",
        "http://", "gopher://127.0.0.1:70/_SECRET-TOKEN-1234", "https://ok.example.com/a,smtp://mail.example.com"
    ]

    @Test(arguments: webhookURLs)
    func webhookURLsThatAreNotHTTPAreRefusedBeforeTheBackup(_ url: String) throws {
        try ReliabilityLog.run(.hostile, "webhook URL \(url.debugDescription)") { check in
            let live = try ScratchDatabase()
            let folder = try ScratchFolder()
            let result = try Command.lifeboat(
                ["backup", "--type", "daily"],
                environment: [
                    "DATABASE_URL": live.url, "BACKUP_DIR": folder.path, "BACKUP_WEBHOOK_URL": url
                ])
            check.refused(
                result, status: 2, mentions: ["BACKUP_WEBHOOK_URL entry", "is not an http:// or https:// URL"])
            check.expect(
                !result.stderr.contains("SECRET-TOKEN") && !result.stderr.contains("/etc/passwd"),
                "the URL itself (a secret) is not echoed: \(result.stderr)")
            check.expect(folder.files.isEmpty, "refused before pg_dump: \(folder.files)")
        }
    }
}
