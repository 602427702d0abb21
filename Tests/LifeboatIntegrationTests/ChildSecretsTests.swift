import Foundation
import Testing
import LifeboatCore

/// Issue 18, acceptance 4: after a PITR drill and a physical restore, neither the postmaster
/// Lifeboat started nor any pgbackrest it ran holds a secret of Lifeboat's environment. Fake
/// secrets go into `lifeboat`'s environment; LIFEBOAT_PGBACKREST_BIN points at a wrapper that
/// writes its environment to a file before it runs the real pgbackrest.
extension PhysicalEngineTests {
    static let fakeSecrets = [
        "AWS_SECRET_ACCESS_KEY": "lb-fake-aws-secret-7f3a", "AWS_ACCESS_KEY_ID": "lb-fake-aws-id-7f3a",
        "AWS_SESSION_TOKEN": "lb-fake-aws-token-7f3a", "AZURE_STORAGE_KEY": "lb-fake-azure-key-7f3a",
        "GOOGLE_APPLICATION_CREDENTIALS": "/lb-fake-gcs-7f3a.json",
        "BACKUP_WEBHOOK_SECRET": "lb-fake-webhook-secret-7f3a", "BACKUP_SMTP_PASSWORD": "lb-fake-smtp-password-7f3a",
        "BACKUP_SMTP_URL": "smtp://alerts:lb-fake-smtp-url-7f3a@127.0.0.1:9"
    ]

    /// The secrets, plus what makes the SMTP ones a valid configuration (only failures are
    /// mailed, to a closed port: none happens).
    static func withFakeSecrets(_ environment: [String: String?]) -> [String: String?] {
        var environment = environment
        for (name, value) in fakeSecrets { environment[name] = value }
        environment["BACKUP_SMTP_FROM"] = "lifeboat@example.com"
        environment["BACKUP_SMTP_TO"] = "oncall@example.com"
        environment["BACKUP_SMTP_USER"] = "alerts"
        return environment
    }

    /// A pgbackrest that records its environment into `folder/envs`, which the postgres user can write.
    static func recordingPgBackRest(_ folder: ScratchFolder) throws -> (binary: String, records: URL) {
        let records = folder.url.appendingPathComponent("envs")
        try FileManager.default.createDirectory(at: records, withIntermediateDirectories: true)
        try FileManager.default.setAttributes([.posixPermissions: 0o777], ofItemAtPath: records.path)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: folder.path)
        let binary = folder.url.appendingPathComponent("pgbackrest-recording")
        try """
        #!/bin/sh
        env > "\(records.path)/pgbackrest.$$.env"
        exec /usr/bin/pgbackrest "$@"
        """.write(to: binary, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: binary.path)
        return (binary.path, records)
    }

    /// Every recorded environment, or the test fails when pgbackrest never ran through the wrapper.
    static func recordedEnvironments(_ records: URL) throws -> [String] {
        let files = try FileManager.default.contentsOfDirectory(atPath: records.path).filter { $0.hasSuffix(".env") }
        return try files.map { try String(contentsOf: records.appendingPathComponent($0), encoding: .utf8) }
    }

    static func expectNoSecret(in environ: String, _ what: String, sourceLocation: SourceLocation = #_sourceLocation) {
        for (name, value) in fakeSecrets {
            #expect(!environ.contains(value), "\(name) reached \(what)", sourceLocation: sourceLocation)
        }
        #expect(!environ.contains("DATABASE_URL="), "DATABASE_URL reached \(what)", sourceLocation: sourceLocation)
    }

    @Test func aPITRDrillsPostmasterAndPgBackRestGetNoSecret() throws {
        let folder = try ScratchFolder()
        let state = try ScratchFolder()
        let table = "lifeboat_secret_drill_markers"
        defer { Self.dropTable(table) }
        let (binary, records) = try Self.recordingPgBackRest(folder)
        var environment = Self.withFakeSecrets(try Self.drillEnvironment(folder, state))
        environment["LIFEBOAT_PGBACKREST_BIN"] = binary
        let target = try Self.fullBackupThenMarkers(table, environment)

        // While the scratch cluster runs, a step copies its postmaster's environment out.
        let environ = folder.url.appendingPathComponent("scratch-postmaster.environ")
        let books = try ScratchFolder()
        try """
        name: pitr-environ
        description: PITR drill that looks at the scratch postmaster's environment
        inputs:
          target_time: { type: timestamp, required: true, description: the moment }
        steps:
          - id: restore
            action: physical.restore
            with: { target: "${inputs.target_time}" }
          - id: environ
            action: shell
            with: { command: "tr '\\\\0' '\\\\n' < /proc/$(head -1 ${steps.restore.outputs.scratch_dir}/pgdata/postmaster.pid)/environ > \(environ.path)" }
            needs: [restore]
        """.write(to: books.url.appendingPathComponent("pitr-environ.yaml"), atomically: true, encoding: .utf8)
        let drill = try Command.lifeboat(
            ["drill", "pitr-environ", "--dir", books.path, "--input", "target_time=\(target)"],
            environment: environment)
        try #require(drill.status == 0, "\(drill.stdout)\n\(drill.stderr)")

        let postmaster = try String(contentsOf: environ, encoding: .utf8)
        #expect(postmaster.contains("PATH="), "the environ file holds the postmaster's environment: \(postmaster)")
        Self.expectNoSecret(in: postmaster, "the scratch postmaster")
        let pgbackrest = try Self.recordedEnvironments(records)
        #expect(pgbackrest.count >= 2, "the backup and the drill's restore ran pgbackrest through the wrapper")
        for recorded in pgbackrest { Self.expectNoSecret(in: recorded, "pgbackrest") }
    }

    @Test func aPhysicalRestoresPostmasterAndPgBackRestGetNoSecret() throws {
        let folder = try ScratchFolder()
        let state = try ScratchFolder()
        let table = "lifeboat_secret_restore_markers"
        defer {
            Self.ensureRunning(state)
            Self.dropTable(table)
        }
        let (binary, records) = try Self.recordingPgBackRest(folder)
        let environment = Self.withFakeSecrets(
            try Self.environment(folder, ["LIFEBOAT_STATE_DIR": state.path, "LIFEBOAT_PGBACKREST_BIN": binary]))
        let target = try Self.fullBackupThenMarkers(table, environment)

        let run = try Command.lifeboat(
            ["runbook", "run", "point-in-time", "--input", "target_time=\(target)", "--yes"], environment: environment)
        try #require(run.status == 0, "\(run.stdout)\n\(run.stderr)")

        let data = try PhysicalEnvironment.dataDirectory
        let pidText = try String(contentsOfFile: data + "/postmaster.pid", encoding: .utf8)
        let pid = try #require(pidText.split(separator: "\n").first.map(String.init))
        let environ = try Data(contentsOf: URL(fileURLWithPath: "/proc/\(pid)/environ"))
        let postmaster = String(decoding: environ.map { $0 == 0 ? UInt8(ascii: "\n") : $0 }, as: UTF8.self)
        #expect(postmaster.contains("PATH="), "\(postmaster)")
        Self.expectNoSecret(in: postmaster, "the restored cluster's postmaster")
        let pgbackrest = try Self.recordedEnvironments(records)
        #expect(pgbackrest.count >= 2, "the backup and the restore ran pgbackrest through the wrapper")
        for recorded in pgbackrest { Self.expectNoSecret(in: recorded, "pgbackrest") }
    }
}
