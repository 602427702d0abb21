import Foundation
import Testing
import LifeboatCore

/// Signatures checked for real: a moto_server of our own with authentication switched on
/// (the shared one accepts any credentials), an IAM user with an allow-all policy, its key.
@Suite(.enabled(if: TestEnvironment.shouldRun))
struct CloudAuthTests {
    final class AuthenticatingMoto {
        let process = Process()
        let endpoint: String
        let log: URL

        init() throws {
            let port = try Command.run(
                "/usr/bin/env",
                [
                    "python3", "-c",
                    "import socket; s=socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1])"
                ]
            ).stdout
                .trimmingCharacters(in: .whitespacesAndNewlines)
            endpoint = "http://127.0.0.1:\(port)"
            log = FileManager.default.temporaryDirectory.appendingPathComponent("lifeboat-moto-auth-\(port).log")
            _ = FileManager.default.createFile(atPath: log.path, contents: nil)
            let handle = try FileHandle(forWritingTo: log)
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["moto_server", "-H", "127.0.0.1", "-p", port]
            var environment = ProcessInfo.processInfo.environment
            // The first three calls (the IAM set-up below) go unsigned; every later one is checked.
            environment["INITIAL_NO_AUTH_ACTION_COUNT"] = "3"
            process.environment = environment
            process.standardOutput = handle
            process.standardError = handle
            try process.run()
            var up = false
            for _ in 0..<1200 where !up {  // a hang guard: moto starts slowly on a busy machine
                usleep(100_000)
                up =
                    (try? Command.run(
                        "/usr/bin/env",
                        [
                            "python3", "-c",
                            "import urllib.request,sys\ntry: urllib.request.urlopen('\(endpoint)/moto-api/', timeout=1)\nexcept Exception as e: sys.exit(0 if hasattr(e, 'code') else 1)"
                        ]))?.succeeded ?? false
            }
            try #require(
                up,
                "moto_server with authentication did not start: \((try? String(contentsOf: log, encoding: .utf8)) ?? "")"
            )
        }

        deinit {
            // Its signal mask came from a test thread: only SIGKILL is sure to stop it.
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            try? FileManager.default.removeItem(at: log)
        }

        func aws(_ arguments: [String], key: String = "bootstrap", secret: String = "bootstrap") throws -> CommandResult
        {
            try Command.run(
                "/usr/bin/env", ["aws", "--endpoint-url", endpoint] + arguments,
                environment: [
                    "AWS_ACCESS_KEY_ID": key, "AWS_SECRET_ACCESS_KEY": secret, "AWS_DEFAULT_REGION": "us-east-1"
                ])
        }
    }

    @Test func rightSecretWorksWrongSecretIsA403ThatNeverShowsTheSecret() throws {
        let moto = try AuthenticatingMoto()
        let policy = #"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#
        #expect(try moto.aws(["iam", "create-user", "--user-name", "lifeboat"]).succeeded)
        #expect(
            try moto.aws([
                "iam", "put-user-policy", "--user-name", "lifeboat", "--policy-name", "all", "--policy-document", policy
            ]).succeeded)
        let created = try moto.aws(["iam", "create-access-key", "--user-name", "lifeboat"])
        try #require(created.succeeded, "\(created.stderr)")
        let json = try JSONSerialization.jsonObject(with: Data(created.stdout.utf8)) as? [String: Any]
        let accessKey = try #require((json?["AccessKey"] as? [String: Any])?["AccessKeyId"] as? String)
        let secret = try #require((json?["AccessKey"] as? [String: Any])?["SecretAccessKey"] as? String)
        #expect(
            try moto.aws(["s3api", "create-bucket", "--bucket", "signed"], key: accessKey, secret: secret).succeeded)

        let database = try ScratchDatabase()
        let folder = try ScratchFolder()
        var environment = try BackupRoundTripTests.environment(database, folder)
        environment["BACKUP_CLOUD_BUCKET"] = "signed"
        environment["BACKUP_CLOUD_ENDPOINT"] = moto.endpoint
        environment["AWS_ACCESS_KEY_ID"] = accessKey
        environment["AWS_SECRET_ACCESS_KEY"] = secret
        environment["AWS_REGION"] = "us-east-1"
        let good = try Command.lifeboat(["backup", "--type", "daily", "--upload"], environment: environment)
        #expect(good.succeeded, "a correctly signed upload is accepted: \(good.stderr)")
        let listed = try moto.aws(["s3api", "list-objects-v2", "--bucket", "signed"], key: accessKey, secret: secret)
        #expect(listed.stdout.contains("backups/backup_daily_"))
        // Signed listings (with a "/" in the prefix) and a signed ranged download work too.
        let remote = try Command.lifeboat(["list", "--remote", "--json"], environment: environment)
        #expect(remote.succeeded, "\(remote.stderr)")
        #expect(remote.stdout.contains("backup_daily_"))
        let elsewhere = try ScratchFolder()
        var fetchEnvironment = environment
        fetchEnvironment["BACKUP_DIR"] = elsewhere.path
        let fetched = try Command.lifeboat(["fetch", "--latest"], environment: fetchEnvironment)
        #expect(fetched.succeeded, "\(fetched.stderr)")

        // The seed's IAM policy: PutObject and ListBucket only. Uploads work; pruning the
        // bucket cannot delete and says what to do instead.
        let seedPolicy =
            #"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:PutObject","s3:ListBucket"],"Resource":"*"}]}"#
        #expect(
            try moto.aws(["iam", "create-user", "--user-name", "uploader"], key: accessKey, secret: secret).succeeded)
        #expect(
            try moto.aws(
                [
                    "iam", "put-user-policy", "--user-name", "uploader", "--policy-name", "seed", "--policy-document",
                    seedPolicy
                ],
                key: accessKey, secret: secret
            ).succeeded)
        let uploaderKey = try moto.aws(
            ["iam", "create-access-key", "--user-name", "uploader"], key: accessKey, secret: secret)
        let uploader =
            (try JSONSerialization.jsonObject(with: Data(uploaderKey.stdout.utf8)) as? [String: Any])?["AccessKey"]
            as? [String: Any]
        var seedEnvironment = environment
        seedEnvironment["AWS_ACCESS_KEY_ID"] = uploader?["AccessKeyId"] as? String
        seedEnvironment["AWS_SECRET_ACCESS_KEY"] = uploader?["SecretAccessKey"] as? String
        let seedUpload = try Command.lifeboat(["backup", "--type", "manual", "--upload"], environment: seedEnvironment)
        #expect(seedUpload.succeeded, "upload with PutObject + ListBucket only: \(seedUpload.stderr)")
        seedEnvironment["BACKUP_CLOUD_SYNC_ENABLED"] = "true"
        seedEnvironment["BACKUP_RETENTION_MANUAL"] = "0"
        // A refused deletion is one warning with the advice, not a failed prune (issue 11).
        let seedPrune = try Command.lifeboat(["prune"], environment: seedEnvironment)
        #expect(seedPrune.status == 0, "\(seedPrune.stderr)")
        #expect(seedPrune.stderr.contains("warning:") && seedPrune.stderr.contains("lifecycle"), "\(seedPrune.stderr)")

        let wrongSecret = "wrong-" + String(secret.reversed())
        environment["AWS_SECRET_ACCESS_KEY"] = wrongSecret
        let bad = try Command.lifeboat(["backup", "--type", "daily", "--upload"], environment: environment)
        #expect(bad.status == 1)
        #expect(bad.stderr.contains("403 SignatureDoesNotMatch"), "\(bad.stderr)")
        #expect(bad.stderr.contains("AWS_SECRET_ACCESS_KEY"), "says what to check")
        for text in [wrongSecret, secret] {
            #expect(!bad.stdout.contains(text) && !bad.stderr.contains(text), "no secret in the output")
        }
        let list = try Command.lifeboat(["list", "--remote"], environment: environment)
        #expect(list.status == 1)
        #expect(list.stderr.contains("403"))
        #expect(!list.stderr.contains(wrongSecret))
    }
}
