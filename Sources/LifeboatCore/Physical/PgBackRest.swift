import Foundation

/// Runs pgBackRest for the configured stanza: `pgbackrest [--config=F] --stanza=S OPTIONS CMD`
/// as LIFEBOAT_PG_USER, stdout and stderr captured apart. Lifeboat orchestrates pgBackRest and
/// never reads its repository itself: everything it knows comes from these commands. A failure
/// becomes a `LifeboatError` carrying pgBackRest's own ERROR and HINT lines plus what to do.
public struct PgBackRest: Sendable {
    public let settings: PhysicalEngineSettings
    public var environment: [String: String]

    public init(settings: PhysicalEngineSettings, environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.settings = settings
        self.environment = environment
    }

    /// The command line (before the change of user), for messages and plans.
    public func commandLine(_ command: String, options: [String] = []) -> [String] {
        var argv = [settings.binary]
        if let config = settings.configPath { argv.append("--config=\(config)") }
        argv.append("--stanza=\(settings.stanza)")
        return argv + options + [command]
    }

    /// Runs `command`; a non-zero exit is returned, not thrown (see `runChecked`).
    public func run(
        _ command: String, options: [String] = [], timeout: TimeInterval? = nil,
        cancellation: CancellationFlag? = nil
    ) throws -> CapturedCommand.Output {
        var argv = commandLine(command, options: options)
        do {
            argv[0] = try CapturedCommand.locate(settings.binary, path: environment["PATH"], stage: "pgbackrest")
        } catch {
            throw LifeboatError(
                stage: "pgbackrest",
                message: "\(settings.binary) was not found" + (settings.binary.contains("/") ? "" : " on PATH"),
                hint: "install pgBackRest (apt-get install pgbackrest) or set LIFEBOAT_PGBACKREST_BIN to its path",
                category: .configuration)
        }
        return try CapturedCommand(settings.runAs.wrap(argv), environment: environment, timeout: timeout)
            .run(cancellation: cancellation, stage: "pgbackrest")
    }

    /// Runs `command` and throws the translated error when it fails.
    @discardableResult
    public func runChecked(
        _ command: String, options: [String] = [], timeout: TimeInterval? = nil,
        cancellation: CancellationFlag? = nil
    ) throws -> CapturedCommand.Output {
        let output = try run(command, options: options, timeout: timeout, cancellation: cancellation)
        guard output.succeeded else { throw failure(command, output, options: options) }
        return output
    }

    /// The stanza as `pgbackrest info --output=json` describes it; an error when pgBackRest
    /// cannot read it (missing stanza, unreadable repository, wrong config).
    public func info(timeout: TimeInterval = 120) throws -> PgBackRestInfo.Stanza {
        let output = try runChecked("info", options: ["--output=json"], timeout: timeout)
        let info = try PgBackRestInfo.decode(Data(output.stdout.utf8))
        guard let stanza = info.stanza(settings.stanza) ?? info.stanzas.first else {
            throw LifeboatError(
                stage: "pgbackrest", message: "`pgbackrest info` returned no stanza named '\(settings.stanza)'",
                hint: "check PGBACKREST_STANZA against `pgbackrest info`")
        }
        guard stanza.isReadable else { throw stanzaProblem(stanza.status) }
        return stanza
    }

    /// The error for an `info` status other than "ok" or "no valid backups".
    func stanzaProblem(_ status: PgBackRestInfo.Status) -> LifeboatError {
        let where_ = settings.configPath.map { " (config \($0))" } ?? ""
        let hint: String
        switch status.code {
        case 1, 3:
            hint =
                "create it: `\(asUser) \(ServiceProviders.commandLine(commandLine("stanza-create")))`, "
                + "or fix PGBACKREST_STANZA if the stanza has another name"
        case 4:
            hint =
                "the repository's encryption does not match pgbackrest.conf: check repo1-cipher-type and repo1-cipher-pass"
        case 5:
            hint =
                "the repository holds another cluster's backups: check pg1-path and PGBACKREST_STANZA, "
                + "or run `pgbackrest stanza-upgrade` after a PostgreSQL major upgrade"
        default:
            hint = "run `\(asUser) \(ServiceProviders.commandLine(commandLine("info")))` for pgBackRest's own view"
        }
        return LifeboatError(
            stage: "pgbackrest",
            message: "stanza '\(settings.stanza)'\(where_): \(status.message) (pgBackRest status \(status.code))",
            hint: hint, category: status.code == 1 || status.code == 3 ? .configuration : .failed)
    }

    /// "as postgres:" style prefix for hints, when a change of user is needed.
    var asUser: String {
        settings.runAs.isCurrentUser
            ? "" : (geteuid() == 0 ? "runuser -u \(settings.runAs.user) --" : "sudo -u \(settings.runAs.user)")
    }

    /// pgBackRest's `ERROR: [NNN]: text` (and the `HINT:` lines under it) made into an error
    /// that says what to do; recognised causes get a specific hint.
    public func failure(_ command: String, _ output: CapturedCommand.Output, options: [String] = []) -> LifeboatError {
        let typed = ServiceProviders.commandLine(commandLine(command, options: options))
        let shown = asUser.isEmpty ? typed : "\(asUser) \(typed)"
        if output.cancelled {
            return LifeboatError(
                stage: "pgbackrest", message: "pgbackrest \(command) was interrupted",
                hint: "run `lifeboat backup --engine physical` again; pgBackRest resumes or restarts the backup")
        }
        if output.timedOut {
            return LifeboatError(
                stage: "pgbackrest", message: "pgbackrest \(command) did not finish in time and was stopped",
                hint: "run `\(shown)` by hand to see where it waits")
        }
        let parsed = PgBackRestMessage.parse(output.stderr + "\n" + output.stdout)
        let text = parsed?.text ?? Self.lastLine(output.stderr) ?? Self.lastLine(output.stdout) ?? "no output"
        let code = parsed.map { " [\(String(format: "%03d", $0.code))]" } ?? ""
        let known = Self.knownCause(text, code: parsed?.code, settings: settings, typed: typed, asUser: asUser)
        var hint =
            known?.hint ?? parsed?.hint.map { "pgBackRest: \($0)" }
            ?? "run `\(shown)` by hand to see pgBackRest's full output"
        if known != nil, let extra = parsed?.hint { hint += " (pgBackRest: \(extra))" }
        return LifeboatError(
            stage: "pgbackrest", message: "pgbackrest \(command) failed (\(output.summary))\(code): \(text)",
            hint: hint, category: known?.category ?? .failed)
    }

    static func knownCause(
        _ text: String, code: Int?, settings: PhysicalEngineSettings, typed: String,
        asUser: String
    ) -> (hint: String, category: LifeboatError.Category)? {
        let lower = text.lowercased()
        let stanza = settings.stanza
        let createStanza =
            "\(asUser.isEmpty ? "" : asUser + " ")\(ServiceProviders.commandLine(settings.binaryLine + ["--stanza=\(stanza)", "stanza-create"]))"
        if lower.contains("requires option: pg1-path") {
            return (
                "pgbackrest.conf\(settings.configPath.map { " (\($0))" } ?? "") has no [\(stanza)] section with pg1-path: "
                    + "add one, or set PGBACKREST_STANZA to the stanza it defines", .configuration
            )
        }
        if (lower.contains("backup.info") || lower.contains("archive.info")) && lower.contains("missing") {
            return ("the stanza is not in the repository yet: `\(createStanza)`", .configuration)
        }
        if lower.contains("unable to open missing file"), let path = settings.configPath, text.contains(path) {
            return (
                "PGBACKREST_CONFIG names \(path), which \(settings.runAs.user) cannot find: fix the path",
                .configuration
            )
        }
        if lower.contains("unable to open missing file")
            || (lower.contains("unable to open file") && lower.contains("for read"))
        {
            return ("check that \(settings.runAs.user) can read that file (owner and permissions)", .configuration)
        }
        if lower.contains("must contain pgbackrest") || lower.contains("archive_command") {
            let push =
                ServiceProviders.commandLine(settings.binaryLine + ["--stanza=\(stanza)", "archive-push"]) + " %p"
            return (
                "set archive_command to `\(push)` (ALTER SYSTEM SET archive_command = '…'; "
                    + "SELECT pg_reload_conf();), then `lifeboat engine check`", .failed
            )
        }
        if lower.contains("archive_mode must be enabled") {
            return (
                "ALTER SYSTEM SET archive_mode = on; then restart PostgreSQL (archive_mode needs a restart)", .failed
            )
        }
        if lower.contains("was not archived before") || lower.contains("archive-timeout") {
            return (
                "WAL does not reach the repository: look for 'archive command failed' in the PostgreSQL log and at "
                    + "pg_stat_archiver (`lifeboat engine check` shows both)", .failed
            )
        }
        if lower.contains("unable to acquire lock") {
            return (
                "another pgBackRest backup or expire of this stanza is running: wait for it, then try again", .failed
            )
        }
        if lower.contains("unable to connect") || lower.contains("could not connect") {
            return (
                "pgBackRest connects through pg1-socket-path/pg1-port in pgbackrest.conf as \(settings.runAs.user): "
                    + "check them, and that PostgreSQL runs", .failed
            )
        }
        if lower.contains("permission denied") {
            return (
                "\(settings.runAs.user) (LIFEBOAT_PG_USER) must own the data directory and be able to write the repository, "
                    + "log-path and lock-path", .failed
            )
        }
        if lower.contains("a password is required") || lower.contains("sudo:") {
            return (
                "let this user run pgbackrest as \(settings.runAs.user) without a password (sudoers), or run Lifeboat as root "
                    + "or as \(settings.runAs.user)", .configuration
            )
        }
        return nil
    }

    static func lastLine(_ text: String) -> String? {
        text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.last { !$0.isEmpty }
    }
}

extension PhysicalEngineSettings {
    /// `pgbackrest [--config=F]`, for hints.
    var binaryLine: [String] {
        [binary] + (configPath.map { ["--config=\($0)"] } ?? [])
    }
}

/// pgBackRest's error report: `ERROR: [037]: text` followed by indented `HINT: text` lines.
struct PgBackRestMessage: Equatable {
    let code: Int
    let text: String
    let hint: String?

    static func parse(_ output: String) -> PgBackRestMessage? {
        let lines = output.split(whereSeparator: \.isNewline).map(String.init)
        guard let index = lines.lastIndex(where: { $0.contains("ERROR: [") }) else { return nil }
        let line = lines[index]
        guard let open = line.range(of: "ERROR: ["),
            let close = line.range(of: "]:", range: open.upperBound..<line.endIndex),
            let code = Int(line[open.upperBound..<close.lowerBound])
        else { return nil }
        var text = line[close.upperBound...].trimmingCharacters(in: .whitespaces)
        var hints: [String] = []
        for next in lines[(index + 1)...] {
            let trimmed = next.trimmingCharacters(in: .whitespaces)
            guard next.first?.isWhitespace == true, !trimmed.isEmpty else { break }
            if trimmed.hasPrefix("HINT:") {
                hints.append(trimmed.dropFirst(5).trimmingCharacters(in: .whitespaces))
            } else {
                text += " " + trimmed
            }
        }
        return PgBackRestMessage(code: code, text: text, hint: hints.isEmpty ? nil : hints.joined(separator: " "))
    }
}
