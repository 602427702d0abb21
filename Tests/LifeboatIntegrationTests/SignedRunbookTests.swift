import Foundation
import Testing
import LifeboatCore
import LifeboatRunbooks

/// Signed backups through the total-loss runbook: the signature goes up to the bucket with
/// the backup and is checked before the streamed restore downloads a byte (then each segment
/// before gpg sees it); the swap accepts the encrypted file the run kept; an unsigned backup
/// stops the run there, and the input allow_unsigned (`--allow-unsigned`) lets it through, journaled.
@Suite(.enabled(if: TestEnvironment.shouldRun))
struct SignedRunbookTests {
    /// The folders live as long as the returned `keep`.
    static func setUp(signedBackup: Bool) throws -> (
        ScratchDatabase, ScratchFolder, [String: String?], [String: Int64], URL, keep: [ScratchFolder]
    ) {
        let database = try ScratchDatabase()
        let folder = try ScratchFolder()
        let state = try ScratchFolder()
        let bucket = try CloudTests.bucket()
        let log = folder.url.appendingPathComponent("services.log").path
        var environment = try RunbookRunTests.environment(database, folder, state: state, log: log, bucket: bucket)
        if signedBackup { environment["BACKUP_SIGNING_KEY"] = try TestEnvironment.gpgKey }
        let (file, _) = try BackupRoundTripTests.backup(
            ["--type", "daily", "--compress", "--encrypt", "--upload"], environment)
        let counts = try database.rowCounts()
        try ScratchDatabase.drop(database.name)
        let empty = try ScratchFolder()
        environment["BACKUP_DIR"] = empty.path  // only the cloud copy is left
        environment["BACKUP_SIGNING_KEY"] = try TestEnvironment.gpgKey  // this host signs, so it checks
        return (database, state, environment, counts, file, [folder, empty])
    }

    static func outputs(_ events: [JournalEvent], _ step: String) -> [String: String] {
        events.last { $0.kind == .stepFinished && $0.step == step }?.outputs ?? [:]
    }

    @Test func signedBackupRunsThroughTotalLossWithEachStepCheckingIt() throws {
        let (database, state, environment, counts, file, keep) = try Self.setUp(signedBackup: true)
        defer { withExtendedLifetime(keep) {} }
        defer { RestoreTests.dropAll(like: "\(database.name)_%") }
        let keys = try CloudTests.aws([
            "s3api", "list-objects-v2", "--bucket", environment["BACKUP_CLOUD_BUCKET"]!!, "--query", "Contents[].Key"
        ])
        #expect(
            keys.stdout.contains(file.lastPathComponent + ".manifest.json.sig"),
            "the signature went up with the backup: \(keys.stdout)")

        let runID = try RunbookScenarioTests.run("total-loss", environment)
        #expect(try database.rowCounts() == counts)
        let events = try RunbookRunTests.journal(state, runID)
        let fingerprint = try TestEnvironment.gpgKey
        #expect(Self.outputs(events, "prepare")["signature"] == "good signature by trusted key \(fingerprint)")
        #expect(Self.outputs(events, "restore")["signature"]?.contains("this run's own artifact") == true)
    }

    @Test func unsignedBackupStopsTotalLossUnlessAllowed() throws {
        let (database, state, environment, counts, _, keep) = try Self.setUp(signedBackup: false)
        defer { withExtendedLifetime(keep) {} }
        defer { RestoreTests.dropAll(like: "\(database.name)_%") }
        let refused = try Command.lifeboat(["runbook", "run", "total-loss", "--yes"], environment: environment)
        #expect(!refused.succeeded)
        #expect(
            refused.stderr.contains("signature") && refused.stderr.contains("unsigned")
                && refused.stderr.contains("allow_unsigned"), "\(refused.stderr)")
        #expect(try RestoreTests.databases(like: database.name).isEmpty, "nothing was restored")

        var allowing = environment
        let freshState = try ScratchFolder()
        allowing["LIFEBOAT_STATE_DIR"] = freshState.path  // a fresh run, not a resume of the failed one
        let result = try Command.lifeboat(
            ["runbook", "run", "total-loss", "--allow-unsigned", "--yes", "--json"], environment: allowing)
        try #require(result.succeeded, "\(result.stderr)")
        #expect(
            result.stderr.contains("WARNING") && result.stderr.contains("accepted with --allow-unsigned"),
            "\(result.stderr)")
        #expect(try database.rowCounts() == counts)
        let runID = try #require(
            (try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])?["run_id"] as? String)
        let events = try RunbookRunTests.journal(freshState, runID)
        #expect(Self.outputs(events, "prepare")["signature"]?.hasPrefix("accepted with --allow-unsigned") == true)
        #expect(events.first?.inputs?["allow_unsigned"] == "true", "the input is journaled with the run")
        _ = state
    }
}
