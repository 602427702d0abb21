import ArgumentParser
import Foundation
import LifeboatCore

struct FetchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fetch",
        abstract: "Download a backup from the cloud into BACKUP_DIR, resuming an interrupted download.",
        discussion: """
            Downloads through a hidden .NAME.partial file; run it again after an interruption and it \
            continues from where it stopped (HTTP Range). The result must match the manifest's SHA-256, \
            otherwise it is removed.

            Examples:
              lifeboat fetch --latest
              lifeboat fetch --latest --type weekly
              lifeboat fetch backup_weekly_20250118T040000Z.sql.gz.gpg
              lifeboat fetch --allow-unsigned backup_manual_20240101T000000Z.sql.gz   # from before signing

            With BACKUP_SIGNING_KEY or BACKUP_TRUSTED_SIGNERS set, the manifest's signature (and its \
            .manifest.json.sig) is checked before anything is downloaded: an unsigned backup, or one \
            signed by a key not trusted, is refused unless --allow-unsigned (which prints a warning).
            """
    )

    @OptionGroup var global: GlobalOptions

    @Argument(help: "The backup's file name in the bucket.")
    var name: String?

    @Flag(help: "Fetch the newest backup in the bucket.")
    var latest = false

    @Option(help: "With --latest: only backups of this type.")
    var type: BackupType?

    @Flag(help: "Accept a backup that is unsigned or signed by a key not in BACKUP_TRUSTED_SIGNERS (warns).")
    var allowUnsigned = false

    func validate() throws {
        if (name == nil) == !latest { throw ValidationError("name one backup, or use --latest") }
        if type != nil && !latest { throw ValidationError("--type goes with --latest") }
    }

    func run() async throws {
        try await reportingErrors {
            let configuration = try await global.loadConfiguration()
            let sync = try CloudSync(configuration: configuration, cancellation: Signals.cancellation)
            let chosen: String
            if let name {
                chosen = name
            } else {
                let now = Date()
                let remote = try sync.remoteBackups().filter { type == nil || $0.name.type == type }
                for backup in remote { backup.name.clockWarning(now: now).map { Terminal.note("warning: \($0)") } }
                guard let newest = remote.first(where: { !$0.name.isAhead(of: now) }) else {
                    throw LifeboatError(
                        stage: "fetch",
                        message:
                            "no \(type.map { "\($0.rawValue) " } ?? "")backups in \(sync.store.location)/\(sync.folder)",
                        hint: "check BACKUP_CLOUD_BUCKET and BACKUP_CLOUD_PREFIX", category: .configuration)
                }
                chosen = newest.name.fileName
            }
            let directory = configuration.backupDirectory
            try FileManager.default.createDirectory(
                at: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            let progress = ProgressLine(label: "fetch")
            let trust = try BackupTrust(configuration: configuration, allowUnsigned: allowUnsigned)
            let fetched = try progress.showing {
                try sync.fetch(chosen, into: directory, trust: trust, progress: progress.update)
            }
            if let signature = fetched.signature, allowUnsigned, !signature.hasPrefix("good") {
                StandardError.warning("\(chosen): \(signature)")
            }
            if global.json {
                try Terminal.printJSON(fetched)
            } else {
                Terminal.note(
                    "fetched: \(fetched.path)"
                        + (fetched.resumedFrom > 0
                            ? " (resumed at byte \(fetched.resumedFrom), \(fetched.downloaded) bytes downloaded now)"
                            : ""))
            }
        }
    }
}
