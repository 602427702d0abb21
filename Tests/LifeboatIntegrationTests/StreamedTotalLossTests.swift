import Foundation
import Testing
import LifeboatCore
import LifeboatPostgres
import LifeboatRunbooks

/// Issue 21, acceptance 2: the total-loss runbook restores a signed, encrypted backup while it
/// downloads from the S3 test server. Killed with SIGKILL mid-download and mid-restore (the
/// stream's crash hook fires at a byte count, not after a timer), `runbook resume` completes:
/// the data is identical table by table, no plaintext was ever written to the disk, and the run
/// folder keeps the encrypted download with the manifest's SHA-256.
@Suite(.enabled(if: TestEnvironment.shouldRun))
struct StreamedTotalLossTests {
    /// Past the first 4 MiB segment: by then the restore has been fed checked bytes.
    static let crashAt: Int64 = 5 << 20

    /// A signed, compressed, encrypted backup in the bucket of a Pagila database grown with a
    /// table of hex noise to more than one segment; the database is then dropped, and so is the
    /// local backup folder: only the cloud copy is left. The folders live as long as `keep`.
    static func totalLoss() throws -> (
        database: ScratchDatabase, environment: [String: String?], state: ScratchFolder, file: URL,
        md5s: [String: String], watched: [URL], keep: [ScratchFolder]
    ) {
        let database = try ScratchDatabase()
        try database.connect().query(
            """
            CREATE TABLE public.noise AS SELECT g AS id, md5(g::text) || md5((g * 7)::text) || md5((g * 13)::text) AS filler
            FROM generate_series(1, 150000) g
            """)
        let folder = try ScratchFolder(), state = try ScratchFolder(), empty = try ScratchFolder(),
            temporary = try ScratchFolder()
        var environment = try RunbookRunTests.environment(
            database, folder, state: state, log: folder.url.appendingPathComponent("services.log").path,
            bucket: try CloudTests.bucket())
        environment["BACKUP_SIGNING_KEY"] = try TestEnvironment.gpgKey
        let (file, _) = try BackupRoundTripTests.backup(
            ["--type", "daily", "--compress", "--encrypt", "--upload"], environment)
        let size = try #require(
            (try FileManager.default.attributesOfItem(atPath: file.path)[.size] as? NSNumber)?.int64Value)
        try #require(size > crashAt + (1 << 20), "the backup (\(size) bytes) must be larger than the crash point")
        let md5s = try Self.md5s(database)
        try ScratchDatabase.drop(database.name)
        environment["BACKUP_DIR"] = empty.path
        environment["TMPDIR"] = temporary.path
        return (
            database, environment, state, file, md5s, [state.url, empty.url, temporary.url, folder.url],
            [folder, state, empty, temporary]
        )
    }

    /// md5 of every table's rows, keyed schema.table.
    static func md5s(_ database: ScratchDatabase) throws -> [String: String] {
        var sums: [String: String] = [:]
        for table in try database.rowCounts().keys {
            let parts = table.split(separator: ".", maxSplits: 1).map(String.init)
            sums[table] = try database.checksum(parts.map { Connection.quoteIdentifier($0) }.joined(separator: "."))
        }
        return sums
    }

    /// Files anywhere under `folders` that hold the backup's plaintext (SQL, or the gzip'd SQL).
    static func plaintext(under folders: [URL]) -> [String] {
        var found: [String] = []
        for folder in folders {
            let files = FileManager.default.enumerator(at: folder, includingPropertiesForKeys: [.isRegularFileKey])
            while let file = files?.nextObject() as? URL {
                guard (try? file.resourceValues(forKeys: [.isRegularFileKey]))?.isRegularFile == true else { continue }
                let name = file.lastPathComponent
                let bytes = (try? Data(contentsOf: file)) ?? Data()
                if name.hasSuffix(".sql") || name.hasSuffix(".sql.gz") || name.hasSuffix(".sql.partial")
                    || name.hasSuffix(".sql.gz.partial")
                    || bytes.starts(with: Array("--\n-- PostgreSQL database dump".utf8))
                    || bytes.starts(with: [0x1f, 0x8b])
                    || bytes.range(of: Data("COPY public.".utf8)) != nil
                {
                    found.append(file.path)
                }
            }
        }
        return found
    }

    static func prepareOutputs(_ state: ScratchFolder, _ runID: String) throws -> [String: String] {
        try RunbookRunTests.journal(state, runID).last { $0.kind == .stepFinished && $0.step == "prepare" }?.outputs
            ?? [:]
    }

    @Test(arguments: ["download", "restore"])
    func killedMidwayResumesToIdenticalDataWithNoPlaintextOnDisk(phase: String) throws {
        let (database, baseEnvironment, state, file, md5s, watched, keep) = try Self.totalLoss()
        defer { withExtendedLifetime(keep) {} }
        defer { RestoreTests.dropAll(like: "\(database.name)_%") }
        let size = try #require(
            (try FileManager.default.attributesOfItem(atPath: file.path)[.size] as? NSNumber)?.int64Value)

        var environment = baseEnvironment
        environment["LIFEBOAT_TEST_CRASH_DURING_STREAM"] = "\(phase):\(Self.crashAt)"
        let killed = try Command.lifeboat(["runbook", "run", "total-loss", "--yes"], environment: environment)
        #expect(killed.status == SIGKILL, "killed mid-\(phase): \(killed.status) \(killed.stderr)")
        let runID = try #require(RunbookScenarioTests.runIDs(state).first)
        let artifacts = state.url.appendingPathComponent("runs/\(runID)/artifacts")
        let partial = artifacts.appendingPathComponent(".\(file.lastPathComponent).partial")
        let kept =
            (try? FileManager.default.attributesOfItem(atPath: partial.path)[.size] as? NSNumber)?.int64Value ?? -1
        if phase == "download" {
            #expect(kept >= Self.crashAt && kept < size, "the download stopped part way: \(kept) of \(size) bytes")
        } else {
            #expect(kept == size, "the download was complete, the restore was not: \(kept) of \(size) bytes")
        }
        #expect(try RestoreTests.databases(like: database.name).isEmpty, "nothing replaced the (lost) target")
        #expect(
            try !RestoreTests.databases(like: "\(database.name)_restore_%").isEmpty,
            "the restore had begun its scratch copy")
        #expect(
            Self.plaintext(under: watched).isEmpty, "no plaintext after the kill: \(Self.plaintext(under: watched))")

        let resumed = try Command.lifeboat(["runbook", "resume", runID, "--yes"], environment: baseEnvironment)
        try #require(resumed.succeeded, "\(resumed.stderr)")
        #expect(
            resumed.stderr.contains("_restore_") && resumed.stderr.contains("dropped, restoring again"),
            "the half-built copy was dropped and the restore began again from a clean one: \(resumed.stderr)")
        let outputs = try Self.prepareOutputs(state, runID)
        #expect(
            outputs["resumed_from"] == String(kept),
            "the kept bytes were replayed, the rest downloaded with Range: \(outputs)")

        #expect(try Self.md5s(database) == md5s, "every table is as the backup had it")
        #expect(try RestoreTests.databases(like: "\(database.name)_restore_%").isEmpty, "no half-built copy is left")
        #expect(Self.plaintext(under: watched).isEmpty, "no plaintext on disk: \(Self.plaintext(under: watched))")
        let fetched = artifacts.appendingPathComponent(file.lastPathComponent)
        #expect(outputs["path"] == fetched.path)
        #expect(!FileManager.default.fileExists(atPath: partial.path), "the partial download was renamed")
        let manifest = try BackupManifest.decode(
            Array(try Data(contentsOf: URL(fileURLWithPath: fetched.path + ".manifest.json"))))
        #expect(
            try BackupRoundTripTests.sha256sum(fetched) == manifest.sha256,
            "the kept file is the encrypted backup, whole")
        #expect(try Data(contentsOf: fetched) == Data(contentsOf: file), "byte for byte the uploaded one")
        #expect(outputs["signature"] == "good signature by trusted key \(try TestEnvironment.gpgKey)", "\(outputs)")
        let events = try RunbookRunTests.journal(state, runID)
        #expect(
            RunbookScenarioTests.finishedSteps(events) == ["pick", "prepare", "stop", "restore", "start", "validate"])
    }

    /// Issue 21 item 2, a broken download: the fault proxy cuts the backup's GET half way. The
    /// streamed restore fails without leaving a half-built copy or plaintext, the partial file
    /// stays, and `runbook resume --retry-step` replays it and fetches only the rest (Range).
    @Test func aCutDownloadFailsCleanlyAndResumesWithRange() throws {
        let database = try ScratchDatabase()
        let folder = try ScratchFolder(), state = try ScratchFolder(), empty = try ScratchFolder(),
            temporary = try ScratchFolder()
        defer { RestoreTests.dropAll(like: "\(database.name)_%") }
        var environment = try RunbookRunTests.environment(
            database, folder, state: state, log: folder.url.appendingPathComponent("services.log").path,
            bucket: try CloudTests.bucket())
        let (file, _) = try BackupRoundTripTests.backup(
            ["--type", "daily", "--compress", "--encrypt", "--upload"], environment)
        let name = file.lastPathComponent
        let md5s = try Self.md5s(database)
        try ScratchDatabase.drop(database.name)
        let proxy = try FaultProxy()
        environment["BACKUP_CLOUD_ENDPOINT"] = proxy.endpoint
        environment["BACKUP_DIR"] = empty.path
        environment["TMPDIR"] = temporary.path
        // Every manifest GET (preflight, selection, the step) passes; the backup's is cut half way.
        try proxy.queue([
            ["fault": "pass", "method": "GET", "path": ".manifest.json", "times": 100],
            ["fault": "truncate", "method": "GET", "path": "/\(name)"]
        ])

        let cut = try Command.lifeboat(["runbook", "run", "total-loss", "--yes"], environment: environment)
        #expect(!cut.succeeded, "the cut download fails the step: \(cut.stderr)")
        #expect(
            cut.stderr.contains("download backups/\(name) failed") && cut.stderr.contains("bytes are kept"),
            "names the download and what is kept: \(cut.stderr)")
        let runID = try #require(RunbookScenarioTests.runIDs(state).first)
        let partial = state.url.appendingPathComponent("runs/\(runID)/artifacts/.\(name).partial")
        let kept =
            (try? FileManager.default.attributesOfItem(atPath: partial.path)[.size] as? NSNumber)?.int64Value ?? 0
        #expect(kept > 0, "what arrived is kept for the next try")
        #expect(
            try RestoreTests.databases(like: "\(database.name)%").isEmpty,
            "no half-built copy, nothing in place of the target")
        let watched = [state.url, empty.url, temporary.url, folder.url]
        #expect(Self.plaintext(under: watched).isEmpty, "no plaintext: \(Self.plaintext(under: watched))")

        let resumed = try Command.lifeboat(
            ["runbook", "resume", runID, "--retry-step", "--yes"], environment: environment)
        try #require(resumed.succeeded, "\(resumed.stderr)")
        #expect(
            try Self.prepareOutputs(state, runID)["resumed_from"] == String(kept), "the rest was fetched with Range")
        let gets = try proxy.log().filter {
            $0["method"] as? String == "GET" && ($0["path"] as? String)?.hasSuffix(name) == true
        }
        #expect(gets.count == 2, "one cut download, one ranged rest: \(gets)")
        #expect(try Self.md5s(database) == md5s, "every table is as the backup had it")
        #expect(Self.plaintext(under: watched).isEmpty, "no plaintext: \(Self.plaintext(under: watched))")
        #expect(
            try Data(contentsOf: state.url.appendingPathComponent("runs/\(runID)/artifacts/\(name)"))
                == Data(contentsOf: file))
    }

    /// A signed backup changed in the bucket after it was signed (one byte of its second
    /// segment): the first segment is restored into the scratch copy, the second is refused
    /// before gpg or psql sees a byte of it; the copy is dropped, the bad download removed (a
    /// resume would only replay it), and nothing takes the target's name.
    @Test func aSegmentChangedInTheBucketStopsTheStreamBeforeItsBytesAreUsed() throws {
        let (database, environment, state, file, _, watched, keep) = try Self.totalLoss()
        defer { withExtendedLifetime(keep) {} }
        defer { RestoreTests.dropAll(like: "\(database.name)_%") }
        var bytes = try Data(contentsOf: file)
        bytes[(4 << 20) + 100] ^= 0x01
        let tampered = keep[0].url.appendingPathComponent("tampered")
        try bytes.write(to: tampered)
        let bucket = try #require(environment["BACKUP_CLOUD_BUCKET"] ?? nil)
        let put = try CloudTests.aws(["s3", "cp", tampered.path, "s3://\(bucket)/backups/\(file.lastPathComponent)"])
        try #require(put.succeeded, "aws s3 cp: \(put.stderr)")

        let refused = try Command.lifeboat(["runbook", "run", "total-loss", "--yes"], environment: environment)
        #expect(!refused.succeeded)
        #expect(
            refused.stderr.contains("segment 2 of") && refused.stderr.contains("nothing of that segment was used"),
            "\(refused.stderr)")
        #expect(
            try RestoreTests.databases(like: "\(database.name)%").isEmpty,
            "no copy is left and nothing took the target's name")
        let runID = try #require(RunbookScenarioTests.runIDs(state).first)
        let artifacts = state.url.appendingPathComponent("runs/\(runID)/artifacts")
        #expect(
            !FileManager.default.fileExists(
                atPath: artifacts.appendingPathComponent(".\(file.lastPathComponent).partial").path),
            "the download that does not match its signed manifest is removed")
        #expect(!FileManager.default.fileExists(atPath: artifacts.appendingPathComponent(file.lastPathComponent).path))
        #expect(Self.plaintext(under: watched).isEmpty, "no plaintext: \(Self.plaintext(under: watched))")
    }

    /// Killed after the step's work was done (the download kept under its name, the copy
    /// validated) but before its end was journaled: the resume drops the copy and restores again
    /// from the kept file, downloading nothing.
    @Test func killedAfterTheDownloadWasKeptRestoresFromTheKeptFile() throws {
        let (database, baseEnvironment, state, file, md5s, watched, keep) = try Self.totalLoss()
        defer { withExtendedLifetime(keep) {} }
        defer { RestoreTests.dropAll(like: "\(database.name)_%") }
        var environment = baseEnvironment
        environment["LIFEBOAT_TEST_CRASH_AFTER_STEP"] = "prepare"
        let killed = try Command.lifeboat(["runbook", "run", "total-loss", "--yes"], environment: environment)
        #expect(killed.status == SIGKILL, "\(killed.status) \(killed.stderr)")
        let runID = try #require(RunbookScenarioTests.runIDs(state).first)
        let fetched = state.url.appendingPathComponent("runs/\(runID)/artifacts/\(file.lastPathComponent)")
        #expect(
            FileManager.default.fileExists(atPath: fetched.path), "the download was kept under its name before the kill"
        )

        let resumed = try Command.lifeboat(["runbook", "resume", runID, "--yes"], environment: baseEnvironment)
        try #require(resumed.succeeded, "\(resumed.stderr)")
        #expect(resumed.stderr.contains("dropped, restoring again"), "\(resumed.stderr)")
        #expect(
            try Self.prepareOutputs(state, runID)["resumed_from"] == String(try Data(contentsOf: file).count),
            "nothing was downloaded again")
        #expect(try Self.md5s(database) == md5s)
        #expect(try RestoreTests.databases(like: "\(database.name)_restore_%").isEmpty)
        #expect(Self.plaintext(under: watched).isEmpty, "no plaintext: \(Self.plaintext(under: watched))")
        #expect(try Data(contentsOf: fetched) == Data(contentsOf: file))
    }
}
