import Foundation
import Testing
import LifeboatCore
import LifeboatPostgres

/// Restore as a person runs it: `lifeboat restore` without --backup-file or --force, in a real
/// terminal (a detached tmux pane), choosing a backup from the list and typing the database name.
@Suite(.enabled(if: TestEnvironment.shouldRun), .serialized)
struct InteractiveRestoreTests {
    /// Pagila's payment rows.
    static let pagilaPayments = 16049

    /// A detached tmux session on its own server (its own socket), so nothing is shared with
    /// other tests or with a developer's tmux. `kill()` ends the server; `deinit` is the safety net.
    final class TmuxSession {
        static let tmux = "/usr/bin/tmux"
        let socket = "lbt-\(UUID().uuidString.prefix(13))"
        /// The server's socket file, which tmux leaves behind after `kill-server`.
        private var socketPath: String?
        private var killed = false

        /// `lifeboat ARGUMENTS` at a terminal, with `environment` and no `.env` file; the pane
        /// stays a minute after it ends, showing `EXIT=<status>`.
        static func lifeboat(_ arguments: [String], environment: [String: String?]) throws -> TmuxSession {
            let variables =
                environment.compactMap { key, value in value.map { "\(key)=\($0)" } } + ["LIFEBOAT_ENV_FILE=/dev/null"]
            return try TmuxSession(
                "env " + (variables + [Command.lifeboatPath] + arguments).map(shellQuote).joined(separator: " ")
                    + "; echo EXIT=$?; sleep 60")
        }

        /// Starts `command` (a shell command line) in session "s" of a new 200x50 terminal.
        ///
        /// The tmux client forks the server, which lives on, so two things are done first:
        /// - the signal mask is cleared around the spawn: Foundation's `Process` spawns with the
        ///   calling thread's mask and Swift's worker threads block nearly every signal, and a
        ///   server started so ignores SIGTERM (`kill-server` would then leave it running);
        /// - bash closes every descriptor above 2 before exec'ing tmux: Foundation learns that a
        ///   child ended when the child's end of a socket pair closes, and a server that kept it
        ///   would make `Command.run` wait for the server, not the client (a hang).
        init(_ command: String) throws {
            let closeAndExec =
                #"for fd in $(ls /proc/$$/fd); do if [ "$fd" -gt 2 ]; then eval "exec $fd>&-"; fi; done; exec "$@""#
            var empty = sigset_t(), previous = sigset_t()
            sigemptyset(&empty)
            pthread_sigmask(SIG_SETMASK, &empty, &previous)
            let result = Result {
                try Command.run(
                    "/bin/bash",
                    [
                        "-c", closeAndExec, "bash", Self.tmux, "-L", socket, "-f", "/dev/null",
                        "new-session", "-d", "-s", "s", "-x", "200", "-y", "50", command
                    ])
            }
            pthread_sigmask(SIG_SETMASK, &previous, nil)
            let started = try result.get()
            if !started.succeeded {
                kill()
                try #require(started.succeeded, "tmux new-session failed: \(started.stderr)")
            }
            let path = try Command.run(Self.tmux, ["-L", socket, "display-message", "-p", "#{socket_path}"])
                .stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            socketPath = path.hasSuffix("/" + socket) ? path : nil
        }

        deinit { kill() }

        func kill() {
            guard !killed else { return }
            killed = true
            _ = try? Command.run(Self.tmux, ["-L", socket, "kill-server"])
            if let socketPath { try? FileManager.default.removeItem(atPath: socketPath) }
        }

        /// The whole pane, scrollback included, wrapped lines joined.
        func capture() throws -> String {
            try Command.run(Self.tmux, ["-L", socket, "capture-pane", "-p", "-J", "-S", "-", "-t", "s"]).stdout
        }

        /// Types `text` literally, then Enter.
        func type(_ text: String) throws {
            let literal = try Command.run(Self.tmux, ["-L", socket, "send-keys", "-t", "s", "-l", text])
            try #require(literal.succeeded, "tmux send-keys failed: \(literal.stderr)")
            let enter = try Command.run(Self.tmux, ["-L", socket, "send-keys", "-t", "s", "Enter"])
            try #require(enter.succeeded, "tmux send-keys Enter failed: \(enter.stderr)")
        }

        /// Polls the pane until every one of `texts` is on it, for at most `timeout` seconds;
        /// returns the pane, or fails showing what the pane held.
        @discardableResult
        func waitFor(_ texts: [String], timeout: TimeInterval = 60) async throws -> String {
            let deadline = Date().addingTimeInterval(timeout)
            var pane = ""
            while true {
                pane = try capture()
                if texts.allSatisfy({ pane.contains($0) }) { return pane }
                // The command ended without what we wait for: no point waiting on.
                if pane.contains("EXIT=") && !texts.contains(where: { $0.hasPrefix("EXIT=") }) { break }
                if Date() >= deadline { break }
                try await Task.sleep(for: .milliseconds(200))
            }
            Issue.record("timed out waiting for \(texts) in the terminal; it shows:\n\(pane)")
            throw Timeout()
        }

        struct Timeout: Error {}
    }

    /// The command line run in the pane: interactive restore, then its exit status, then a
    /// pause so the pane stays readable.
    static func restoreCommand(_ database: ScratchDatabase, _ folder: ScratchFolder) -> String {
        let variables = ["DATABASE_URL=\(database.url)", "BACKUP_DIR=\(folder.path)", "LIFEBOAT_ENV_FILE=/dev/null"]
        return "env " + variables.map(shellQuote).joined(separator: " ")
            + " \(shellQuote(Command.lifeboatPath)) restore"
            + "; echo EXIT=$?; sleep 60"
    }

    static func paymentCount(_ database: ScratchDatabase) throws -> Int {
        let connection = try database.connect()
        defer { connection.close() }
        return Int(try connection.query("SELECT count(*) FROM payment").scalar ?? "") ?? -1
    }

    /// Databases whose names start with `prefix` (restore's `_restore_`, `_before_` and so on).
    static func databases(startingWith prefix: String) throws -> [String] {
        let admin = try Connection(try TestEnvironment.adminURL)
        defer { admin.close() }
        return try admin.query(
            "SELECT datname FROM pg_database WHERE starts_with(datname, $1) ORDER BY datname", [prefix]
        )
        .rows.compactMap { $0[0] }
    }

    /// Picks from the list, then in a second terminal confirms with the wrong name (nothing
    /// changes) and in a third with the right one (the newest backup is swapped in).
    @Test func chooseFromListAndConfirmByTypingTheName() async throws {
        let database = try ScratchDatabase()
        let folder = try ScratchFolder()
        let environment = try BackupRoundTripTests.environment(database, folder)
        let (older, _) = try BackupRoundTripTests.backup(["--type", "daily", "--compress", "--no-encrypt"], environment)
        try await Task.sleep(for: .milliseconds(1100))
        let (newer, _) = try BackupRoundTripTests.backup(["--type", "daily", "--compress", "--no-encrypt"], environment)
        try #require(older.lastPathComponent != newer.lastPathComponent)
        var keptAs: [String] = []
        defer { for name in keptAs { try? ScratchDatabase.drop(name) } }

        try database.connect().query("DELETE FROM payment WHERE payment_id % 3 = 0")
        let damaged = try Self.paymentCount(database)
        #expect(damaged > 0 && damaged < Self.pagilaPayments)

        // 1. The wrong name: refused, exit 2, nothing changed.
        do {
            let session = try TmuxSession(Self.restoreCommand(database, folder))
            defer { session.kill() }
            let pane = try await session.waitFor(["Restore which backup?", "  1) ", "  2) "])
            let lines = pane.split(separator: "\n").map(String.init)
            let first = lines.first { $0.hasPrefix("  1) ") } ?? ""
            let second = lines.first { $0.hasPrefix("  2) ") } ?? ""
            #expect(first.contains(newer.lastPathComponent), "the newest is 1): \(pane)")
            #expect(second.contains(older.lastPathComponent), "the older is 2): \(pane)")
            #expect(!lines.contains { $0.hasPrefix("  3) ") }, "only the two backups are listed: \(pane)")
            try session.type("1")
            try await session.waitFor(["Type the database name (\(database.name))"])
            try session.type("\(database.name)_wrong")
            let end = try await session.waitFor(["does not match", "EXIT=2"])
            #expect(!end.contains("EXIT=0"))
        }
        #expect(try Self.paymentCount(database) == damaged, "the live database is unchanged")
        #expect(try Self.databases(startingWith: database.name + "_").isEmpty, "no restore or before database was made")

        // 1b. A number out of range is asked again; q quits: exit 2, nothing changed.
        do {
            let session = try TmuxSession(Self.restoreCommand(database, folder))
            defer { session.kill() }
            try await session.waitFor(["Restore which backup?", "  1) "])
            try session.type("7")
            try await session.waitFor(["type a number from 1 to 2"])
            try session.type("q")
            let end = try await session.waitFor(["no backup chosen: nothing was changed", "EXIT=2"])
            #expect(!end.contains("Type the database name"), "no confirmation was asked: \(end)")
        }
        #expect(try Self.paymentCount(database) == damaged, "the live database is unchanged")
        #expect(try Self.databases(startingWith: database.name + "_").isEmpty, "no restore or before database was made")

        // 2. Without a terminal, both prompts refuse.
        let noChoice = try Command.lifeboat(["restore"], environment: environment)
        #expect(noChoice.status == 2, "\(noChoice.stderr)")
        #expect(noChoice.stderr.contains("needs a terminal"), "\(noChoice.stderr)")
        let noConfirmation = try Command.lifeboat(["restore", "--backup-file", newer.path], environment: environment)
        #expect(noConfirmation.status == 2, "\(noConfirmation.stderr)")
        #expect(noConfirmation.stderr.contains("needs a terminal"), "\(noConfirmation.stderr)")
        #expect(try Self.paymentCount(database) == damaged, "the live database is unchanged")

        // 3. The right name: restored, exit 0, the damaged database kept as <db>_before_<time>.
        do {
            let session = try TmuxSession(Self.restoreCommand(database, folder))
            defer { session.kill() }
            try await session.waitFor(["Restore which backup?", "  1) "])
            try session.type("1")
            try await session.waitFor(["Type the database name (\(database.name))"])
            try session.type(database.name)
            defer { keptAs = (try? Self.databases(startingWith: database.name + "_before_")) ?? [] }
            let end = try await session.waitFor(["EXIT=0"], timeout: 120)
            #expect(end.contains("restore of \(database.name) finished"), "\(end)")
            #expect(end.contains(newer.lastPathComponent), "the newest backup was restored: \(end)")
        }
        #expect(try Self.paymentCount(database) == Self.pagilaPayments, "payments are back")
        #expect(keptAs.count == 1, "one \(database.name)_before_<time> database: \(keptAs)")
        if let before = keptAs.first {
            let connection = try Connection(try TestEnvironment.url(for: before))
            defer { connection.close() }
            #expect(
                Int(try connection.query("SELECT count(*) FROM payment").scalar ?? "") == damaged,
                "the kept database is the damaged one")
        }
        #expect(try Self.databases(startingWith: database.name + "_restore_").isEmpty, "no scratch database is left")
    }
}
