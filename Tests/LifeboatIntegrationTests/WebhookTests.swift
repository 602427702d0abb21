import Foundation
import Testing
import LifeboatCore

/// Webhooks from the real binary to a local receiver (`Tests/Fixtures/webhook/receiver.py`):
/// signed bodies, retries on 5xx with one delivery id, no retry on 4xx, and a receiver that is
/// down never failing a backup.
@Suite(.enabled(if: TestEnvironment.shouldRun))
struct WebhookTests {
    static let secret = "whsec-\(UUID().uuidString)"

    /// A backup environment posting to `urls`, signed, with quick retries and no disk warning
    /// (the test machine's free space must not add events).
    static func environment(_ database: ScratchDatabase, _ folder: ScratchFolder, urls: [String]) throws -> [String:
        String?]
    {
        var environment = try BackupRoundTripTests.environment(database, folder)
        environment["BACKUP_WEBHOOK_URL"] = urls.joined(separator: ", ")
        environment["BACKUP_WEBHOOK_SECRET"] = secret
        environment["BACKUP_WEBHOOK_BACKOFF"] = "0.05"
        environment["BACKUP_WEBHOOK_TIMEOUT"] = "5"
        environment["BACKUP_DISK_MIN_FREE_GB"] = "0"
        return environment
    }

    /// What every delivery must satisfy, whatever the event.
    static func expectWellFormed(_ request: WebhookReceiver.Request, event: String) {
        #expect(request.headers["content-type"] == "application/json")
        #expect(request.event == event)
        #expect(
            request.headers["x-lifeboat-signature"] == request.expectedSignature(secret: secret),
            "HMAC of the exact body")
        #expect(request.headers["expect"] == nil, "no 100-continue wait")
        let json = request.json
        #expect(json["event"] as? String == event)
        #expect(json["delivery_id"] as? String == request.headers["x-lifeboat-delivery"])
        #expect(UUID(uuidString: request.headers["x-lifeboat-delivery"] ?? "") != nil)
        #expect((json["time"] as? String).flatMap { try? Date($0, strategy: .iso8601) } != nil, "\(json["time"] ?? "")")
        #expect((json["host"] as? String)?.isEmpty == false)
        #expect(json["text"] == nil, "json format has no chat line")
    }

    @Test func backupAndVerificationEventsArriveSigned() throws {
        let receiver = try WebhookReceiver()
        let database = try ScratchDatabase()
        let folder = try ScratchFolder()
        let environment = try Self.environment(database, folder, urls: [receiver.url])
        let backup = try Command.lifeboat(
            ["backup", "--type", "daily", "--compress", "--verify"], environment: environment)
        try #require(backup.succeeded, "\(backup.stderr)")
        let name = try #require(folder.files.first { BackupName(fileName: $0) != nil })
        let file = folder.url.appendingPathComponent(name)
        let manifest = try BackupManifest.read(from: URL(fileURLWithPath: file.path + ".manifest.json"))

        let completed = try #require(receiver.requests(for: "backup.completed").first)
        Self.expectWellFormed(completed, event: "backup.completed")
        #expect(completed.path == "/hook")
        let details = completed.details
        #expect(details["file"] as? String == file.lastPathComponent)
        #expect(details["path"] as? String == file.path)
        #expect(details["type"] as? String == "daily")
        #expect((details["bytes"] as? NSNumber)?.int64Value == manifest.fileBytes)
        #expect(details["sha256"] as? String == manifest.sha256)
        #expect((details["rows"] as? NSNumber)?.int64Value == manifest.totalRows)
        #expect(details["tables"] as? Int == manifest.tables.count)
        #expect(details["duration_seconds"] is Double || details["duration_seconds"] is Int)

        let verified = try #require(receiver.requests(for: "backup.verified").first)
        Self.expectWellFormed(verified, event: "backup.verified")
        #expect(verified.details["file"] as? String == file.lastPathComponent)
        #expect(verified.details["matched_manifest"] as? Bool == true)
        #expect(receiver.requests.map(\.event) == ["backup.completed", "backup.verified"], "one delivery each")
        #expect(Set(receiver.requests.map { $0.headers["x-lifeboat-delivery"] }).count == 2)

        // A backup that cannot start announces itself too, with the stage and what to do.
        var broken = environment
        broken["DATABASE_URL"] = try TestEnvironment.url(for: "lifeboat_no_such_database")
        let failed = try Command.lifeboat(["backup", "--type", "weekly"], environment: broken)
        #expect(failed.status == 1, "\(failed.stderr)")
        let event = try #require(receiver.requests(for: "backup.failed").first)
        Self.expectWellFormed(event, event: "backup.failed")
        #expect(event.details["type"] as? String == "weekly")
        #expect(event.details["stage"] as? String == "connect")
        #expect((event.details["error"] as? String)?.contains("lifeboat_no_such_database") == true)
        #expect((event.details["hint"] as? String)?.isEmpty == false)
    }

    @Test func serverErrorsAreRetriedWithTheSameDelivery() throws {
        let receiver = try WebhookReceiver(statuses: ["503", "503", "200"])
        let database = try ScratchDatabase()
        let folder = try ScratchFolder()
        let result = try Command.lifeboat(
            ["backup", "--type", "manual"],
            environment: try Self.environment(database, folder, urls: [receiver.url]))
        #expect(result.status == 0, "\(result.stderr)")
        let tries = receiver.requests(for: "backup.completed")
        #expect(tries.map(\.status) == [503, 503, 200])
        #expect(Set(tries.map { $0.headers["x-lifeboat-delivery"] }).count == 1, "one delivery id across retries")
        #expect(Set(tries.map(\.body)).count == 1, "the same body, so the same signature")
        for request in tries { Self.expectWellFormed(request, event: "backup.completed") }
        #expect(!result.stderr.contains("not delivered"), "\(result.stderr)")
    }

    @Test func receiverThatNeverAnswersIsAbandonedAfterTheTimeoutAndRetried() throws {
        let receiver = try WebhookReceiver(statuses: ["hang"])
        let database = try ScratchDatabase()
        let folder = try ScratchFolder()
        var environment = try Self.environment(database, folder, urls: [receiver.url])
        environment["BACKUP_WEBHOOK_TIMEOUT"] = "0.5"
        let started = Date()
        let result = try Command.lifeboat(["backup", "--type", "manual"], environment: environment)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(Date().timeIntervalSince(started) < 30, "the hanging attempt was cut short")
        let tries = receiver.requests(for: "backup.completed")
        #expect(tries.map(\.status) == [0, 200])
        #expect(Set(tries.map { $0.headers["x-lifeboat-delivery"] }).count == 1)
        #expect(!result.stderr.contains("not delivered"), "\(result.stderr)")
    }

    @Test func clientErrorIsNotRetriedAndTheBackupStillSucceeds() throws {
        let receiver = try WebhookReceiver(statuses: ["400"])
        let database = try ScratchDatabase()
        let folder = try ScratchFolder()
        let result = try Command.lifeboat(
            ["backup", "--type", "manual"],
            environment: try Self.environment(database, folder, urls: [receiver.url]))
        #expect(result.status == 0, "\(result.stderr)")
        #expect(receiver.requests.count == 1, "exactly one request: a 4xx is final")
        #expect(receiver.requests.first?.status == 400)
        #expect(
            result.stderr.contains(
                "warning: webhook backup.completed to http://127.0.0.1:\(receiver.port)/… not delivered: HTTP 400, not retried"
            ),
            "\(result.stderr)")
        #expect(folder.files.filter { BackupName(fileName: $0) != nil }.count == 1)
    }

    @Test func unreachableReceiverIsLoggedAndNeverFailsTheBackup() throws {
        let receiver = try WebhookReceiver()
        let closed = try FakeAzure.freePort()
        let database = try ScratchDatabase()
        let folder = try ScratchFolder()
        let unreachable = "http://hookuser:userinfo-token@127.0.0.1:\(closed)/hook/path-token?token=query-token"
        var environment = try Self.environment(database, folder, urls: [unreachable, receiver.url])
        environment["BACKUP_WEBHOOK_ATTEMPTS"] = "3"
        let result = try Command.lifeboat(["backup", "--type", "manual", "--json"], environment: environment)
        #expect(result.status == 0, "\(result.stderr)")
        let json = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
        let path = try #require(json?["path"] as? String)
        #expect(FileManager.default.fileExists(atPath: path))
        #expect(
            result.stderr.contains("webhook backup.completed to http://127.0.0.1:\(closed)/… not delivered"),
            "\(result.stderr)")
        #expect(result.stderr.contains("after 3 attempts"), "\(result.stderr)")
        for token in ["userinfo-token", "path-token", "query-token"] { #expect(!result.stderr.contains(token)) }
        // The other URL is served all the same.
        #expect(receiver.requests(for: "backup.completed").count == 1)
    }

    @Test func slackFormatAddsTheChatLine() throws {
        let receiver = try WebhookReceiver()
        let database = try ScratchDatabase()
        let folder = try ScratchFolder()
        var environment = try Self.environment(database, folder, urls: [receiver.url])
        environment["BACKUP_WEBHOOK_FORMAT"] = "slack"
        let (file, _) = try BackupRoundTripTests.backup(["--type", "daily", "--compress"], environment)
        let request = try #require(receiver.requests(for: "backup.completed").first)
        let text = try #require(request.json["text"] as? String)
        #expect(text.hasPrefix(":white_check_mark: backup.completed on "), "\(text)")
        #expect(text.contains(": \(file.lastPathComponent) ("), "\(text)")
        #expect(text.hasSuffix(" s)"), "\(text)")
        #expect(request.headers["x-lifeboat-signature"] == request.expectedSignature(secret: Self.secret))
        #expect(request.details["file"] as? String == file.lastPathComponent)
    }

    @Test func verificationFailureCarriesTheMismatches() throws {
        let (database, folder, file, manifest) = try VerifyTests.encryptedBackup()
        var edited = manifest
        let index = try #require(edited.tables.firstIndex { $0.name == "rental" })
        edited.tables[index].rows += 5
        try edited.write(to: URL(fileURLWithPath: file.path + ".manifest.json"))

        let receiver = try WebhookReceiver()
        let result = try Command.lifeboat(
            ["verify", file.path], environment: try Self.environment(database, folder, urls: [receiver.url]))
        #expect(result.status == 3, "\(result.stderr)")
        let request = try #require(receiver.requests(for: "backup.verification_failed").first)
        Self.expectWellFormed(request, event: "backup.verification_failed")
        let details = request.details
        #expect(details["file"] as? String == file.lastPathComponent)
        #expect(details["verdict"] as? String == "bad")
        #expect(details["failed_check"] as? String == "row counts")
        #expect((details["error"] as? String)?.contains("public.rental: expected 16049 rows, found 16044") == true)
        let mismatches = try #require(details["mismatches"] as? [[String: Any]])
        #expect(mismatches.count == 1)
        #expect(mismatches.first?["table"] as? String == "public.rental")
        #expect(mismatches.first?["expected"] as? Int == 16049)
        #expect(mismatches.first?["actual"] as? Int == 16044)
        #expect(receiver.requests(for: "backup.verified").isEmpty)
    }

    @Test func failedUploadEmitsCloudSyncFailed() throws {
        let receiver = try WebhookReceiver()
        let closed = try FakeAzure.freePort()
        let database = try ScratchDatabase()
        let folder = try ScratchFolder()
        var environment = try Self.environment(database, folder, urls: [receiver.url])
        environment["BACKUP_CLOUD_SYNC_ENABLED"] = "true"
        environment["BACKUP_CLOUD_PROVIDER"] = "s3"
        environment["BACKUP_CLOUD_BUCKET"] = "lifeboat-nowhere"
        environment["BACKUP_CLOUD_ENDPOINT"] = "http://127.0.0.1:\(closed)"
        environment["AWS_ACCESS_KEY_ID"] = "AKIDEXAMPLE"
        environment["AWS_SECRET_ACCESS_KEY"] = "not-a-real-secret"
        let result = try Command.lifeboat(["backup", "--type", "daily"], environment: environment)
        #expect(result.status == 1, "the upload failed: \(result.stderr)")
        #expect(result.stderr.contains("is kept"))
        let completed = try #require(receiver.requests(for: "backup.completed").first)
        let failed = try #require(receiver.requests(for: "cloud_sync.failed").first)
        Self.expectWellFormed(failed, event: "cloud_sync.failed")
        #expect(failed.details["file"] as? String == completed.details["file"] as? String)
        #expect(failed.details["stage"] as? String == "cloud")
        #expect((failed.details["error"] as? String)?.isEmpty == false)
        #expect(!failed.body.contains("not-a-real-secret"))
    }
}

/// The free-space check before a backup: a warning (and disk.low) below the threshold, and a
/// refusal, before pg_dump starts, when the estimate does not fit.
@Suite(.enabled(if: TestEnvironment.shouldRun))
struct DiskSpaceTests {
    @Test func belowTheThresholdWarnsAndEmitsDiskLow() throws {
        let receiver = try WebhookReceiver()
        let database = try ScratchDatabase()
        let folder = try ScratchFolder()
        var environment = try WebhookTests.environment(database, folder, urls: [receiver.url])
        environment["BACKUP_DISK_MIN_FREE_GB"] = "100000"
        let result = try Command.lifeboat(["backup", "--type", "manual"], environment: environment)
        #expect(result.status == 0, "a warning only: \(result.stderr)")
        #expect(result.stderr.contains("warning: low disk space: \(folder.path) has "), "\(result.stderr)")
        #expect(result.stderr.contains("below BACKUP_DISK_MIN_FREE_GB (100.0 TB)"), "\(result.stderr)")
        let event = try #require(receiver.requests(for: "disk.low").first)
        WebhookTests.expectWellFormed(event, event: "disk.low")
        #expect(event.details["directory"] as? String == folder.path)
        let threshold = (event.details["threshold_bytes"] as? NSNumber)?.int64Value
        #expect(threshold == Int64(100_000) * 1_000_000_000, "\(event.body)")
        #expect(((event.details["free_bytes"] as? NSNumber)?.int64Value ?? 0) > 0)
        #expect(receiver.requests(for: "backup.completed").count == 1)
        #expect(receiver.requests.map(\.event) == ["disk.low", "backup.completed"])
    }

    @Test func backupThatWouldNotFitIsRefusedBeforePgDump() throws {
        let receiver = try WebhookReceiver()
        let database = try ScratchDatabase()
        let folder = try ScratchFolder()
        let environment = try WebhookTests.environment(database, folder, urls: [receiver.url])
        let (file, manifest) = try BackupRoundTripTests.backup(["--type", "daily", "--compress"], environment)
        // A newer daily backup whose manifest claims an exabyte (within the hour: a name further
        // ahead of the clock is never the newest, see BackupClock).
        let fake = BackupName(
            type: .daily, timestamp: Date().addingTimeInterval(1800), compressed: true, encrypted: false
        ).fileName
        try FileManager.default.copyItem(at: file, to: folder.url.appendingPathComponent(fake))
        var huge = manifest
        huge.fileName = fake
        huge.fileBytes = 1 << 60
        try huge.write(to: folder.url.appendingPathComponent(fake + ".manifest.json"))
        let before = folder.files

        let refused = try Command.lifeboat(["backup", "--type", "daily", "--compress"], environment: environment)
        #expect(refused.status == 1, "\(refused.stderr)")
        #expect(
            refused.stderr.contains("error: disk space: not enough room in \(folder.path) for a daily backup: "),
            "\(refused.stderr)")
        #expect(
            refused.stderr.contains(
                "about 1.2 EB needed (estimated from file_bytes in the manifest of the newest daily backup, \(fake))"),
            "\(refused.stderr)")
        #expect(refused.stderr.contains("pg_dump was not started"))
        #expect(refused.stderr.contains("lifeboat prune") && refused.stderr.contains("BACKUP_DIR"))
        #expect(folder.files == before, "no new backup, no partial file")
        let failed = try #require(receiver.requests(for: "backup.failed").first)
        #expect(failed.details["stage"] as? String == "disk space")

        // The operator who knows better can go ahead.
        let forced = try Command.lifeboat(
            ["backup", "--type", "daily", "--compress", "--skip-disk-check"], environment: environment)
        #expect(forced.status == 0, "\(forced.stderr)")
        #expect(folder.files.count == before.count + 2)
    }
}
