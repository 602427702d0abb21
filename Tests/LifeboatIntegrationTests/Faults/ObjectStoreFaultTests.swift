import Foundation
import Testing
import LifeboatCore

/// The object store failing under `backup --upload`, `fetch` and `list --remote`: a moto_server
/// of the test's own killed mid-transfer, a fault-injecting proxy in front of the shared one
/// (500, 503, slow and truncated answers, in sequence), and expired temporary credentials.
/// Whatever fails, the local backup is kept, no download takes a final name unchecked, and
/// the message names the store's answer.
@Suite(.enabled(if: TestEnvironment.shouldRun))
struct ObjectStoreFaultTests {
    static func environment(_ database: ScratchDatabase, _ folder: ScratchFolder, bucket: String, endpoint: String)
        throws -> [String: String?]
    {
        var environment = try CloudTests.environment(database, folder, bucket: bucket)
        environment["BACKUP_CLOUD_ENDPOINT"] = endpoint
        environment["BACKUP_DISK_MIN_FREE_GB"] = "0"
        return environment
    }

    /// The local backup is whole: its manifest's SHA-256 is the file's.
    static func intact(_ file: String) throws -> Bool {
        let manifest = try BackupManifest.read(from: URL(fileURLWithPath: file + ".manifest.json"))
        return try Faults.sha256(file) == manifest.sha256
    }

    static func keys(_ bucket: String) throws -> [String] {
        let listing = try CloudTests.aws([
            "s3api", "list-objects-v2", "--bucket", bucket, "--query", "Contents[].Key", "--output", "text"
        ])
        return listing.stdout.split(whereSeparator: { $0.isWhitespace }).map(String.init).filter { $0 != "None" }
    }

    @Test func uploadRetriesThrough500And503AndSlowAnswers() throws {
        try FaultLog.run("upload: 500, 503 and a slow answer, then success") { fault in
            let proxy = try FaultProxy()
            let database = try ScratchDatabase()
            let folder = try ScratchFolder()
            let bucket = try CloudTests.bucket()
            let environment = try Self.environment(database, folder, bucket: bucket, endpoint: proxy.endpoint)
            try proxy.queue([
                ["fault": "500", "method": "PUT"], ["fault": "503", "method": "PUT"],
                ["fault": "slow", "method": "PUT", "seconds": 2]
            ])
            let result = try Command.lifeboat(
                ["backup", "--type", "daily", "--compress", "--upload", "--json"], environment: environment)
            fault.check(result.succeeded, "the retries get it through: \(result.stderr)")
            let file = try #require(Faults.backups(folder).first)
            let copy = folder.url.appendingPathComponent("from-aws")
            let get = try CloudTests.aws(["s3", "cp", "s3://\(bucket)/backups/\(file)", copy.path])
            fault.check(
                get.succeeded
                    && (try? Data(contentsOf: copy))
                        == (try? Data(contentsOf: folder.url.appendingPathComponent(file))),
                "the object is the file, byte for byte")
            let puts = try proxy.log().filter {
                $0["method"] as? String == "PUT" && ($0["path"] as? String)?.hasSuffix(file) == true
            }
            fault.check(
                puts.map { $0["fault"] as? String ?? "" } == ["500", "503", "slow"],
                "three tries of the backup's PUT: \(puts)")
        }
    }

    @Test func persistent503FailsTheUploadAndKeepsTheLocalBackup() throws {
        try FaultLog.run("upload: 503 on every try") { fault in
            let proxy = try FaultProxy()
            let database = try ScratchDatabase()
            let folder = try ScratchFolder()
            let bucket = try CloudTests.bucket()
            let environment = try Self.environment(database, folder, bucket: bucket, endpoint: proxy.endpoint)
            try proxy.queue([["fault": "503", "method": "PUT", "times": 10]])
            let result = try Command.lifeboat(
                ["backup", "--type", "daily", "--compress", "--upload"], environment: environment)
            fault.check(result.status == 1, "the upload fails: \(result.stderr)")
            fault.check(
                result.stderr.contains("503 SlowDown: Please reduce your request rate."),
                "the store's answer: \(result.stderr)")
            fault.check(result.stderr.contains("is kept"), "the local backup is kept, and it says so: \(result.stderr)")
            let file = try #require(Faults.backups(folder).first)
            fault.check(try Self.intact(folder.url.appendingPathComponent(file).path), "the local backup is whole")
            fault.check(
                try proxy.log().filter { $0["fault"] as? String == "503" }.count == 4, "tried four times in all")
            fault.check(try Self.keys(bucket).isEmpty, "nothing in the bucket")
        }
    }

    /// A download whose body stops half-way: fetch fails, keeps the partial file hidden, and
    /// the next fetch asks for the rest only and checks the whole against the manifest.
    @Test func truncatedDownloadIsResumedAndChecked() throws {
        try FaultLog.run("fetch: truncated body, then resumed") { fault in
            let proxy = try FaultProxy()
            let database = try ScratchDatabase()
            let folder = try ScratchFolder()
            let bucket = try CloudTests.bucket()
            let direct = try Self.environment(
                database, folder, bucket: bucket, endpoint: try TestEnvironment.require("LIFEBOAT_TEST_S3_ENDPOINT"))
            let (file, _) = try BackupRoundTripTests.backup(["--type", "daily", "--no-compress", "--upload"], direct)
            let name = file.lastPathComponent
            let target = try ScratchFolder()
            var environment = try Self.environment(database, target, bucket: bucket, endpoint: proxy.endpoint)
            environment["BACKUP_DIR"] = target.path
            // The manifest's GET comes first and passes; the backup's is cut.
            try proxy.queue([
                ["fault": "pass", "method": "GET", "path": "/\(name)"],
                ["fault": "truncate", "method": "GET", "path": "/\(name)"]
            ])
            let cut = try Command.lifeboat(["fetch", name], environment: environment)
            fault.check(cut.status == 1, "the fetch fails: \(cut.stderr)")
            fault.check(cut.stderr.contains("download backups/\(name) failed"), "names the download: \(cut.stderr)")
            fault.check(
                cut.stderr.contains("run fetch again") || cut.stderr.contains("resume"),
                "says how to go on: \(cut.stderr)")
            fault.check(Faults.backupLike(target).isEmpty, "no file that looks like a backup: \(target.files)")
            fault.check(
                Faults.hidden(target) == [".\(name).partial"],
                "the partial file is kept for the next try: \(target.files)")

            let resumed = try Command.lifeboat(["fetch", name, "--json"], environment: environment)
            fault.check(resumed.succeeded, "the next fetch finishes: \(resumed.stderr)")
            let report = try JSONSerialization.jsonObject(with: Data(resumed.stdout.utf8)) as? [String: Any]
            fault.check((report?["resumed_from"] as? Int ?? 0) > 0, "it resumed: \(resumed.stdout)")
            fault.check(
                (try? Data(contentsOf: target.url.appendingPathComponent(name))) == (try? Data(contentsOf: file)),
                "the same bytes")
            let ranged = try proxy.log().filter {
                $0["method"] as? String == "GET" && ($0["path"] as? String)?.hasSuffix(name) == true
            }
            fault.check(ranged.count == 2, "one cut download, one ranged rest: \(ranged)")
        }
    }

    /// Listings, HEADs and manifest downloads with faults: a truncated listing and a 503 are
    /// retried, a truncated manifest fails the fetch before any data is written.
    @Test func truncatedListingIsRetriedAndTruncatedManifestStopsTheFetch() throws {
        let database = try ScratchDatabase()
        let folder = try ScratchFolder()
        let bucket = try CloudTests.bucket()
        let direct = try Self.environment(
            database, folder, bucket: bucket, endpoint: try TestEnvironment.require("LIFEBOAT_TEST_S3_ENDPOINT"))
        let (file, _) = try BackupRoundTripTests.backup(["--type", "daily", "--compress", "--upload"], direct)
        let name = file.lastPathComponent
        try FaultLog.run("list --remote: truncated listing and 503, retried") { fault in
            let proxy = try FaultProxy()
            let environment = try Self.environment(database, folder, bucket: bucket, endpoint: proxy.endpoint)
            try proxy.queue([
                ["fault": "truncate", "method": "GET", "path": "list-type"],
                ["fault": "503", "method": "GET", "path": "list-type"]
            ])
            let list = try Command.lifeboat(["list", "--remote", "--json"], environment: environment)
            fault.check(list.succeeded && list.stdout.contains(name), "the third try lists the backup: \(list.stderr)")
        }
        try FaultLog.run("fetch: truncated manifest") { fault in
            let proxy = try FaultProxy()
            let target = try ScratchFolder()
            var environment = try Self.environment(database, target, bucket: bucket, endpoint: proxy.endpoint)
            environment["BACKUP_DIR"] = target.path
            try proxy.queue([["fault": "truncate", "method": "GET", "path": ".manifest.json"]])
            let cut = try Command.lifeboat(["fetch", name], environment: environment)
            fault.check(cut.status == 1, "the fetch fails: \(cut.stderr)")
            fault.check(cut.stderr.contains(".manifest.json"), "names the manifest: \(cut.stderr)")
            fault.check(target.files.isEmpty, "nothing written: \(target.files)")
            let again = try Command.lifeboat(["fetch", name], environment: environment)
            fault.check(again.succeeded, "the next fetch works: \(again.stderr)")
        }
    }

    /// S3's answer to expired temporary credentials, injected: a 4xx, not retried, and the
    /// message says what to renew.
    @Test func expiredSessionTokenIsNamedAndNotRetried() throws {
        try FaultLog.run("expired temporary credentials (ExpiredToken)") { fault in
            let proxy = try FaultProxy()
            let database = try ScratchDatabase()
            let folder = try ScratchFolder()
            let bucket = try CloudTests.bucket()
            var environment = try Self.environment(database, folder, bucket: bucket, endpoint: proxy.endpoint)
            let token = "FQoGZXIvYXdzE-lifeboat-test-session-token-\(UInt32.random(in: 0...UInt32.max))"
            environment["AWS_SESSION_TOKEN"] = token
            try proxy.queue([["fault": "expired-token", "times": 10]])
            let result = try Command.lifeboat(
                ["backup", "--type", "daily", "--compress", "--upload"], environment: environment)
            fault.check(result.status == 1, "the upload fails: \(result.stderr)")
            fault.check(
                result.stderr.contains("400 ExpiredToken: The provided token has expired."),
                "the store's answer: \(result.stderr)")
            fault.check(
                result.stderr.contains("AWS_SESSION_TOKEN"), "says which credentials to renew: \(result.stderr)")
            fault.check(!result.stderr.contains(token) && !result.stdout.contains(token), "the token never appears")
            fault.check(
                try proxy.log().filter { $0["fault"] as? String == "expired-token" }.count == 1, "a 4xx is not retried")
            let file = try #require(Faults.backups(folder).first)
            fault.check(try Self.intact(folder.url.appendingPathComponent(file).path), "the local backup is kept whole")
        }
    }

    /// The real thing where moto allows it: temporary credentials from STS on a moto_server
    /// that checks signatures and tokens. They work; with a session token the server no longer
    /// knows, every command is refused at once with a message that says what to renew.
    @Test func revokedSessionTokenOnASigningServer() throws {
        try FaultLog.run("temporary credentials rejected by the server (InvalidToken)") { fault in
            let moto = try CloudAuthTests.AuthenticatingMoto()
            let trust =
                #"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"sts:AssumeRole"}]}"#
            let policy = #"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#
            try #require(
                try moto.aws(["iam", "create-role", "--role-name", "backup", "--assume-role-policy-document", trust])
                    .succeeded)
            try #require(
                try moto.aws([
                    "iam", "put-role-policy", "--role-name", "backup", "--policy-name", "all", "--policy-document",
                    policy
                ]).succeeded)
            let assumed = try moto.aws([
                "sts", "assume-role", "--role-arn", "arn:aws:iam::123456789012:role/backup", "--role-session-name",
                "lifeboat"
            ])
            try #require(assumed.succeeded, "\(assumed.stderr)")
            let credentials = try #require(
                (try JSONSerialization.jsonObject(with: Data(assumed.stdout.utf8)) as? [String: Any])?["Credentials"]
                    as? [String: Any])
            let key = try #require(credentials["AccessKeyId"] as? String)
            let secret = try #require(credentials["SecretAccessKey"] as? String)
            let token = try #require(credentials["SessionToken"] as? String)
            let created = try Command.run(
                "/usr/bin/env",
                ["aws", "--endpoint-url", moto.endpoint, "s3api", "create-bucket", "--bucket", "temporary"],
                environment: [
                    "AWS_ACCESS_KEY_ID": key, "AWS_SECRET_ACCESS_KEY": secret, "AWS_SESSION_TOKEN": token,
                    "AWS_DEFAULT_REGION": "us-east-1"
                ])
            try #require(created.succeeded, "\(created.stderr)")

            let database = try ScratchDatabase()
            let folder = try ScratchFolder()
            var environment = try Self.environment(database, folder, bucket: "temporary", endpoint: moto.endpoint)
            environment["AWS_ACCESS_KEY_ID"] = key
            environment["AWS_SECRET_ACCESS_KEY"] = secret
            environment["AWS_SESSION_TOKEN"] = token
            let good = try Command.lifeboat(
                ["backup", "--type", "daily", "--compress", "--upload"], environment: environment)
            fault.check(good.succeeded, "valid temporary credentials work: \(good.stderr)")

            let stale = "stale" + String(token.dropFirst(5))
            environment["AWS_SESSION_TOKEN"] = stale
            let started = Date()
            let upload = try Command.lifeboat(
                ["backup", "--type", "daily", "--compress", "--upload"], environment: environment)
            fault.check(upload.status == 1, "refused: \(upload.stderr)")
            fault.check(upload.stderr.contains("400 InvalidToken"), "the server's answer: \(upload.stderr)")
            fault.check(upload.stderr.contains("AWS_SESSION_TOKEN"), "says what to renew: \(upload.stderr)")
            fault.check(Date().timeIntervalSince(started) < 20, "not retried for long")
            let list = try Command.lifeboat(["list", "--remote"], environment: environment)
            fault.check(
                list.status == 1 && list.stderr.contains("InvalidToken") && list.stderr.contains("AWS_SESSION_TOKEN"),
                "\(list.stderr)")
            for text in [stale, token, secret] {
                fault.check(
                    !(upload.stderr + upload.stdout + list.stderr + list.stdout).contains(text),
                    "no secret in the output")
            }
            fault.check(
                Faults.backups(folder).count == 2 && Faults.hidden(folder).isEmpty,
                "both local backups kept: \(folder.files)")
        }
    }
}

/// moto_server killed in the middle of a transfer: a moto of the test's own.
@Suite(.enabled(if: TestEnvironment.shouldRun))
struct ObjectStoreKillFaultTests {
    @Test func motoKilledMidUpload() throws {
        try FaultLog.run("moto_server killed mid-upload") { fault in
            let moto = try OwnMoto()
            try #require(try moto.aws(["s3api", "create-bucket", "--bucket", "killed"]).succeeded)
            let database = try ScratchDatabase()
            let folder = try ScratchFolder()
            var environment = try ObjectStoreFaultTests.environment(
                database, folder, bucket: "killed", endpoint: moto.endpoint)
            environment["BACKUP_CLOUD_MAX_RATE_KBPS"] = "256"  // about 13 s for the plain dump: killed well before
            let log = folder.url.deletingLastPathComponent().appendingPathComponent(
                "lifeboat-upload-\(UUID().uuidString).log")
            defer { try? FileManager.default.removeItem(at: log) }
            let process = try Faults.spawn(
                ["backup", "--type", "daily", "--no-compress", "--upload"], environment: environment, output: log)
            // The upload starts once the backup and its manifest are written.
            let written = Faults.wait(120) { Faults.backupLike(folder).count == 2 }
            // Killed once moto has taken part of the body (more than any request's headers):
            // a fixed pause could kill it before the upload began on a busy machine.
            let uploading = Faults.wait(120) { moto.receivedBytes() > 64 * 1024 }
            moto.kill()
            let status = Faults.finish(process)
            let output = Faults.text(log)
            fault.check(written, "the backup was written before the upload: \(output)")
            fault.check(uploading, "moto was killed mid-upload: \(output)")
            fault.check(status == 1, "the upload fails: \(status) \(output)")
            fault.check(
                output.contains("error: cloud:") && output.contains("upload backups/"), "names the upload: \(output)")
            fault.check(output.contains("transport:"), "says the store could not be reached: \(output)")
            fault.check(output.contains("is kept"), "says the local backup is kept: \(output)")
            let file = try #require(Faults.backups(folder).first)
            fault.check(
                try ObjectStoreFaultTests.intact(folder.url.appendingPathComponent(file).path),
                "the local backup is whole")
            fault.check(Faults.hidden(folder).isEmpty, "no partial file: \(folder.files)")
        }
    }

    /// A 32 MB object (random bytes standing in for a backup, with a manifest holding its
    /// SHA-256), fetched at 4 MiB/s: big enough that the server is still sending when it dies
    /// (what the kernel's socket buffers held still arrives, then the connection ends).
    @Test func motoKilledMidDownloadThenResumedFromAnotherServer() throws {
        try FaultLog.run("moto_server killed mid-download") { fault in
            let source = try ScratchFolder()
            let name = "backup_manual_20250101T000000Z.sql"
            let file = source.url.appendingPathComponent(name)
            let made = try Command.shell("head -c 32000000 /dev/urandom > \(shellQuote(file.path))")
            try #require(made.succeeded, "\(made.stderr)")
            let manifest: [String: Any] = [
                "format_version": 1, "tool": "lifeboat", "tool_version": "test", "file_name": name, "type": "manual",
                "database": "stand_in", "server_version": "15", "pg_dump_version": "15", "pg_dump_path": "/bin/false",
                "started_at": "2025-01-01T00:00:00Z", "finished_at": "2025-01-01T00:00:01Z", "dump_bytes": 32_000_000,
                "file_bytes": 32_000_000, "sha256": try Faults.sha256(file.path), "tables": [[String: Any]]()
            ]
            try JSONSerialization.data(withJSONObject: manifest).write(
                to: URL(fileURLWithPath: file.path + ".manifest.json"))
            func serve(_ moto: OwnMoto) throws {
                try #require(try moto.aws(["s3api", "create-bucket", "--bucket", "killed"]).succeeded)
                let put = try moto.aws(["s3", "cp", "--quiet", "--recursive", source.path, "s3://killed/backups/"])
                try #require(put.succeeded, "\(put.stderr)")
            }
            let first = try OwnMoto()
            try serve(first)
            let target = try ScratchFolder()
            var environment: [String: String?] = CloudTests.credentials
            environment["BACKUP_DIR"] = target.path
            environment["BACKUP_CLOUD_BUCKET"] = "killed"
            environment["BACKUP_CLOUD_ENDPOINT"] = first.endpoint
            var slow = environment
            slow["BACKUP_CLOUD_MAX_RATE_KBPS"] = "4096"
            let log = source.url.appendingPathComponent("fetch.out")
            let process = try Faults.spawn(["fetch", name], environment: slow, output: log)
            let partial = target.url.appendingPathComponent(".\(name).partial")
            let size = {
                (try? FileManager.default.attributesOfItem(atPath: partial.path)[.size] as? NSNumber)?.intValue ?? 0
            }
            fault.check(Faults.wait(120) { size() > 1_000_000 }, "the download is under way")
            first.kill()
            let status = Faults.finish(process)
            let output = Faults.text(log)
            fault.check(status == 1, "the fetch fails: \(status) \(output)")
            fault.check(
                output.contains("error: cloud:") && output.contains("download backups/\(name) failed"),
                "names the download: \(output)")
            fault.check(Faults.backupLike(target).isEmpty, "no file that looks like a backup: \(target.files)")
            let kept = size()
            fault.check(
                kept > 0 && kept < 32_000_000 && Faults.hidden(target) == [".\(name).partial"],
                "the partial download is kept: \(kept) \(target.files)")

            // The bucket is back (here: another server with the same objects): fetch resumes.
            let second = try OwnMoto()
            try serve(second)
            environment["BACKUP_CLOUD_ENDPOINT"] = second.endpoint
            let resumed = try Command.lifeboat(["fetch", name, "--json"], environment: environment)
            fault.check(resumed.succeeded, "resumed: \(resumed.stderr)")
            let report = try JSONSerialization.jsonObject(with: Data(resumed.stdout.utf8)) as? [String: Any]
            fault.check(report?["resumed_from"] as? Int == kept, "from the partial file's length: \(resumed.stdout)")
            fault.check(
                try Faults.sha256(target.url.appendingPathComponent(name).path) == manifest["sha256"] as? String,
                "the same bytes")
            fault.check(Faults.hidden(target).isEmpty, "\(target.files)")
        }
    }
}

/// A moto_server of the test's own, without authentication, that a test may kill.
final class OwnMoto {
    private let process = Process()
    let endpoint: String
    private let log: URL

    init() throws {
        let port = try Faults.freePort()
        endpoint = "http://127.0.0.1:\(port)"
        log = FileManager.default.temporaryDirectory.appendingPathComponent("lifeboat-moto-\(port).log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let handle = try FileHandle(forWritingTo: log)
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["moto_server", "-H", "127.0.0.1", "-p", port]
        process.standardOutput = handle
        process.standardError = handle
        process.standardInput = FileHandle.nullDevice
        try process.run()
        try handle.close()
        let up = Faults.wait(120) { (try? self.aws(["s3api", "list-buckets"]))?.succeeded ?? false }
        try #require(up, "moto_server did not start: \(Faults.text(log))")
    }

    func aws(_ arguments: [String]) throws -> CommandResult {
        try Command.run(
            "/usr/bin/env", ["aws", "--endpoint-url", endpoint] + arguments,
            environment: [
                "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing-secret-value",
                "AWS_DEFAULT_REGION": "us-east-1"
            ])
    }

    /// The most bytes the kernel has acknowledged to moto on any one open connection (`ss`):
    /// how far an upload has got, seen from outside without a clock.
    func receivedBytes() -> Int {
        let port = endpoint.split(separator: ":").last.map(String.init) ?? ""
        let listed = try? Command.run(
            "/usr/bin/env", ["ss", "-Htin", "state", "established", "( dport = :\(port) )"])
        return (listed?.stdout ?? "").split(whereSeparator: \.isWhitespace).compactMap { field in
            field.hasPrefix("bytes_acked:") ? Int(field.dropFirst("bytes_acked:".count)) : nil
        }.max() ?? 0
    }

    /// SIGKILL: its signal mask came from a test thread, and a crash is what is simulated.
    func kill() {
        if process.isRunning { Foundation.kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    deinit {
        kill()
        try? FileManager.default.removeItem(at: log)
    }
}

/// Tests/Fixtures/faults/proxy.py in front of the shared moto_server.
final class FaultProxy {
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fixtures/faults/proxy.py").path
    private let process = Process()
    let endpoint: String
    private let folder: ScratchFolder

    init(upstream: String? = nil) throws {
        folder = try ScratchFolder()
        let portFile = folder.url.appendingPathComponent("port")
        let log = folder.url.appendingPathComponent("proxy.log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let handle = try FileHandle(forWritingTo: log)
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "python3", Self.script, "--upstream", try upstream ?? TestEnvironment.require("LIFEBOAT_TEST_S3_ENDPOINT"),
            "--port-file", portFile.path
        ]
        process.standardOutput = handle
        process.standardError = handle
        process.standardInput = FileHandle.nullDevice
        try process.run()
        try handle.close()
        try #require(
            Faults.wait(120) { FileManager.default.fileExists(atPath: portFile.path) },
            "the proxy did not start: \(Faults.text(log))")
        endpoint = "http://127.0.0.1:" + Faults.text(portFile).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    private func control(_ method: String, _ path: String, _ body: String = "") throws -> String {
        let result = try Command.run(
            "/usr/bin/env",
            [
                "python3", "-c",
                """
                import sys, urllib.request
                request = urllib.request.Request(sys.argv[1], data=sys.argv[3].encode() or None, method=sys.argv[2])
                print(urllib.request.urlopen(request, timeout=10).read().decode())
                """, endpoint + path, method, body
            ])
        try #require(result.succeeded, "proxy control \(method) \(path): \(result.stderr)")
        return result.stdout
    }

    /// Appends faults to the proxy's queue (see proxy.py for their form).
    func queue(_ faults: [[String: Any]]) throws {
        let body = String(decoding: try JSONSerialization.data(withJSONObject: faults), as: UTF8.self)
        _ = try control("PUT", "/__proxy/faults", body)
    }

    /// Every request the proxy saw, with the fault it applied ("none" when it forwarded it).
    func log() throws -> [[String: Any]] {
        (try JSONSerialization.jsonObject(with: Data(try control("GET", "/__proxy/log").utf8)) as? [[String: Any]])
            ?? []
    }
}
