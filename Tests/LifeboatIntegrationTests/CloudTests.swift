import Foundation
import Testing
import LifeboatCore
import LifeboatCloud

/// Cloud sync against a real S3 API (moto_server on loopback), checked with the real aws CLI.
@Suite(.enabled(if: TestEnvironment.shouldRun))
struct CloudTests {
    static let credentials = [
        "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing-secret-value", "AWS_REGION": "us-east-1"
    ]

    /// A fresh bucket on the test server.
    static func bucket() throws -> String {
        let name = "lbt-\(UInt32.random(in: 0...UInt32.max))"
        let result = try aws(["s3api", "create-bucket", "--bucket", name])
        try #require(result.succeeded, "create-bucket: \(result.stderr)")
        return name
    }

    static func aws(_ arguments: [String], endpoint: String? = nil) throws -> CommandResult {
        var environment: [String: String?] = credentials
        environment["AWS_DEFAULT_REGION"] = "us-east-1"
        return try Command.run(
            "/usr/bin/env",
            ["aws", "--endpoint-url", try endpoint ?? TestEnvironment.require("LIFEBOAT_TEST_S3_ENDPOINT")] + arguments,
            environment: environment)
    }

    static func environment(_ database: ScratchDatabase, _ folder: ScratchFolder, bucket: String) throws -> [String:
        String?]
    {
        var environment = try BackupRoundTripTests.environment(database, folder)
        for (key, value) in credentials { environment[key] = value }
        environment["BACKUP_CLOUD_BUCKET"] = bucket
        environment["BACKUP_CLOUD_ENDPOINT"] = try TestEnvironment.require("LIFEBOAT_TEST_S3_ENDPOINT")
        return environment
    }

    @Test func uploadIsByteIdenticalForAwsAndFetchReadsWhatAwsPut() throws {
        let database = try ScratchDatabase()
        let folder = try ScratchFolder()
        let bucket = try Self.bucket()
        let environment = try Self.environment(database, folder, bucket: bucket)
        let (file, _) = try BackupRoundTripTests.backup(
            ["--type", "daily", "--compress", "--encrypt", "--upload"], environment)
        let copy = folder.url.appendingPathComponent("from-aws")
        let get = try Self.aws(["s3", "cp", "s3://\(bucket)/backups/\(file.lastPathComponent)", copy.path])
        try #require(get.succeeded, "\(get.stderr)")
        #expect(try Data(contentsOf: copy) == Data(contentsOf: file))

        // A backup put there by aws is fetched and verifies.
        let elsewhere = try ScratchFolder()
        let other = "backup_weekly_20250118T040000Z.sql.gz.gpg"
        for (source, name) in [(file.path, other), (file.path + ".manifest.json", other + ".manifest.json")] {
            let put = try Self.aws(["s3", "cp", source, "s3://\(bucket)/backups/\(name)"])
            try #require(put.succeeded, "\(put.stderr)")
        }
        var fetchEnvironment = environment
        fetchEnvironment["BACKUP_DIR"] = elsewhere.path
        let fetch = try Command.lifeboat(["fetch", other], environment: fetchEnvironment)
        try #require(fetch.succeeded, "\(fetch.stderr)")
        #expect(try Data(contentsOf: elsewhere.url.appendingPathComponent(other)) == Data(contentsOf: file))
        let verify = try Command.lifeboat(
            ["verify", elsewhere.url.appendingPathComponent(other).path], environment: fetchEnvironment)
        #expect(verify.status == 0, "\(verify.stderr)")

        let list = try Command.lifeboat(["list", "--remote", "--json"], environment: environment)
        let listed = try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [[String: Any]]
        #expect(listed?.compactMap { $0["name"] as? String } == [file.lastPathComponent, other])
    }

    @Test func multipartUploadAndCleanAbort() throws {
        let database = try ScratchDatabase(fromPagila: false)
        let pgbench = try Command.run(
            try TestEnvironment.pgBin + "/pgbench", ["-i", "-q", "-s", "1", "-d", database.url])
        try #require(pgbench.succeeded, "\(pgbench.stderr)")
        let folder = try ScratchFolder()
        let bucket = try Self.bucket()
        var environment = try Self.environment(database, folder, bucket: bucket)
        environment["BACKUP_CLOUD_MULTIPART_THRESHOLD_MB"] = "5"
        environment["BACKUP_CLOUD_PART_SIZE_MB"] = "5"
        let (file, _) = try BackupRoundTripTests.backup(
            ["--type", "manual", "--no-compress", "--no-encrypt", "--upload"], environment)
        let size = try #require(
            (try FileManager.default.attributesOfItem(atPath: file.path)[.size] as? NSNumber)?.intValue)
        let parts = (size + (5 << 20) - 1) / (5 << 20)
        #expect(parts >= 2, "big enough for several parts")
        let head = try Self.aws([
            "s3api", "head-object", "--bucket", bucket, "--key", "backups/\(file.lastPathComponent)"
        ])
        try #require(head.succeeded, "\(head.stderr)")
        #expect(head.stdout.contains("-\(parts)\\\""), "multipart ETag: \(head.stdout)")
        // The parts went up with CRC-32 checksums: the server keeps the composite of the parts'
        // CRCs, computed here with Python's binascii from the file.
        let checksummed = try Self.aws([
            "s3api", "head-object", "--bucket", bucket, "--key", "backups/\(file.lastPathComponent)",
            "--checksum-mode", "ENABLED", "--query", "ChecksumCRC32", "--output", "text"
        ])
        try #require(checksummed.succeeded, "\(checksummed.stderr)")
        let composite = try Command.run(
            "/usr/bin/env",
            [
                "python3", "-c",
                """
                import base64, binascii, sys
                crcs = b""
                with open(sys.argv[1], "rb") as f:
                    while block := f.read(5 << 20):
                        crcs += binascii.crc32(block).to_bytes(4, "big")
                print(base64.b64encode(binascii.crc32(crcs).to_bytes(4, "big")).decode())
                """, file.path
            ])
        try #require(composite.succeeded, "\(composite.stderr)")
        #expect(
            checksummed.stdout.trimmingCharacters(in: .whitespacesAndNewlines).hasPrefix(
                composite.stdout.trimmingCharacters(in: .whitespacesAndNewlines)),
            "composite CRC-32: \(checksummed.stdout)")

        // AWS_REQUEST_CHECKSUM_CALCULATION=when_required: parts with Content-MD5 only, and the
        // object still arrives whole.
        var environmentMD5Only = environment
        environmentMD5Only["AWS_REQUEST_CHECKSUM_CALCULATION"] = "when_required"
        environmentMD5Only["BACKUP_CLOUD_PREFIX"] = "md5-only"
        let synced = try Command.lifeboat(["sync", "--no-prune"], environment: environmentMD5Only)
        try #require(synced.succeeded, "\(synced.stderr)")
        let plainHead = try Self.aws([
            "s3api", "head-object", "--bucket", bucket, "--key", "md5-only/backups/\(file.lastPathComponent)",
            "--checksum-mode", "ENABLED", "--query", "[ChecksumCRC32, ETag]", "--output", "text"
        ])
        try #require(plainHead.succeeded, "\(plainHead.stderr)")
        #expect(plainHead.stdout.hasPrefix("None"), "no CRC-32 was asked for: \(plainHead.stdout)")
        #expect(plainHead.stdout.contains("-\(parts)"), "multipart ETag: \(plainHead.stdout)")
        let copy = folder.url.appendingPathComponent("copy")
        #expect(try Self.aws(["s3", "cp", "s3://\(bucket)/backups/\(file.lastPathComponent)", copy.path]).succeeded)
        #expect(try Data(contentsOf: copy) == Data(contentsOf: file))

        // Parts below S3's 5 MiB minimum make the completion fail: the upload must be aborted.
        let store = S3Store(
            settings: {
                var settings = S3Store.Settings(
                    bucket: bucket, endpoint: try! TestEnvironment.require("LIFEBOAT_TEST_S3_ENDPOINT"),
                    region: "us-east-1", accessKey: "testing", secretKey: "testing-secret-value", sessionToken: nil)
                settings.multipartThreshold = 1 << 20
                settings.partSize = 1 << 20
                return settings
            }())
        #expect(throws: CloudError.self) { try store.upload(file, to: "backups/too-small-parts") }
        let uploads = try Self.aws(["s3api", "list-multipart-uploads", "--bucket", bucket])
        #expect(uploads.succeeded)
        #expect(!uploads.stdout.contains("UploadId"), "no incomplete multipart upload remains: \(uploads.stdout)")
    }

    @Test func killedDownloadResumesAndCorruptPartialIsCaught() throws {
        let database = try ScratchDatabase(fromPagila: false)
        let pgbench = try Command.run(
            try TestEnvironment.pgBin + "/pgbench", ["-i", "-q", "-s", "1", "-d", database.url])
        try #require(pgbench.succeeded, "\(pgbench.stderr)")
        let folder = try ScratchFolder()
        let bucket = try Self.bucket()
        let environment = try Self.environment(database, folder, bucket: bucket)
        let (file, manifest) = try BackupRoundTripTests.backup(
            ["--type", "manual", "--no-compress", "--no-encrypt", "--upload"], environment)
        let target = try ScratchFolder()
        var fetchEnvironment = environment
        fetchEnvironment["BACKUP_DIR"] = target.path

        // A slow fetch (1 MiB/s), killed with SIGKILL part way.
        var slow = ProcessInfo.processInfo.environment
        for (key, value) in fetchEnvironment { slow[key] = value ?? nil }
        slow["BACKUP_CLOUD_MAX_RATE_KBPS"] = "1024"
        slow["LIFEBOAT_ENV_FILE"] = "/dev/null"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Command.lifeboatPath)
        process.arguments = ["fetch", file.lastPathComponent]
        process.environment = slow
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let partial = target.url.appendingPathComponent(".\(file.lastPathComponent).partial")
        var partialSize = 0
        for _ in 0..<1200 where partialSize < 2 << 20 && process.isRunning {  // a hang guard
            usleep(100_000)
            partialSize =
                (try? FileManager.default.attributesOfItem(atPath: partial.path)[.size] as? NSNumber)?.intValue ?? 0
        }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        partialSize =
            (try FileManager.default.attributesOfItem(atPath: partial.path)[.size] as? NSNumber)?.intValue ?? 0
        #expect(
            partialSize > 0 && Int64(partialSize) < manifest.fileBytes,
            "killed part way: \(partialSize) of \(manifest.fileBytes)")

        let resumed = try Command.lifeboat(["fetch", file.lastPathComponent, "--json"], environment: fetchEnvironment)
        try #require(resumed.succeeded, "\(resumed.stderr)")
        let report = try JSONSerialization.jsonObject(with: Data(resumed.stdout.utf8)) as? [String: Any]
        #expect((report?["resumed_from"] as? Int) == partialSize, "resumed from the partial file's length")
        #expect((report?["downloaded"] as? Int) == Int(manifest.fileBytes) - partialSize)
        #expect(
            try Data(contentsOf: target.url.appendingPathComponent(file.lastPathComponent)) == Data(contentsOf: file))

        // A partial file with wrong bytes is caught by the final hash and removed.
        let second = try ScratchFolder()
        var corruptEnvironment = fetchEnvironment
        corruptEnvironment["BACKUP_DIR"] = second.path
        try Data(repeating: 0x41, count: 100_000).write(
            to: second.url.appendingPathComponent(".\(file.lastPathComponent).partial"))
        let corrupt = try Command.lifeboat(["fetch", file.lastPathComponent], environment: corruptEnvironment)
        #expect(corrupt.status == 3, "\(corrupt.stderr)")
        #expect(corrupt.stderr.contains("the download was removed"))
        #expect(second.files.isEmpty, "\(second.files)")
    }

    @Test func missingBucketNamesNoSuchBucket() throws {
        let database = try ScratchDatabase()
        let folder = try ScratchFolder()
        let environment = try Self.environment(
            database, folder, bucket: "lbt-no-such-bucket-\(UInt32.random(in: 0...UInt32.max))")
        let result = try Command.lifeboat(["backup", "--type", "daily", "--upload"], environment: environment)
        #expect(result.status == 1)
        #expect(result.stderr.contains("404 NoSuchBucket"), "\(result.stderr)")
        #expect(result.stderr.contains("local backup"), "the local backup is kept and the message says so")
        #expect(folder.files.filter { BackupName(fileName: $0) != nil }.count == 1)
    }

    @Test func remoteRetentionDeletesExactlyTheExpectedKeys() throws {
        let bucket = try Self.bucket()
        let names = syntheticNames()
        let foreign = [
            "backups/notes.txt", "backups/backup_daily_garbage.sql", "other/backup_daily_20240101T030000Z.sql.gz",
            "backups/nested/backup_daily_20240101T030000Z.sql.gz"
        ]
        let empty = try ScratchFolder()
        // One aws call uploads the whole synthetic set (one process per key takes minutes).
        let staged = try ScratchFolder()
        for file in names.flatMap({ [$0.fileName, $0.manifestName] }) + ["notes.txt", "backup_daily_garbage.sql"] {
            try Data("x".utf8).write(to: staged.url.appendingPathComponent(file))
        }
        #expect(try Self.aws(["s3", "cp", "--recursive", "--quiet", staged.path, "s3://\(bucket)/backups/"]).succeeded)
        for key in foreign where !key.hasPrefix("backups/notes") && !key.hasPrefix("backups/backup_daily_garbage") {
            #expect(
                try Self.aws([
                    "s3", "cp", "--quiet", staged.url.appendingPathComponent("notes.txt").path, "s3://\(bucket)/\(key)"
                ]).succeeded)
        }
        var environment: [String: String?] = Self.credentials
        environment["BACKUP_DIR"] = empty.path
        environment["BACKUP_CLOUD_BUCKET"] = bucket
        environment["BACKUP_CLOUD_ENDPOINT"] = try TestEnvironment.require("LIFEBOAT_TEST_S3_ENDPOINT")
        environment["BACKUP_CLOUD_SYNC_ENABLED"] = "true"
        let dryRun = try Command.lifeboat(["prune", "--dry-run"], environment: environment)
        #expect(dryRun.succeeded, "\(dryRun.stderr)")
        let prune = try Command.lifeboat(["prune", "--json"], environment: environment)
        try #require(prune.succeeded, "\(prune.stderr)")
        let listing = try Self.aws([
            "s3api", "list-objects-v2", "--bucket", bucket, "--query", "Contents[].Key", "--output", "text"
        ])
        let remaining = Set(listing.stdout.split(whereSeparator: { $0.isWhitespace }).map(String.init))
        let plan = RetentionPolicy.seedDefaults.plan(names)
        let expected = Set(plan.keep.flatMap { ["backups/\($0.fileName)", "backups/\($0.manifestName)"] } + foreign)
        #expect(remaining == expected)
    }

    /// Forty days of daily backups, ten weeks of weeklies, fourteen months of monthlies, three manual.
    func syntheticNames() -> [BackupName] {
        let start = Date(timeIntervalSince1970: 1_704_067_200)
        var names: [BackupName] = []
        for day in 0..<40 {
            names.append(
                BackupName(
                    type: .daily, timestamp: start.addingTimeInterval(Double(day) * 86400), compressed: true,
                    encrypted: false))
        }
        for week in 0..<10 {
            names.append(
                BackupName(
                    type: .weekly, timestamp: start.addingTimeInterval(Double(week) * 7 * 86400 + 3600),
                    compressed: true, encrypted: true))
        }
        for month in 0..<14 {
            names.append(
                BackupName(
                    type: .monthly, timestamp: start.addingTimeInterval(Double(month) * 30 * 86400 + 7200),
                    compressed: true, encrypted: true))
        }
        for index in 0..<3 {
            names.append(
                BackupName(
                    type: .manual, timestamp: start.addingTimeInterval(Double(index) * 1000 + 60), compressed: false,
                    encrypted: false))
        }
        return names
    }
}
