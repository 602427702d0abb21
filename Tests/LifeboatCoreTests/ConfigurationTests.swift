import Foundation
import Testing
@testable import LifeboatCore

@Suite struct ConfigurationTests {
    func dotenv(_ text: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("lifeboat-\(UUID().uuidString).env")
            .path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func precedenceIsFlagThenEnvironmentThenDotenvThenDefault() async throws {
        let file = try dotenv(
            """
            BACKUP_DIR=/from/dotenv
            BACKUP_RETENTION_DAILY=9
            BACKUP_RETENTION_WEEKLY=5
            BACKUP_COMPRESSION_ENABLED=False
            """)
        defer { unlink(file) }
        let environment = ["BACKUP_DIR": "/from/env", "BACKUP_RETENTION_DAILY": "8"]
        let configuration = try await LifeboatConfiguration.load(
            overrides: ["BACKUP_DIR": "/from/flag"], environment: environment, environmentFile: file)
        #expect(configuration.string(.backupDir) == "/from/flag")
        #expect(configuration.resolved["BACKUP_DIR"]?.origin == .flag)
        #expect(try configuration.int(.retentionDaily) == 8)
        #expect(configuration.resolved["BACKUP_RETENTION_DAILY"]?.origin == .environment)
        #expect(try configuration.int(.retentionWeekly) == 5)
        #expect(configuration.resolved["BACKUP_RETENTION_WEEKLY"]?.origin == .dotenv)
        #expect(try configuration.bool(.compressionEnabled) == false)  // the seed writes "False"
        #expect(try configuration.int(.retentionMonthly) == 12)
        #expect(configuration.resolved["BACKUP_RETENTION_MONTHLY"]?.origin == .default)
        #expect(try configuration.int(.retentionManual) == nil)
        #expect(
            try configuration.retentionLimits()
                == RetentionPolicy(limits: [.daily: 8, .weekly: 5, .monthly: 12, .manual: nil]))
    }

    @Test func missingDotenvIsFineUnlessNamed() async throws {
        // ./.env is optional (the tests do not run where one exists).
        let configuration = try await LifeboatConfiguration.load(environment: [:])
        #expect(configuration.string(.backupDir) == "/backups")
        await #expect(throws: LifeboatError.self) {
            _ = try await LifeboatConfiguration.load(environment: [:], environmentFile: "/nonexistent/.env")
        }
        await #expect(throws: LifeboatError.self) {
            _ = try await LifeboatConfiguration.load(environment: ["LIFEBOAT_ENV_FILE": "/nonexistent/.env"])
        }
    }

    @Test func dotenvReadsTheSeedsExamplesAsOperatorsWriteThem() async throws {
        let file = try dotenv(
            """
            # In .env
            BACKUP_ENABLED=True
            BACKUP_COMPRESSION_ENABLED=True   # Reduces size by 5-10x
            export BACKUP_DAILY_SCHEDULE="0 3 * * *"
            BACKUP_CLOUD_BUCKET='kr-scraper-backups-prod'
            BACKUP_CLOUD_PREFIX="a \\"quoted\\" # not a comment"
            BACKUP_DIR = /srv/backups
            not a setting line
            """)
        defer { unlink(file) }
        let configuration = try await LifeboatConfiguration.load(environment: [:], environmentFile: file)
        #expect(try configuration.bool(.backupEnabled))
        #expect(try configuration.bool(.compressionEnabled))
        #expect(configuration.string(.dailySchedule) == "0 3 * * *")
        #expect(configuration.string(.cloudBucket) == "kr-scraper-backups-prod")
        #expect(configuration.string(.cloudPrefix) == "a \"quoted\" # not a comment")
        #expect(configuration.string(.backupDir) == "/srv/backups")
        #expect(configuration.resolved["BACKUP_DIR"]?.origin == .dotenv)
    }

    @Test func badValuesNameTheVariable() async throws {
        let configuration = try await LifeboatConfiguration.load(
            environment: ["BACKUP_RETENTION_DAILY": "seven", "BACKUP_ENCRYPTION_ENABLED": "maybe"], environmentFile: nil
        )
        #expect(throws: LifeboatError.self) { try configuration.retentionLimits() }
        do {
            _ = try configuration.bool(.encryptionEnabled)
            Issue.record("expected an error")
        } catch let error as LifeboatError {
            #expect(error.description.contains("BACKUP_ENCRYPTION_ENABLED"))
            #expect(error.category == .configuration)
        }
    }

    @Test func redactionHidesEverySecret() async throws {
        let secrets = [
            "BACKUP_ENCRYPTION_KEY": "0A4C32B313F2BEF69E7AB011CC3D03FD8A679665",
            "AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMIK7MDENGbPxRfiCYEXAMPLEKEY",
            "AWS_ACCESS_KEY_ID": "AKIAIOSFODNN7EXAMPLE",
            "AWS_SESSION_TOKEN": "FQoGZXIvYXdzEXAMPLETOKEN",
            "AZURE_STORAGE_KEY": "azureSecretKeyMaterial==",
            "BACKUP_WEBHOOK_SECRET": "hmac-secret-value",
            "BACKUP_SMTP_PASSWORD": "smtp-password-value"
        ]
        var environment = secrets
        environment["DATABASE_URL"] = "postgresql://app:s3cr%40t-pw@db.example:5432/prod?sslmode=require"
        let configuration = try await LifeboatConfiguration.load(environment: environment, environmentFile: nil)
        let printed = configuration.redactedEntries().map { "\($0.key.name)=\($0.value)" }.joined(separator: "\n")
        for secret in secrets.values { #expect(!printed.contains(secret)) }
        #expect(!printed.contains("s3cr"))
        #expect(printed.contains("DATABASE_URL=postgresql://app:***@db.example:5432/prod?sslmode=require"))
    }

    /// Issue 18, item 4: one rule for every URL setting, not DATABASE_URL alone.
    @Test func everyURLSettingIsPrintedWithoutItsPassword() async throws {
        let environment = [
            "DATABASE_URL": "postgresql://app:db-pw-1@db.example/prod",
            "LIFEBOAT_COORDINATION_URL": "postgresql://coord:coord-pw-2@coord.example:5433/lifeboat",
            "BACKUP_CLOUD_ENDPOINT": "https://minio:endpoint-pw-3@minio.example:9000",
            "AZURE_STORAGE_ENDPOINT": "https://acct:azure-pw-4@azure.example"
        ]
        let configuration = try await LifeboatConfiguration.load(environment: environment, environmentFile: nil)
        let printed = configuration.redactedEntries().map { "\($0.key.name)=\($0.value)" }.joined(separator: "\n")
        for password in ["db-pw-1", "coord-pw-2", "endpoint-pw-3", "azure-pw-4"] {
            #expect(!printed.contains(password), "\(printed)")
        }
        #expect(printed.contains("LIFEBOAT_COORDINATION_URL=postgresql://coord:***@coord.example:5433/lifeboat"))
    }

    @Test func aMalformedDatabaseURLIsNeverEchoed() async throws {
        let configuration = try await LifeboatConfiguration.load(
            environment: ["DATABASE_URL": "postgresql://app:hunter2-pw@[::1/db"], environmentFile: nil)
        do {
            _ = try ClientEnvironment.make(configuration, inherited: [:])
            Issue.record("a malformed DATABASE_URL was accepted")
        } catch let error as LifeboatError {
            #expect(!error.description.contains("hunter2"), "\(error)")
            #expect(error.message.contains("IPv6"), "\(error)")
        }
    }
}

/// docs/configuration.md's defaults come from `ConfigurationKey`'s declarations; the page's own
/// text (`ConfigurationKey.Reference`) may only say more (what an unset value falls back to),
/// never repeat the declared value, or the two drift apart when a default changes.
@Suite struct ConfigurationReferenceTests {
    @Test(arguments: ConfigurationKey.all.filter { $0.reference?.defaultValue != nil })
    func aPageDefaultNeverRepeatsTheDeclaredOne(_ key: ConfigurationKey) {
        let page = key.reference?.defaultValue ?? ""
        let declared = ConfigurationReference.declaredDefault(key)
        #expect(page != declared, "\(key.name): drop the page's defaultValue; the declaration prints \(declared)")
    }

    @Test func theTableShowsTheDeclaredDefault() {
        let row = ConfigurationReference.markdown().split(separator: "\n").first {
            $0.hasPrefix("| `\(ConfigurationKey.compressionLevel.name)` |")
        }
        #expect(row?.contains("| `\(ConfigurationKey.compressionLevel.defaultValue ?? "?")` |") == true)
    }
}
