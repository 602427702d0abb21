import Foundation
import Testing
import LifeboatCore

/// `lifeboat sync` against the real moto_server, after real failed uploads: the store was
/// unreachable (a closed port) while backups were taken, then comes back.
@Suite(.enabled(if: TestEnvironment.shouldRun))
struct SyncTests {
    /// Every key in the bucket.
    static func keys(_ bucket: String) throws -> Set<String> {
        let listing = try CloudTests.aws([
            "s3api", "list-objects-v2", "--bucket", bucket, "--query", "Contents[].Key", "--output", "text"
        ])
        try #require(listing.succeeded, "\(listing.stderr)")
        return Set(listing.stdout.split(whereSeparator: { $0.isWhitespace }).map(String.init).filter { $0 != "None" })
    }

    /// ETag and LastModified of one object: unchanged when it was not uploaded again.
    static func identity(_ bucket: String, _ key: String) throws -> String {
        let head = try CloudTests.aws([
            "s3api", "head-object", "--bucket", bucket, "--key", key, "--query", "[ETag, LastModified]", "--output",
            "text"
        ])
        try #require(head.succeeded, "\(head.stderr)")
        return head.stdout
    }

    static func json(_ result: CommandResult) throws -> [String: Any] {
        try #require(
            try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any],
            "\(result.stdout)\n\(result.stderr)")
    }

    static func uploadedNames(_ report: [String: Any]) -> Set<String> {
        Set((report["uploaded"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String })
    }

    /// A bucket policy that refuses `actions` to everyone, which moto enforces on object requests.
    static func deny(_ actions: [String], on bucket: String) throws {
        let policy = """
            {"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":[\(actions.map { "\"\($0)\"" }.joined(separator: ","))],\
            "Resource":"arn:aws:s3:::\(bucket)/*"}]}
            """
        let put = try CloudTests.aws(["s3api", "put-bucket-policy", "--bucket", bucket, "--policy", policy])
        try #require(put.succeeded, "put-bucket-policy: \(put.stderr)")
    }

    @Test func uploadsExactlyTheBackupsTheOutageMissed() throws {
        let database = try ScratchDatabase()
        let folder = try ScratchFolder()
        let bucket = try CloudTests.bucket()
        let environment = try CloudTests.environment(database, folder, bucket: bucket)

        // Before the outage: one backup goes up as usual.
        let (first, _) = try BackupRoundTripTests.backup(
            ["--type", "daily", "--compress", "--no-encrypt", "--upload"], environment)
        let firstKey = "backups/\(first.lastPathComponent)"
        let before = try Self.keys(bucket)
        #expect(before == [firstKey, firstKey + ".manifest.json"])
        let firstIdentity = try Self.identity(bucket, firstKey)

        // The outage: three backups whose uploads fail; each is kept locally.
        var down = environment
        down["BACKUP_CLOUD_ENDPOINT"] = "http://127.0.0.1:\(try FakeAzure.freePort())"
        for type in ["daily", "weekly", "daily"] {
            let result = try Command.lifeboat(
                ["backup", "--type", type, "--compress", "--no-encrypt", "--upload"], environment: down)
            #expect(result.status == 1, "the upload failed: \(result.stderr)")
            #expect(result.stderr.contains("is kept"), "\(result.stderr)")
        }
        let missed = Set(folder.files.filter { BackupName(fileName: $0) != nil && $0 != first.lastPathComponent })
        try #require(missed.count == 3, "\(folder.files)")
        #expect(try Self.keys(bucket) == before)

        // What sync must never upload: a backup still being written, other files, a name that does not parse.
        for junk in [".backup_daily_20990101T000000Z.sql.gz.partial", "notes.txt", "backup_daily_garbage.sql.gz"] {
            try Data("not a backup".utf8).write(to: folder.url.appendingPathComponent(junk))
        }

        // --dry-run names the three and changes nothing.
        let dryRun = try Command.lifeboat(["sync", "--dry-run", "--json"], environment: environment)
        try #require(dryRun.succeeded, "\(dryRun.stderr)")
        let planned = try Self.json(dryRun)
        #expect(planned["dry_run"] as? Bool == true)
        #expect(Self.uploadedNames(planned) == missed)
        #expect(planned["in_sync"] as? [String] == [first.lastPathComponent])
        let human = try Command.lifeboat(["sync", "--dry-run"], environment: environment)
        #expect(human.succeeded, "\(human.stderr)")
        #expect(
            human.stdout.split(separator: "\n").filter { $0.hasPrefix("would upload: ") }.count == 3, "\(human.stdout)")
        #expect(try Self.keys(bucket) == before, "the dry run uploaded nothing")

        // sync uploads exactly those three with their manifests; the backup already there stays as it was.
        let sync = try Command.lifeboat(["sync", "--json"], environment: environment)
        try #require(sync.succeeded, "\(sync.stderr)")
        let report = try Self.json(sync)
        #expect(Self.uploadedNames(report) == missed)
        for item in report["uploaded"] as? [[String: Any]] ?? [] {
            #expect(item["backup"] as? Bool == true && item["manifest"] as? Bool == true, "\(item)")
            #expect(item["reason"] as? String == "missing in the bucket", "\(item)")
        }
        #expect(report["removed_remote"] as? [String] == [])
        let expected = before.union(missed.flatMap { ["backups/\($0)", "backups/\($0).manifest.json"] })
        #expect(try Self.keys(bucket) == expected)
        #expect(try Self.identity(bucket, firstKey) == firstIdentity, "not uploaded again")
        let one = try #require(missed.sorted().first)
        let copy = try ScratchFolder()
        let get = try CloudTests.aws([
            "s3", "cp", "s3://\(bucket)/backups/\(one)", copy.url.appendingPathComponent(one).path
        ])
        try #require(get.succeeded, "\(get.stderr)")
        #expect(
            try Data(contentsOf: copy.url.appendingPathComponent(one))
                == Data(contentsOf: folder.url.appendingPathComponent(one)))

        // Nothing left to do; then a manifest lost in the bucket goes up alone.
        let again = try Command.lifeboat(["sync", "--json"], environment: environment)
        try #require(again.succeeded, "\(again.stderr)")
        #expect(Self.uploadedNames(try Self.json(again)).isEmpty)
        let identities = try expected.sorted().map { try Self.identity(bucket, $0) }
        #expect(
            try CloudTests.aws(["s3api", "delete-object", "--bucket", bucket, "--key", "backups/\(one).manifest.json"])
                .succeeded)
        let manifestOnly = try Command.lifeboat(["sync", "--json"], environment: environment)
        try #require(manifestOnly.succeeded, "\(manifestOnly.stderr)")
        let items = try Self.json(manifestOnly)["uploaded"] as? [[String: Any]] ?? []
        #expect(items.count == 1)
        #expect(items.first?["name"] as? String == one)
        #expect(items.first?["backup"] as? Bool == false && items.first?["manifest"] as? Bool == true, "\(items)")
        #expect(try Self.keys(bucket) == expected)
        #expect(
            try Self.identity(bucket, "backups/\(one)")
                == identities[expected.sorted().firstIndex(of: "backups/\(one)")!],
            "the backup itself was not uploaded again")
    }

    @Test func aDifferentCopyInTheBucketIsReplacedAndRetentionApplies() throws {
        let database = try ScratchDatabase()
        let folder = try ScratchFolder()
        let bucket = try CloudTests.bucket()
        var environment = try CloudTests.environment(database, folder, bucket: bucket)
        let (file, manifest) = try BackupRoundTripTests.backup(
            ["--type", "daily", "--compress", "--no-encrypt"], environment)
        // The bucket holds another file under the same name, same size, with a manifest that says so.
        let staged = try ScratchFolder()
        var other = try Data(contentsOf: file)
        other[other.count / 2] ^= 0xFF
        try other.write(to: staged.url.appendingPathComponent(file.lastPathComponent))
        var theirs = manifest
        theirs.sha256 = String(repeating: "0", count: 64)
        try theirs.write(to: staged.url.appendingPathComponent(file.lastPathComponent + ".manifest.json"))
        // And three old dailies that retention (2 dailies) must remove from the bucket.
        let old = (1...3).map { "backup_daily_2024010\($0).sql.gz" }
        for name in old { try Data("x".utf8).write(to: staged.url.appendingPathComponent(name)) }
        #expect(
            try CloudTests.aws(["s3", "cp", "--recursive", "--quiet", staged.path, "s3://\(bucket)/backups/"]).succeeded
        )
        // A local old daily beyond retention is not uploaded only to be deleted.
        try Data("y".utf8).write(to: folder.url.appendingPathComponent("backup_daily_20231231.sql.gz"))

        environment["BACKUP_RETENTION_DAILY"] = "2"
        let noPrune = try Command.lifeboat(["sync", "--no-prune", "--dry-run", "--json"], environment: environment)
        try #require(noPrune.succeeded, "\(noPrune.stderr)")
        #expect(Self.uploadedNames(try Self.json(noPrune)) == [file.lastPathComponent, "backup_daily_20231231.sql.gz"])

        let sync = try Command.lifeboat(["sync", "--json"], environment: environment)
        try #require(sync.succeeded, "\(sync.stderr)")
        let report = try Self.json(sync)
        let items = report["uploaded"] as? [[String: Any]] ?? []
        #expect(items.count == 1)
        #expect((items.first?["reason"] as? String)?.hasPrefix("sha256 differs") == true, "\(items)")
        #expect(report["skipped_beyond_retention"] as? [String] == ["backup_daily_20231231.sql.gz"])
        #expect(
            Set(report["removed_remote"] as? [String] ?? [])
                == Set(["backups/backup_daily_20240102.sql.gz", "backups/backup_daily_20240101.sql.gz"]))
        #expect(
            try Self.keys(bucket) == [
                "backups/\(file.lastPathComponent)", "backups/\(file.lastPathComponent).manifest.json",
                "backups/backup_daily_20240103.sql.gz"
            ])
        let copy = folder.url.appendingPathComponent("from-bucket")
        #expect(
            try CloudTests.aws(["s3", "cp", "s3://\(bucket)/backups/\(file.lastPathComponent)", copy.path]).succeeded)
        #expect(try Data(contentsOf: copy) == Data(contentsOf: file), "the local copy replaced the different one")
    }

    @Test func syncWithoutABucketIsAConfigurationError() throws {
        let folder = try ScratchFolder()
        let result = try Command.lifeboat(
            ["sync"], environment: ["BACKUP_DIR": folder.path, "BACKUP_CLOUD_BUCKET": nil])
        #expect(result.status == 2, "\(result.stderr)")
        #expect(result.stderr.contains("cloud sync is not configured"), "\(result.stderr)")
        #expect(result.stderr.contains("BACKUP_CLOUD_BUCKET"), "\(result.stderr)")
    }

    /// An upload the store refuses (a bucket policy denying PutObject) sends cloud_sync.failed
    /// and leaves the backup local, like `backup --upload`.
    @Test func aFailedUploadEmitsCloudSyncFailed() throws {
        let receiver = try WebhookReceiver()
        let database = try ScratchDatabase()
        let folder = try ScratchFolder()
        let bucket = try CloudTests.bucket()
        var environment = try CloudTests.environment(database, folder, bucket: bucket)
        let (file, _) = try BackupRoundTripTests.backup(["--type", "daily", "--compress", "--no-encrypt"], environment)
        try Self.deny(["s3:PutObject"], on: bucket)
        environment["BACKUP_WEBHOOK_URL"] = receiver.url
        environment["BACKUP_WEBHOOK_BACKOFF"] = "0.05"
        let result = try Command.lifeboat(["sync"], environment: environment)
        #expect(result.status == 1, "\(result.stderr)")
        #expect(result.stderr.contains("403"), "\(result.stderr)")
        #expect(result.stderr.contains("stay local only"), "\(result.stderr)")
        let failed = try #require(receiver.requests(for: "cloud_sync.failed").first)
        #expect(failed.details["file"] as? String == file.lastPathComponent)
        #expect(failed.details["stage"] as? String == "cloud")
        #expect(try Self.keys(bucket).isEmpty)
    }

    /// Credentials that may not delete (moto enforces a bucket policy that denies
    /// s3:DeleteObject): one warning with the advice, no failure, and the JSON names what stayed.
    @Test func forbiddenDeletionIsOneWarningNotAFailure() throws {
        let database = try ScratchDatabase()
        let folder = try ScratchFolder()
        let bucket = try CloudTests.bucket()
        var environment = try CloudTests.environment(database, folder, bucket: bucket)
        let staged = try ScratchFolder()
        let old = (1...9).map { "backup_daily_2024010\($0)T030000Z.sql.gz" }
        for name in old {
            try Data("x".utf8).write(to: staged.url.appendingPathComponent(name))
            try Data("{}".utf8).write(to: staged.url.appendingPathComponent(name + ".manifest.json"))
        }
        #expect(
            try CloudTests.aws(["s3", "cp", "--recursive", "--quiet", staged.path, "s3://\(bucket)/backups/"]).succeeded
        )
        try Self.deny(["s3:DeleteObject"], on: bucket)
        let all = try Self.keys(bucket)
        try #require(all.count == 18)
        environment["BACKUP_CLOUD_SYNC_ENABLED"] = "true"

        let prune = try Command.lifeboat(["prune", "--json"], environment: environment)
        #expect(prune.status == 0, "\(prune.stderr)")
        let warnings = prune.stderr.split(separator: "\n").filter { $0.hasPrefix("warning:") }
        #expect(warnings.count == 1, "\(prune.stderr)")
        #expect(warnings.first?.contains("lifecycle") == true, "\(prune.stderr)")
        #expect(warnings.first?.contains("403") == true, "\(prune.stderr)")
        let pruneReport = try Self.json(prune)
        #expect(Set(pruneReport["not_deleted_remote"] as? [String] ?? []) == Set(old.prefix(2).map { "backups/\($0)" }))
        #expect(pruneReport["removed_remote"] as? [String] == [])
        #expect(try Self.keys(bucket) == all)

        let sync = try Command.lifeboat(["sync", "--json"], environment: environment)
        #expect(sync.status == 0, "\(sync.stderr)")
        #expect(sync.stderr.split(separator: "\n").filter { $0.hasPrefix("warning:") }.count == 1, "\(sync.stderr)")
        let syncReport = try Self.json(sync)
        #expect((syncReport["not_deleted_remote"] as? [String])?.count == 2)
        #expect((syncReport["warnings"] as? [String])?.count == 1)

        let backup = try Command.lifeboat(
            ["backup", "--json", "--type", "daily", "--compress", "--no-encrypt", "--upload", "--cleanup"],
            environment: environment)
        #expect(backup.status == 0, "the backup does not fail: \(backup.stderr)")
        #expect(
            backup.stderr.split(separator: "\n").filter { $0.hasPrefix("warning:") && $0.contains("lifecycle") }.count
                == 1, "\(backup.stderr)")
        let backupReport = try Self.json(backup)
        #expect((backupReport["not_pruned"] as? [String])?.count == 3, "\(backupReport)")
        #expect(try Self.keys(bucket).isSuperset(of: all))
    }
}
