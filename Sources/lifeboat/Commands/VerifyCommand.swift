import ArgumentParser
import Foundation
import LifeboatCore

struct VerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Prove a backup restores: integrity checks, then a restore into a temporary database.",
        discussion: """
            Checks the SHA-256 against the manifest, the gzip CRC and the OpenPGP integrity in one pass \
            while restoring into lifeboat_verify_<time>_<pid>, compares per-table row counts with the \
            manifest, and drops the temporary database on every path. The verdict is recorded in the manifest.
            Exit status: 0 the backup is good, 3 the backup is bad, 1 it could not be checked.

            Examples:
              lifeboat verify --latest
              lifeboat verify /backups/backup_daily_20250118T030000Z.sql.gz
              lifeboat verify --latest --json
              lifeboat verify --allow-unsigned /backups/backup_manual_20240101T000000Z.sql.gz   # taken before signing was on

            With BACKUP_SIGNING_KEY or BACKUP_TRUSTED_SIGNERS set, the manifest's signature is checked \
            first and every 4 MiB segment before it is used; an unsigned backup, or one signed by a key \
            not trusted, is refused unless --allow-unsigned (which prints a warning).
            """
    )

    @OptionGroup var global: GlobalOptions

    @Argument(help: "The backup file to verify.")
    var file: String?

    @Flag(help: "Verify the newest backup in BACKUP_DIR.")
    var latest = false

    @Flag(help: "Accept a backup that is unsigned or signed by a key not in BACKUP_TRUSTED_SIGNERS (warns).")
    var allowUnsigned = false

    func validate() throws {
        if file == nil && !latest { throw ValidationError("name a backup file, or use --latest") }
        if file != nil && latest { throw ValidationError("use either a file or --latest, not both") }
    }

    func run() async throws {
        try await reportingErrors {
            let configuration = try await global.loadConfiguration()
            let target = try file.map { URL(fileURLWithPath: $0) } ?? latestBackup(configuration)
            try await VerifyCommand.verify(
                target, configuration: configuration, json: global.json, allowUnsigned: allowUnsigned)
        }
    }

    private func latestBackup(_ configuration: LifeboatConfiguration) throws -> URL {
        let inventory = try BackupInventory.scan(configuration.backupDirectory)
        for entry in inventory.ahead() { entry.clockWarning(now: Date()).map { Terminal.note("warning: \($0)") } }
        guard let newest = inventory.current().first else {
            throw LifeboatError(
                stage: "verify", message: "no backups in \(configuration.backupDirectory.path)",
                hint: "take one with `lifeboat backup`, or set BACKUP_DIR", category: .configuration)
        }
        return newest.path
    }

    /// Shared with `backup --verify` and `backup --verify-only`.
    static func verify(_ file: URL, configuration: LifeboatConfiguration, json: Bool, allowUnsigned: Bool = false)
        async throws
    {
        let cancellation = Signals.cancellation
        let progress = ProgressLine(label: "verify")
        var verifier = BackupVerifier(configuration: configuration)
        verifier.cancellation = cancellation
        verifier.allowUnsigned = allowUnsigned
        verifier.notifier = try EventNotifier(configuration: configuration)
        verifier.progress = progress.update
        let report = try progress.showing { try verifier.verify(file) }
        if let signature = report.checks.first(where: { $0.name == "signature" && $0.result == "skipped" }) {
            StandardError.warning("\(file.lastPathComponent): \(signature.detail ?? "signature not checked")")
        }
        if json {
            try Terminal.printJSON(report)
        } else {
            for check in report.checks {
                Terminal.note(
                    "  \(check.result == "passed" ? "✓" : check.result == "skipped" ? "-" : "✗") \(check.name): \(check.detail ?? check.result)"
                )
            }
            for mismatch in report.mismatches.prefix(20) { Terminal.note("    \(mismatch)") }
        }
        guard report.passed else {
            Terminal.error("\(file.lastPathComponent) is BAD: \(report.failure ?? "verification failed")")
            throw CommandVerdict(.badBackup)
        }
        if !json {
            let matched = report.checks.contains { $0.name == "row counts" && $0.result == "passed" }
            Terminal.note(
                "\(file.lastPathComponent) verified: it restores"
                    + (matched
                        ? " and matches its manifest"
                        : " (no manifest: its SHA-256 and row counts could not be checked)"))
        }
    }
}
