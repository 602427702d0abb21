import Foundation
import Testing
import LifeboatCore
import LifeboatPostgres

/// Issue 20 item 7, "Messages that say what happened": each bullet seen under "Messages", run
/// as a responder would meet it.
@Suite(.enabled(if: TestEnvironment.shouldRun))
struct RunbookMessageTests {
    /// Seen: `runbook plan recent-corupt` looked for `…/recent-corupt.yml`, said the file did
    /// not exist and listed nothing.
    @Test func aWrongRunbookNameListsTheRunbooks() throws {
        let result = try Command.lifeboat(
            ["runbook", "plan", "recent-corupt"], environment: ["LIFEBOAT_RUNBOOKS_DIR": RunbookRunTests.runbooks])
        #expect(result.status == 2, "\(result.stderr)")
        #expect(result.stderr.contains("no runbook named 'recent-corupt'"), "\(result.stderr)")
        #expect(result.stderr.contains("did you mean 'recent-corruption'?"), "\(result.stderr)")
        #expect(
            result.stderr.contains("total-loss") && result.stderr.contains("accidental-deletion"),
            "the runbooks are listed: \(result.stderr)")
    }

    /// Seen: LIFEBOAT_RUNBOOKS_DIR in `.env` was ignored (and the error said to set it), and
    /// `config` did not show it.
    @Test func theRunbooksFolderIsReadFromTheEnvFile() throws {
        let folder = try ScratchFolder()
        let envFile = folder.url.appendingPathComponent(".env")
        try Data("LIFEBOAT_RUNBOOKS_DIR=\(RunbookRunTests.runbooks)\n".utf8).write(to: envFile)
        let environment: [String: String?] = ["LIFEBOAT_ENV_FILE": envFile.path, "LIFEBOAT_RUNBOOKS_DIR": nil]
        let list = try Command.run(
            Command.lifeboatPath, ["runbook", "list"], environment: environment, directory: folder.path)
        #expect(list.succeeded, "\(list.stderr)")
        #expect(list.stdout.contains("recent-corruption") && list.stdout.contains("total-loss"), "\(list.stdout)")
        let config = try Command.run(Command.lifeboatPath, ["config"], environment: environment, directory: folder.path)
        #expect(
            config.stdout.contains("LIFEBOAT_RUNBOOKS_DIR")
                && config.stdout.contains("\(RunbookRunTests.runbooks)  [.env]"), "\(config.stdout)")
    }

    /// Seen: `runbook plan --json` printed text. Every runbook subcommand's stdout is JSON alone
    /// under --json; what it says for people goes to stderr.
    @Test func jsonPrintsOnlyJSON() throws {
        let database = try ScratchDatabase()
        let folder = try ScratchFolder()
        let state = try ScratchFolder()
        defer { RestoreTests.dropAll(like: "\(database.name)_%") }
        let environment = try RunbookRunTests.environment(
            database, folder, state: state, log: folder.url.appendingPathComponent("log").path)
        _ = try BackupRoundTripTests.backup(["--type", "daily", "--compress", "--no-encrypt"], environment)
        func json(_ arguments: [String]) throws -> Any {
            let result = try Command.lifeboat(arguments + ["--json"], environment: environment)
            try #require(result.succeeded, "\(arguments): \(result.stderr)")
            return try #require(
                try? JSONSerialization.jsonObject(with: Data(result.stdout.utf8)),
                "\(arguments) printed: \(result.stdout)")
        }
        let plan = try #require(
            try json(["runbook", "plan", "recent-corruption", "--input", "incident_time=latest"]) as? [String: Any])
        #expect(plan["runbook"] as? String == "recent-corruption")
        #expect((plan["steps"] as? [[String: Any]])?.compactMap { $0["id"] as? String }.first == "pick")
        #expect((plan["preflight"] as? [Any])?.isEmpty == false)
        #expect(
            (try json(["runbook", "list"]) as? [[String: Any]])?.contains { $0["name"] as? String == "total-loss" }
                == true)
        #expect(
            (try json(["runbook", "validate", "recent-corruption"]) as? [[String: Any]])?.first?["valid"] as? Bool
                == true)
        let run = try #require(
            try json(["runbook", "run", "recent-corruption", "--input", "incident_time=latest", "--yes"])
                as? [String: Any])
        let runID = try #require(run["run_id"] as? String)
        #expect((try json(["runbook", "status", runID]) as? [String: Any]) != nil)
    }

    /// Seen: with the bucket unreachable, total-loss's preflight only warned and the run failed
    /// at its first step. Now the run is refused before it starts (exit 5).
    @Test func anUnreachableBucketFailsPreflightForARunbookThatFetches() throws {
        let database = try ScratchDatabase()
        let folder = try ScratchFolder()
        let state = try ScratchFolder()
        var environment = try RunbookRunTests.environment(
            database, folder, state: state, log: folder.url.appendingPathComponent("log").path,
            bucket: "lbt-unreachable")
        environment["BACKUP_CLOUD_ENDPOINT"] = "http://127.0.0.1:\(try Self.closedPort())"
        let result = try Command.lifeboat(["runbook", "run", "total-loss", "--yes"], environment: environment)
        #expect(result.status == 5, "\(result.stderr)")
        #expect(
            result.stderr.contains("cloud.object") && result.stderr.contains("cannot reach the bucket"),
            "\(result.stderr)")
        let runs =
            (try? FileManager.default.contentsOfDirectory(atPath: state.url.appendingPathComponent("runs").path)) ?? []
        for run in runs {
            #expect(try RunbookRunTests.journal(state, run).allSatisfy { $0.kind != .stepStarted }, "no step ran")
        }
    }

    /// Seen: a stalled endpoint gave 244 s of silence, then "Timeout was reached". A listener
    /// that accepts and never answers is given up on after BACKUP_CLOUD_STALL_SECONDS (here 2),
    /// with a line while waiting and one per retry.
    @Test func aStalledEndpointIsRetriedAndSaysSo() throws {
        let listener = try SilentListener()
        defer { listener.stop() }
        let database = try ScratchDatabase(fromPagila: false)
        let folder = try ScratchFolder()
        var environment = try CloudTests.environment(database, folder, bucket: "lbt-stalled")
        environment["BACKUP_CLOUD_ENDPOINT"] = "http://127.0.0.1:\(listener.port)"
        environment["BACKUP_CLOUD_STALL_SECONDS"] = "2"
        let result = try Command.lifeboat(["list", "--remote"], environment: environment)
        #expect(!result.succeeded)
        #expect(
            result.stderr.contains("no bytes for 1 s; waiting up to 2 s"), "a line while it waits: \(result.stderr)")
        #expect(
            result.stderr.contains("trying again") && result.stderr.contains("(attempt 2 of 4)"), "\(result.stderr)")
        #expect(
            result.stderr.contains("no bytes from 127.0.0.1 for 2 s") && result.stderr.contains("(4 attempts)"),
            "\(result.stderr)")
        #expect(listener.accepted() >= 4, "every attempt reached the endpoint")
    }

    /// Seen: a mistyped DATABASE_URL password was reported as "server.version failed" with a
    /// hint to ignore that check.
    @Test func aWrongPasswordIsFailedAuthentication() throws {
        let database = try ScratchDatabase(fromPagila: false)
        let folder = try ScratchFolder()
        let state = try ScratchFolder()
        var environment = try RunbookRunTests.environment(
            database, folder, state: state, log: folder.url.appendingPathComponent("log").path)
        environment["DATABASE_URL"] = try #require(URLComponents(string: database.url)).with(
            password: "WrongPw-\(UInt32.random(in: 0...UInt32.max))")
        let run = try Command.lifeboat(
            ["runbook", "run", "recent-corruption", "--input", "incident_time=latest", "--yes"],
            environment: environment)
        #expect(run.status == 5, "\(run.stderr)")
        #expect(
            run.stderr.contains("preflight: failed authentication at the maintenance database 'postgres'"),
            "\(run.stderr)")
        #expect(run.stderr.contains("password authentication failed"), "\(run.stderr)")
        #expect(!run.stderr.contains("--ignore-preflight server.version"), "no hint to ignore a check: \(run.stderr)")
        let backup = try Command.lifeboat(["backup"], environment: environment)
        #expect(backup.stderr.contains("failed authentication"), "\(backup.stderr)")
    }

    /// Issue 20's inputs: an interactive run asks for a required input it was not given,
    /// showing what it is for, and asks again when the answer would be refused.
    @Test func anInteractiveRunAsksForAMissingInput() async throws {
        let database = try ScratchDatabase()
        let folder = try ScratchFolder()
        let state = try ScratchFolder()
        defer { RestoreTests.dropAll(like: "\(database.name)_%") }
        let environment = try RunbookRunTests.environment(
            database, folder, state: state, log: folder.url.appendingPathComponent("log").path)
        _ = try BackupRoundTripTests.backup(["--type", "daily", "--compress", "--no-encrypt"], environment)
        let terminal = try InteractiveRestoreTests.TmuxSession.lifeboat(
            ["runbook", "run", "recent-corruption"], environment: environment)
        defer { terminal.kill() }
        try await terminal.waitFor(
            ["input 'incident_time' is required: when the damage began", "incident_time = "], timeout: 60)
        try terminal.type("yesterday-ish")
        try await terminal.waitFor(["'yesterday-ish' is not a time", "type it again"])
        try terminal.type("latest")
        try await terminal.waitFor(["Type yes to approve or no to refuse"], timeout: 120)
        try terminal.type("no")
        try await terminal.waitFor(["EXIT="])
        let runs = try FileManager.default.contentsOfDirectory(atPath: state.url.appendingPathComponent("runs").path)
        let runID = try #require(runs.first)
        let started = try #require(try RunbookRunTests.journal(state, runID).first)
        #expect(started.inputs?["incident_time"] == "latest", "the typed answer is the run's input")

        let refused = try Command.lifeboat(["runbook", "run", "recent-corruption"], environment: environment)
        #expect(
            refused.status != 0 && refused.stderr.contains("input 'incident_time' is required"),
            "no terminal: refused as before: \(refused.stderr)")
    }

    /// A TCP port nothing listens on.
    static func closedPort() throws -> Int {
        let listener = try SilentListener()
        listener.stop()
        return listener.port
    }
}

extension URLComponents {
    func with(password: String) -> String {
        var copy = self
        copy.password = password
        return copy.string ?? ""
    }
}

/// A TCP server that accepts connections and never sends a byte (a stalled endpoint): a small
/// Python program the test starts and stops. It prints its port, then one line per connection.
final class SilentListener {
    let process = Process()
    let port: Int
    private let output: FileHandle
    private let log: URL

    init() throws {
        log = FileManager.default.temporaryDirectory.appendingPathComponent("lbt-silent-\(UUID().uuidString)")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        output = try FileHandle(forWritingTo: log)
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = [
            "-u", "-c",
            """
            import socket
            s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind(("127.0.0.1", 0)); s.listen(64)
            print(s.getsockname()[1])
            kept = []
            while True:
                c, _ = s.accept(); kept.append(c); print("accepted")
            """
        ]
        process.standardOutput = output
        process.standardInput = FileHandle.nullDevice
        try process.run()
        var port: Int?
        for _ in 0..<2400 where port == nil {  // up to 120 s: a hang guard, not a timing assumption
            port = (try? String(contentsOf: log, encoding: .utf8))?.split(separator: "\n").first.flatMap { Int($0) }
            if port == nil { usleep(50_000) }
        }
        self.port = try #require(port, "the listener printed its port")
    }

    /// How many connections it took.
    func accepted() -> Int {
        ((try? String(contentsOf: log, encoding: .utf8)) ?? "").split(separator: "\n").filter { $0 == "accepted" }.count
    }

    func stop() {
        if process.isRunning {
            // SIGKILL: the test runner's threads block SIGTERM, and the child inherits that mask.
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        try? output.close()
    }

    deinit {
        stop()
        try? FileManager.default.removeItem(at: log)
    }
}
