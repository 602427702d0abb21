import ArgumentParser
import Foundation
import LifeboatCore
import LifeboatRunbooks

struct RestoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restore",
        abstract: "Restore a backup into the database DATABASE_URL names.",
        discussion: """
            Safe by default: the backup is restored into <db>_restore_<time>, validated against its \
            manifest, and only then swapped in; the previous database is kept as <db>_before_<time> \
            (undo with --rollback). Without --backup-file the command asks which backup to use; \
            without --force it shows the plan and asks you to type the database name.

            Examples:
              lifeboat restore                                   # interactive
              lifeboat restore --backup-file /backups/backup_daily_20250118T030000Z.sql.gz
              lifeboat restore --backup-file F --test-only       # never touches the live database
              lifeboat restore --backup-file F --table payment --table rental
              lifeboat restore --backup-file F --in-place --force
              lifeboat restore --rollback
              lifeboat restore --backup-file F --force --ignore-preflight disk.server
              lifeboat restore --backup-file F --allow-unsigned    # a backup from before signing was on

            Preflight checks (disk, server version, decryption key, service commands, target lock)
            run before anything changes; a failed one stops the restore (exit code 5) unless
            --ignore-preflight names it.
            """
    )

    @OptionGroup var global: GlobalOptions

    @Option(help: "The backup to restore (default: choose interactively).")
    var backupFile: String?

    @Flag(help: "Restore into a temporary database, validate, drop it; the live database is untouched.")
    var testOnly = false

    @Flag(help: "No confirmation prompt (automation and emergencies).")
    var force = false

    @Flag(help: "Drop and recreate the live database instead of swapping (when space is short).")
    var inPlace = false

    @Option(name: .customLong("table"), help: "Restore only this table (repeatable); other tables are untouched.")
    var tables: [String] = []

    @Flag(
        help:
            "Put the backup's large objects back (alone, or with --table): those unlinked since come back, the others take the backup's bytes; those made since stay."
    )
    var largeObjects = false

    @Flag(
        help:
            "With --table: commit even when foreign keys to or from the restored tables are left violated (they are reported)."
    )
    var allowFkViolations = false

    @Flag(help: "Swap the newest <db>_before_<time> database back in.")
    var rollback = false

    @Flag(help: "Accept a backup that is unsigned or signed by a key not in BACKUP_TRUSTED_SIGNERS (warns).")
    var allowUnsigned = false

    @Option(
        name: .customLong("ignore-preflight"),
        help: "Restore even though this preflight check failed (repeatable, or `all`).")
    var ignorePreflight: [String] = []

    func validate() throws {
        let modes = [testOnly, inPlace, !tables.isEmpty || largeObjects, rollback].filter { $0 }.count
        if modes > 1 {
            throw ValidationError(
                "--test-only, --in-place, --table (or --large-objects) and --rollback exclude each other")
        }
        if rollback && backupFile != nil { throw ValidationError("--rollback takes no --backup-file") }
        if allowFkViolations && tables.isEmpty && !largeObjects {
            throw ValidationError("--allow-fk-violations goes with --table")
        }
    }

    func run() async throws {
        try await reportingErrors {
            let configuration = try await global.loadConfiguration()
            let cancellation = Signals.cancellation
            var runner = RestoreRunner(configuration: configuration)
            runner.services = try ServiceProviders.make(from: configuration)
            runner.cancellation = cancellation
            runner.note = { Terminal.note($0) }
            runner.allowForeignKeyViolations = allowFkViolations
            runner.allowUnsigned = allowUnsigned

            if rollback {
                if !force { try Prompt.confirmDatabaseName(try runner.targetDatabase(), action: "roll back") }
                let lock = try holdTarget(try runner.targetDatabase(), configuration)
                defer { lock.release() }
                let (restored, keptAs, services) = try runner.rollback()
                Terminal.note("rolled back: \(restored) is live again; the database it replaced is kept as \(keptAs)")
                if services.contains(where: { !$0.succeeded }) {
                    throw LifeboatError(
                        stage: "services", message: "did not come back cleanly: see the warnings above",
                        category: .servicesDown)
                }
                return
            }
            let overrides = try PreflightOverrides(ignorePreflight)
            let file =
                try backupFile.map { URL(fileURLWithPath: $0) }
                ?? Prompt.chooseBackup(in: configuration.backupDirectory)
            if testOnly {
                _ = try runner.open(file)  // a missing file, manifest or signature is said as such, before the checks
                try preflight(file, mode: nil, configuration: configuration, runner: runner, overrides: overrides)
                try await VerifyCommand.verify(
                    file, configuration: configuration, json: global.json, allowUnsigned: allowUnsigned)
                return
            }
            let mode: RestorePlan.Mode = inPlace ? .inPlace : (tables.isEmpty && !largeObjects ? .safe : .tables)
            let plan = try runner.plan(backup: file, mode: mode, tables: tables, largeObjects: largeObjects)
            for line in plan.summary { Terminal.note(line) }
            let report = try preflight(
                file, mode: mode, configuration: configuration, runner: runner, overrides: overrides)
            if !force { try Prompt.confirmDatabaseName(plan.target, action: "restore") }

            // Held from here to the end: a run or another restore of this database waits or is refused.
            let lock = try holdTarget(plan.target, configuration)
            defer { lock.release() }
            let progress = ProgressLine(label: "restore")
            runner.progress = progress.update
            let result = try progress.showing { try runner.run(plan) }
            if global.json {
                try Terminal.printJSON(
                    RestoreOutput(
                        result: result, preflight: report.checks,
                        ignoredPreflight: report.overridden(overrides).map(\.name)))
            }
            Terminal.note(
                "restore of \(plan.target) finished in \(String(format: "%.1f", result.finishedAt.timeIntervalSince(result.startedAt)))s"
            )
            if result.services.contains(where: { !$0.succeeded }) {
                throw LifeboatError(
                    stage: "services", message: "did not come back cleanly: see the warnings above",
                    category: .servicesDown)
            }
        }
    }
}

extension RestoreCommand {
    /// Takes the target's lock, the one runbook runs take: the preflight saw it free, and this
    /// closes the gap since. Refused (exit 5, like the preflight) with the holder and how to
    /// end it; nothing overrides it.
    func holdTarget(_ target: String, _ configuration: LifeboatConfiguration) throws -> RunLock {
        do {
            return try RunLock(
                stateDirectory: runEngine(configuration).stateDirectory, target: target, holder: .restore,
                conninfo: configuration.databaseURL)
        } catch let refusal as RunbookRunError {
            // Refused like a failed preflight check (5): the preflight saw the target free.
            throw LifeboatError(stage: "target lock", message: refusal.message, hint: refusal.hint, category: .refused)
        }
    }

    /// Runs and prints the preflight checks; a failed one not overridden ends the command
    /// here (exit code 5), before the confirmation and before anything changes.
    @discardableResult
    func preflight(
        _ file: URL, mode: RestorePlan.Mode?, configuration: LifeboatConfiguration, runner: RestoreRunner,
        overrides: PreflightOverrides
    ) throws -> PreflightReport {
        var preflight = Preflight(configuration: configuration)
        preflight.services = runner.services
        preflight.runLockHolder = RunbookPreflight.lockHolder(
            stateDirectory: runEngine(configuration).stateDirectory,
            conninfo: configuration.databaseURL)
        let report = preflight.restore(backup: file, mode: mode, target: try runner.targetDatabase(), tables: tables)
        printPreflight(report, overrides)
        do {
            try report.gate(overrides, what: "restore")
        } catch let refusal as PreflightRefusal {
            if global.json {
                try Terminal.printJSON(RestoreOutput(result: nil, preflight: report.checks, ignoredPreflight: []))
            }
            throw refusal  // said, and mapped to its code, by reportingErrors
        }
        return report
    }
}

/// `restore --json`: the result's keys as before, with the preflight checks beside them.
struct RestoreOutput: Encodable {
    let result: RestoreRunner.Result?
    let preflight: [PreflightCheck]
    let ignoredPreflight: [String]

    enum Keys: String, CodingKey { case preflight, ignoredPreflight, refused }

    func encode(to encoder: any Encoder) throws {
        try result?.encode(to: encoder)
        var container = encoder.container(keyedBy: Keys.self)
        try container.encode(preflight, forKey: .preflight)
        try container.encode(ignoredPreflight, forKey: .ignoredPreflight)
        if result == nil { try container.encode(true, forKey: .refused) }
    }
}

/// The interactive parts of restore: they need a person at a terminal, and refuse otherwise.
enum Prompt {
    static func requireTerminal(_ what: String) throws {
        guard isatty(STDIN_FILENO) == 1 else {
            throw LifeboatError(
                stage: "restore", message: "\(what) needs a terminal, and standard input is not one",
                hint: "name the backup with --backup-file and add --force to run without prompts",
                category: .configuration)
        }
    }

    static func chooseBackup(in directory: URL) throws -> URL {
        try requireTerminal("choosing a backup")
        let entries = try BackupInventory.scan(directory).entries
        guard !entries.isEmpty else {
            throw LifeboatError(
                stage: "restore", message: "no backups in \(directory.path)",
                hint: "set BACKUP_DIR, or fetch one and use --backup-file", category: .configuration)
        }
        Terminal.note("Backups in \(directory.path), newest first:")
        for (index, entry) in entries.enumerated() {
            // A backup without a manifest (the seed's date-only files) has no verdict and no row counts to validate.
            let verified =
                entry.manifest.map {
                    $0.verification.map { "\($0.state) \(Terminal.age(since: $0.at)) ago" } ?? "never verified"
                }
                ?? (entry.manifestProblem != nil ? "bad manifest" : "no manifest")
            Terminal.note(
                String(format: "%3d) ", index + 1) + "\(entry.name.fileName)  \(entry.name.type.rawValue)  "
                    + "\(Terminal.age(since: entry.name.timestamp)) old  \(Terminal.bytes(entry.size))  \(verified)"
                    + (entry.isAhead(of: Date()) ? "  WARNING: dated ahead of the clock" : ""))
        }
        while true {
            try? FileHandle.standardError.write(
                contentsOf: Data("Restore which backup? [1-\(entries.count), q to quit]: ".utf8))
            // Quitting (q, or the end of input) refuses the restore, like a name that does not match.
            guard let answer = readLine()?.trimmingCharacters(in: .whitespaces), answer != "q" else {
                throw LifeboatError(
                    stage: "restore", message: "no backup chosen: nothing was changed", category: .configuration)
            }
            if let number = Int(answer), (1...entries.count).contains(number) { return entries[number - 1].path }
            Terminal.note("type a number from 1 to \(entries.count)")
        }
    }

    /// The confirmation that cannot be fat-fingered: the user types the database name.
    static func confirmDatabaseName(_ database: String, action: String) throws {
        try requireTerminal("the confirmation")
        try? FileHandle.standardError.write(
            contentsOf: Data("Type the database name (\(database)) to \(action) it: ".utf8))
        let answer = readLine()?.trimmingCharacters(in: .whitespaces)
        guard answer == database else {
            throw LifeboatError(
                stage: "restore", message: "the name typed does not match \(database): nothing was changed",
                category: .configuration)
        }
    }
}
