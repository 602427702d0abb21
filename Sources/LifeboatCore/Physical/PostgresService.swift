import Foundation

/// Stops and starts the protected cluster itself around a physical restore, the way
/// LIFEBOAT_PG_SERVICE says: `pg_ctl` as LIFEBOAT_PG_USER on LIFEBOAT_PG_DATA, `systemctl` on a
/// unit, or the operator's own commands. Both are safe to repeat: stopping a stopped server
/// and starting a running one do nothing, so a resumed runbook can simply run them again.
public struct PostgresService: Sendable {
    public enum Action: String, Sendable { case stop, start }

    public let settings: PhysicalEngineSettings
    public var environment: [String: String] = ProcessInfo.processInfo.environment
    /// pg_ctl's own wait (`-t`), and the bound on systemctl and the configured commands.
    public var timeout: TimeInterval = 600
    public var cancellation: CancellationFlag?

    public init(settings: PhysicalEngineSettings) {
        self.settings = settings
    }

    /// What was done: "stopped", "already stopped", "started", "already running".
    public struct Outcome: Sendable, Equatable {
        public let done: String
        public let command: [String]
    }

    /// The command line `action` runs (before any change of user), for plans and messages.
    /// `options`: postgres's own command-line options for pg_ctl start (`-o`).
    public func commandLine(_ action: Action, options: String? = nil) throws -> [String] {
        switch settings.service {
        case .pgCtl(let bin):
            guard let pgCtl = PostgresServiceSettings.pgCtlPath(bin: bin) else {
                throw LifeboatError(
                    stage: "postgres", message: "pg_ctl was not found under /usr/lib/postgresql",
                    hint: "set LIFEBOAT_PG_BIN to the server's bin folder (Debian: /usr/lib/postgresql/15/bin)",
                    category: .configuration)
            }
            let data = try dataDirectory()
            switch action {
            case .stop:
                return [pgCtl, "-D", data, "-m", "fast", "-w", "-t", String(Int(timeout)), "stop"]
            case .start:
                // Without -l the server would write its log into our captured (and deleted) output.
                var argv = [pgCtl, "-D", data, "-l", Self.startLog(data), "-w", "-t", String(Int(timeout))]
                if let options, !options.isEmpty { argv += ["-o", options] }
                return argv + ["start"]
            }
        case .systemd(let unit):
            return ["systemctl", action.rawValue, unit]
        case .command(let start, let stop):
            return ["/bin/sh", "-c", action == .start ? start : stop]
        }
    }

    /// Where pg_ctl start sends the server's output: inside the data directory, the one place
    /// LIFEBOAT_PG_USER is sure to be able to write.
    public static func startLog(_ dataDirectory: String) -> String { dataDirectory + "/lifeboat-pg_ctl.log" }

    /// Stops the server (fast shutdown: sessions are ended, nothing is lost that was committed).
    /// `saveOptions`: where to keep postgres's command-line options (`postmaster.opts`) for the
    /// start after the restore, which removes that file.
    @discardableResult
    public func stop(saveOptions: URL? = nil) throws -> Outcome {
        if case .pgCtl = settings.service {
            let data = try dataDirectory()
            if let saveOptions, let options = try? String(contentsOfFile: data + "/postmaster.opts", encoding: .utf8) {
                try? FileManager.default.createDirectory(
                    at: saveOptions.deletingLastPathComponent(), withIntermediateDirectories: true)
                try? options.write(to: saveOptions, atomically: true, encoding: .utf8)
            }
            let argv = try commandLine(.stop)
            guard PostmasterStatus.read(dataDirectory: data).isRunning else {
                return Outcome(done: "already stopped", command: argv)
            }
            try run(argv, action: .stop, asOwner: true)
            return Outcome(done: "stopped", command: argv)
        }
        let argv = try commandLine(.stop)
        try run(argv, action: .stop, asOwner: false)
        return Outcome(done: "stopped", command: argv)
    }

    /// Starts the server; with pg_ctl, with the options it last ran with (saved by `stop`, else
    /// the data directory's postmaster.opts), so port, socket folder and config file stay the same.
    @discardableResult
    public func start(savedOptions: URL? = nil) throws -> Outcome {
        if case .pgCtl = settings.service {
            let data = try dataDirectory()
            let saved =
                savedOptions.flatMap { try? String(contentsOf: $0, encoding: .utf8) }
                ?? (try? String(contentsOfFile: data + "/postmaster.opts", encoding: .utf8))
            let argv = try commandLine(.start, options: saved.map(Self.serverOptions))
            if PostmasterStatus.read(dataDirectory: data).isRunning {
                return Outcome(done: "already running", command: argv)
            }
            try run(argv, action: .start, asOwner: true)
            return Outcome(done: "started", command: argv)
        }
        let argv = try commandLine(.start)
        try run(argv, action: .start, asOwner: false)
        return Outcome(done: "started", command: argv)
    }

    func dataDirectory() throws -> String {
        guard let data = settings.dataDirectory else {
            throw LifeboatError(
                stage: "postgres", message: "LIFEBOAT_PG_SERVICE is pg_ctl but LIFEBOAT_PG_DATA is not set",
                hint: "set LIFEBOAT_PG_DATA to the cluster's data directory (SHOW data_directory)",
                category: .configuration)
        }
        return data
    }

    private func run(_ argv: [String], action: Action, asOwner: Bool) throws {
        var wrapped = asOwner ? settings.runAs.wrap(argv) : argv
        if action == .start, settings.service.name != "systemd" { wrapped = Self.closingInheritedFiles(wrapped) }
        var command = CapturedCommand(wrapped, environment: environment, timeout: timeout + 30)
        // systemctl and the operator's commands are not PostgreSQL's tools: they may need the
        // operator's variables (still never a secret).
        if case .command = settings.service { command.program = .operatorCommand }
        let output = try command.run(cancellation: cancellation, stage: "postgres")
        guard output.succeeded else {
            let text = PgBackRest.lastLine(output.stderr) ?? PgBackRest.lastLine(output.stdout) ?? "no output"
            var hint =
                "run `\(ServiceProviders.commandLine(argv))` by hand"
                + (asOwner && !settings.runAs.isCurrentUser ? " as \(settings.runAs.user)" : "")
            if action == .start, case .pgCtl = settings.service, let data = settings.dataDirectory {
                hint += " and read the server's log (\(Self.startLog(data)))"
            }
            throw LifeboatError(
                stage: "postgres",
                message: "\(action == .stop ? "stopping" : "starting") PostgreSQL failed (\(output.summary)): \(text)",
                hint: hint)
        }
    }

    /// `argv` run by a shell that first closes every descriptor above 2. A started server keeps
    /// whatever it inherited, and Foundation's Process learns that its child exited only when the
    /// last holder of a socket it hands down closes it: without this, waiting for `pg_ctl start`
    /// (or a start command that daemonizes) would last as long as the server (seen here).
    static func closingInheritedFiles(_ argv: [String]) -> [String] {
        let script =
            #"for fd in /proc/$$/fd/*; do n=${fd##*/}; [ "$n" -gt 2 ] && eval "exec $n>&-"; done 2>/dev/null; exec "$@""#
        return ["/bin/bash", "-c", script, "lifeboat-start"] + argv
    }

    /// The options in `postmaster.opts` (`/path/postgres "-D" "/data" "-p" "5433" …`) without the
    /// program and its -D (pg_ctl adds its own), quoted for the shell pg_ctl hands `-o` to.
    public static func serverOptions(_ postmasterOpts: String) -> String {
        var words: [String] = []
        var current = "", quoted = false, inWord = false
        for char in postmasterOpts.trimmingCharacters(in: .whitespacesAndNewlines) {
            if char == "\"" { quoted.toggle(); inWord = true; continue }
            if char.isWhitespace && !quoted {
                if inWord { words.append(current) }
                current = ""; inWord = false
                continue
            }
            current.append(char); inWord = true
        }
        if inWord { words.append(current) }
        var options: [String] = []
        var index = 1
        while index < words.count {
            if words[index] == "-D" { index += 2; continue }
            options.append(words[index])
            index += 1
        }
        return options.map { "'" + $0.replacingOccurrences(of: "'", with: "'\\''") + "'" }.joined(separator: " ")
    }
}

/// Whether a postmaster runs on a data directory: its `postmaster.pid` names a live process.
/// A pid file left by a crash (process gone) counts as not running, as PostgreSQL itself judges.
public struct PostmasterStatus: Sendable, Equatable {
    public let pid: Int32?
    public let isRunning: Bool

    public static func read(dataDirectory: String) -> PostmasterStatus {
        guard let text = try? String(contentsOfFile: dataDirectory + "/postmaster.pid", encoding: .utf8),
            let first = text.split(whereSeparator: \.isNewline).first,
            let pid = Int32(first.trimmingCharacters(in: .whitespaces)), pid > 0
        else { return PostmasterStatus(pid: nil, isRunning: false) }
        // EPERM: alive, owned by another user; ESRCH: gone.
        let alive = kill(pid, 0) == 0 || errno == EPERM
        return PostmasterStatus(pid: pid, isRunning: alive)
    }
}
