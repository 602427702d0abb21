import Foundation
import Testing
import LifeboatCore
import LifeboatPostgres

/// Watches every process's argument list (`/proc/PID/cmdline`) while it runs, for strings that
/// must never be there; also remembers the argument lists of the programs it is asked to see.
final class CommandLineWatch: @unchecked Sendable {
    private let secrets: [String]
    private let programs: [String]
    private let lock = NSLock()
    private var hits: [String] = []
    private var seen: Set<String> = []
    private var running = true
    private var thread: Thread?

    init(secrets: [String], programs: [String]) {
        self.secrets = secrets
        self.programs = programs
        let thread = Thread { [unowned self] in self.loop() }
        self.thread = thread
        thread.start()
    }

    private func loop() {
        while lock.withLock({ running }) {
            for pid in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
            where pid.allSatisfy(\.isNumber) {
                guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline"), !data.isEmpty else {
                    continue
                }
                let line = String(decoding: data.map { $0 == 0 ? 0x20 : $0 }, as: UTF8.self)
                let found = secrets.filter { line.contains($0) }
                let program = programs.first { line.hasPrefix($0) }
                if !found.isEmpty || program != nil {
                    lock.withLock {
                        if !found.isEmpty { hits.append(line) }
                        if let program { seen.insert(program) }
                    }
                }
            }
            usleep(10_000)
        }
    }

    /// Stops watching; returns the argument lists that held a secret and the programs seen.
    func stop() -> (hits: [String], seen: Set<String>) {
        lock.withLock { running = false }
        while thread?.isFinished == false { usleep(5_000) }
        return lock.withLock { (hits, seen) }
    }

    func sawProgram(_ program: String) -> Bool { lock.withLock { seen.contains(program) } }
}

/// A connection handed to one other thread, which alone uses it from then on.
final class Held<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}

/// The secrets of a deployment: a database password, an AWS secret and access key, a webhook
/// signing secret and the token in a webhook URL, each random, none ever to appear anywhere.
@Suite(.enabled(if: TestEnvironment.shouldRun))
struct SecuritySecretTests {
    static func random(_ prefix: String) -> String { prefix + String(UInt64.random(in: 0...UInt64.max), radix: 36) }

    /// Every file under `root`, with the secrets each holds.
    static func leaks(in root: URL, _ secrets: [String]) -> [String] {
        var found: [String] = []
        let enumerator = FileManager.default.enumerator(atPath: root.path)
        while let relative = enumerator?.nextObject() as? String {
            guard let data = FileManager.default.contents(atPath: root.appendingPathComponent(relative).path) else {
                continue
            }
            let text = String(decoding: data, as: UTF8.self)
            for secret in secrets where text.contains(secret) { found.append("\(relative): \(secret)") }
        }
        return found
    }

    @Test func noSecretInArgumentsLogsErrorsManifestsJournalsReportsOrConfig() throws {
        try ReliabilityLog.run(
            .security, "secrets: not in pg_dump/psql arguments, output, errors, manifests, journals, reports, config"
        ) { check in
            let password = Self.random("Pw-")
            let awsSecret = Self.random("AwsSecret-")
            let awsKey = Self.random("AKIALB")
            let hookSecret = Self.random("HookSecret-")
            let hookToken = Self.random("HookToken-")
            let secrets = [password, awsSecret, awsKey, hookSecret, hookToken]

            // A superuser with a password, reached only through DATABASE_URL.
            let role = "lbt_secret_\(UInt32.random(in: 0...UInt32.max))"
            let admin = try Connection(try TestEnvironment.adminURL)
            try admin.query("CREATE ROLE \(role) LOGIN SUPERUSER PASSWORD '\(password)'")
            defer { _ = try? admin.query("DROP ROLE IF EXISTS \(role)") }
            let live = try ScratchDatabase()
            defer { RestoreTests.dropAll(like: "\(live.name)_%") }
            let host = try TestEnvironment.require("LIFEBOAT_TEST_PGHOST"),
                port = try TestEnvironment.require("LIFEBOAT_TEST_PGPORT")
            let url = "postgresql://\(role):\(password)@\(host):\(port)/\(live.name)"

            // pg_dump and psql that wait a moment, then become the real programs (same pid).
            let tools = try ScratchFolder()
            let pgBin = try TestEnvironment.pgBin
            for program in ["pg_dump", "psql"] {
                try """
                #!/bin/bash
                if [ "${1:-}" = --version ]; then exec \(pgBin)/\(program) --version; fi
                sleep 0.5
                exec \(pgBin)/\(program) "$@"
                """.write(toFile: tools.url.appendingPathComponent(program).path, atomically: true, encoding: .utf8)
                chmod(tools.url.appendingPathComponent(program).path, 0o755)
            }

            let receiver = try WebhookReceiver()
            let folder = try ScratchFolder()
            let state = try ScratchFolder()
            let outputs = try ScratchFolder()
            let log = outputs.url.appendingPathComponent("services.log").path
            let environment: [String: String?] = [
                "DATABASE_URL": url, "BACKUP_DIR": folder.path, "BACKUP_DISK_MIN_FREE_GB": "0",
                "GNUPGHOME": try TestEnvironment.gnupgHome, "BACKUP_ENCRYPTION_KEY": try TestEnvironment.gpgKey,
                "PG_DUMP_PATH": tools.url.appendingPathComponent("pg_dump").path,
                // psql runs, to be watched
                "PSQL_PATH": tools.url.appendingPathComponent("psql").path, "RESTORE_JOBS": "1",
                "AWS_ACCESS_KEY_ID": awsKey, "AWS_SECRET_ACCESS_KEY": awsSecret, "AWS_REGION": "us-east-1",
                "BACKUP_CLOUD_BUCKET": try CloudTests.bucket(),
                "BACKUP_CLOUD_ENDPOINT": try TestEnvironment.require("LIFEBOAT_TEST_S3_ENDPOINT"),
                "BACKUP_WEBHOOK_URL": "\(receiver.url)/\(hookToken)", "BACKUP_WEBHOOK_SECRET": hookSecret,
                "LIFEBOAT_STATE_DIR": state.path, "LIFEBOAT_RUNBOOKS_DIR": RunbookRunTests.runbooks,
                "LIFEBOAT_SERVICES_PROVIDER": "command", "LIFEBOAT_STOP_COMMAND": "echo stop >> \(shellQuote(log))",
                "LIFEBOAT_START_COMMAND": "echo start >> \(shellQuote(log))",
                "LIFEBOAT_METRICS_FILE": outputs.url.appendingPathComponent("lifeboat.prom").path,
                // Where libpq and the password file would otherwise be read from: nothing else may help.
                "PGPASSWORD": nil, "PGPASSFILE": "/dev/null"
            ]
            var transcript: [(String, CommandResult)] = []
            func run(_ arguments: [String], _ extra: [String: String?] = [:]) throws -> CommandResult {
                var merged = environment
                for (key, value) in extra { merged[key] = value }
                let result = try Command.lifeboat(arguments, environment: merged)
                transcript.append((arguments.joined(separator: " "), result))
                return result
            }

            // While pg_dump runs: its argument list, and every other process's, is watched.
            let watch = CommandLineWatch(
                secrets: secrets, programs: ["\(pgBin)/pg_dump", "\(pgBin)/psql", Command.lifeboatPath])
            let blocker = Held(try live.connect())  // holds pg_dump inside the dump until the watch has seen it
            try blocker.value.query("BEGIN")
            try blocker.value.query("LOCK TABLE rental IN ACCESS EXCLUSIVE MODE")
            let release = Thread {
                // Six seconds was not always enough for a busy machine to reach pg_dump; the lock
                // holds pg_dump until then, so only a hang guard is needed.
                for _ in 0..<6000 where !watch.sawProgram("\(pgBin)/pg_dump") { usleep(20_000) }
                usleep(200_000)
                _ = try? blocker.value.query("ROLLBACK")
            }
            release.start()
            let backup = try run(["backup", "--type", "daily", "--compress", "--encrypt", "--upload", "--json"])
            check.expect(backup.succeeded, "the backup with a password works: \(backup.stderr)")
            let verify = try run(["verify", "--latest"])
            check.expect(verify.status == 0, "verify through psql works: \(verify.stderr)")
            let (hits, seen) = watch.stop()
            check.expect(seen.contains("\(pgBin)/pg_dump"), "the real pg_dump was seen running: \(seen)")
            check.expect(seen.contains("\(pgBin)/psql"), "the real psql was seen running: \(seen)")
            check.expect(hits.isEmpty, "no argument list held a secret: \(hits)")
            check.expect(
                receiver.requests.contains { $0.event == "backup.completed" },
                "the webhook was delivered (so its secret was used)")

            // Everything else that prints or stores: listings, configuration, status, a runbook
            // run with its journal and reports, and failures whose messages name the cause.
            _ = try run(["list"])
            _ = try run(["list", "--remote", "--json"])
            _ = try run(["config"])
            _ = try run(["config", "--json"])
            _ = try run(["status", "--json"])
            try live.connect().query("DELETE FROM payment WHERE payment_id % 2 = 0")
            let runbook = try run([
                "runbook", "run", "recent-corruption", "--input", "incident_time=latest", "--yes", "--json"
            ])
            check.expect(runbook.status == 0, "the runbook run works: \(runbook.stderr)")
            if let runID = (try? JSONSerialization.jsonObject(with: Data(runbook.stdout.utf8)) as? [String: Any])?[
                "run_id"] as? String
            {
                _ = try run(["runbook", "status", runID])
                for format in ["md", "html", "json"] { _ = try run(["report", runID, "--format", format]) }
            } else {
                check.expect(false, "the run printed its id: \(runbook.stdout)")
            }
            let wrongPassword = Self.random("WrongPw-")
            let failedConnect = try run(
                ["backup"], ["DATABASE_URL": "postgresql://\(role):\(wrongPassword)@\(host):\(port)/\(live.name)"])
            check.expect(
                failedConnect.status == 1 && failedConnect.stderr.contains("password authentication failed"),
                "\(failedConnect.stderr)")
            check.expect(!failedConnect.stderr.contains(wrongPassword), "a wrong password is not echoed either")
            let failedCloud = try run(
                ["fetch", "--latest"],
                ["BACKUP_CLOUD_BUCKET": "lbt-no-such-bucket-\(UInt32.random(in: 0...UInt32.max))"])
            check.expect(failedCloud.status != 0, "a missing bucket fails: \(failedCloud.stderr)")
            let failedHook = try run(
                ["backup", "--type", "manual"],
                ["BACKUP_WEBHOOK_URL": "http://127.0.0.1:9/\(hookToken)", "BACKUP_WEBHOOK_ATTEMPTS": "1"])
            check.expect(
                failedHook.stderr.contains("not delivered"), "the failed webhook is reported: \(failedHook.stderr)")

            for (command, result) in transcript {
                for secret in secrets + [wrongPassword] {
                    check.expect(
                        !result.stdout.contains(secret) && !result.stderr.contains(secret),
                        "`lifeboat \(command)` printed \(secret)")
                }
            }
            let stored =
                Self.leaks(in: folder.url, secrets) + Self.leaks(in: state.url, secrets)
                + Self.leaks(in: outputs.url, secrets)
            check.expect(
                stored.isEmpty, "no backup, manifest, journal, approval, lock or metrics file holds a secret: \(stored)"
            )
            for request in receiver.requests {
                check.expect(
                    !request.body.contains(password) && !request.body.contains(awsSecret)
                        && !request.body.contains(hookSecret),
                    "no webhook body carries a secret: \(request.body)")
            }
        }
    }
}
