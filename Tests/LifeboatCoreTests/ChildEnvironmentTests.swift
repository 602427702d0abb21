import Foundation
import Testing
@testable import LifeboatCore

/// Issue 18, item 4: children get an allow-listed environment, never a secret.
@Suite struct ChildEnvironmentTests {
    static let secrets = [
        "AWS_SECRET_ACCESS_KEY": "fake-aws-secret", "AWS_ACCESS_KEY_ID": "AKIAFAKE", "AWS_SESSION_TOKEN": "fake-token",
        "AZURE_STORAGE_KEY": "fake-azure-key", "GOOGLE_APPLICATION_CREDENTIALS": "/fake/gcs.json",
        "BACKUP_WEBHOOK_SECRET": "fake-hook-secret", "BACKUP_WEBHOOK_URL": "https://hooks.example/T0K3N",
        "BACKUP_SMTP_PASSWORD": "fake-smtp-password", "BACKUP_SMTP_URL": "smtp://u:fake@mail.example",
        "BACKUP_ENCRYPTION_KEY": "ABCDEF", "DATABASE_URL": "postgresql://u:fake-db-password@db/app",
        "LIFEBOAT_COORDINATION_URL": "postgresql://u:fake-coord-password@db/coord"
    ]
    static let wanted = [
        "PATH": "/usr/bin:/bin", "HOME": "/root", "LANG": "C.UTF-8", "LC_ALL": "C", "TZ": "UTC",
        "PGHOST": "/run/postgresql", "PGPORT": "5433", "PGBACKREST_STANZA": "main", "PGBACKREST_REPO1_PATH": "/repo"
    ]

    @Test func postgresToolsGetTheAllowListOnly() {
        let given = Self.secrets.merging(Self.wanted) { a, _ in a }.merging(["EDITOR": "vi", "LIFEBOAT_STATE_DIR": "/x"]
        ) { a, _ in a }
        let child = ChildEnvironment.forPostgresTools(given)
        #expect(child == Self.wanted)
    }

    @Test func operatorCommandsGetEverythingButSecrets() {
        let own = ["DOCKER_HOST": "unix:///run/docker.sock", "FAKE_LOG": "/tmp/log"]
        let given = Self.secrets.merging(Self.wanted) { a, _ in a }.merging(own) { a, _ in a }
        let child = ChildEnvironment.forOperatorCommands(given)
        #expect(child == Self.wanted.merging(own) { a, _ in a })
    }

    @Test(arguments: ConfigurationKey.all.filter { $0.isSecret || $0.isURL })
    func noSecretOrURLSettingReachesAnyChild(key: ConfigurationKey) {
        let given = [key.name: "value"]
        #expect(ChildEnvironment.forPostgresTools(given).isEmpty)
        #expect(ChildEnvironment.forOperatorCommands(given).isEmpty)
    }

    @Test func clientProgramsGetTheDatabaseURLAsPGVariablesAndNoSecrets() async throws {
        let configuration = try await LifeboatConfiguration.load(environment: [
            "DATABASE_URL": "postgresql://app:pw@db.example:5433/shop"
        ])
        let child = try ClientEnvironment.make(
            configuration, inherited: Self.secrets.merging(Self.wanted) { a, _ in a })
        #expect(child["PGPASSWORD"] == "pw")
        #expect(child["PGHOST"] == "db.example")
        for name in Self.secrets.keys { #expect(child[name] == nil, "\(name) reached pg_dump/psql") }
    }

    /// The same through a real spawn: what `env` prints is what the child got.
    @Test func capturedCommandHandsTheChildTheFilteredEnvironment() throws {
        var environment = Self.secrets.merging(Self.wanted) { a, _ in a }
        environment["PATH"] = "/usr/bin:/bin"
        let output = try CapturedCommand(["env"], environment: environment, timeout: 30).run(stage: "test")
        #expect(output.succeeded)
        for (name, value) in Self.secrets { #expect(!output.stdout.contains(value), "\(name) reached the child") }
        #expect(output.stdout.contains("PGBACKREST_STANZA=main"))
    }
}
