import ArgumentParser
import Foundation
import LifeboatCore

struct SyncCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sync",
        abstract: "Upload the local backups and manifests the bucket lacks, then apply retention to the bucket.",
        discussion: """
            For catching up after the store was unreachable: every finished backup in BACKUP_DIR that is \
            missing in the bucket, has another size there, or whose manifest there names another SHA-256 \
            is uploaded (backup, then manifest); a manifest missing in the bucket is uploaded alone. \
            Partial files of backups being written are never uploaded. Backups the retention policy would \
            delete from the bucket at once are not uploaded. Then the retention policy is applied to the \
            bucket (--no-prune skips it). Needs BACKUP_CLOUD_BUCKET and credentials; \
            BACKUP_CLOUD_SYNC_ENABLED need not be on.
            A failed upload sends cloud_sync.failed and stops: what is left is uploaded by the next sync.

            Examples:
              lifeboat sync --dry-run
              lifeboat sync
              lifeboat sync --no-prune --json

            With BACKUP_SIGNING_KEY or BACKUP_TRUSTED_SIGNERS set, a local backup is uploaded only if its \
            manifest carries a trusted signature (a file planted in BACKUP_DIR must not reach the bucket \
            that a total-loss recovery fetches from); --allow-unsigned uploads the others too, with a warning.
            """
    )

    @OptionGroup var global: GlobalOptions

    @Flag(help: "Print what would be uploaded and deleted; change nothing.")
    var dryRun = false

    @Flag(inversion: .prefixedNo, help: "Apply the retention policy to the bucket after uploading (default: on).")
    var prune = true

    @Flag(help: "Upload backups that are unsigned or signed by a key not in BACKUP_TRUSTED_SIGNERS too (warns).")
    var allowUnsigned = false

    func run() async throws {
        try await reportingErrors {
            let configuration = try await global.loadConfiguration()
            let sync: CloudSync
            do {
                sync = try CloudSync(configuration: configuration, cancellation: Signals.cancellation)
            } catch let error as LifeboatError where error.category == .configuration {
                throw LifeboatError(
                    stage: "sync", message: "cloud sync is not configured: \(error.message)",
                    hint: error.hint, category: .configuration)
            }
            let policy = prune ? try configuration.retentionLimits() : nil
            let catchUp = CloudCatchUp(sync: sync, policy: policy)
            let plan = try catchUp.plan(try BackupInventory.scan(configuration.backupDirectory))
            let verb = dryRun ? "would upload" : "uploaded"
            var uploaded: [CloudCatchUp.Item] = []
            // Every planned backup is authenticated before the first upload, so a refusal leaves the bucket as it was.
            let trust = try BackupTrust(configuration: configuration, allowUnsigned: allowUnsigned)
            for item in plan.uploads {
                let verdict = try BackupReader.open(URL(fileURLWithPath: item.path), trust: trust).authentication
                if case .acceptedUnsigned = verdict { StandardError.warning("\(item.name) \(verdict.summary)") }
            }
            if dryRun {
                uploaded = plan.uploads
            } else {
                let notifier = try EventNotifier(configuration: configuration)
                for item in plan.uploads {
                    try upload(
                        item, with: catchUp, configuration: configuration, notifier: notifier, done: uploaded.count,
                        of: plan.uploads.count)
                    uploaded.append(item)
                    if !global.json { print("\(verb): \(Self.describe(item))") }
                }
            }
            if dryRun && !global.json { for item in uploaded { print("\(verb): \(Self.describe(item))") } }

            let pruned =
                try policy.map { try sync.prune($0, dryRun: dryRun, pending: dryRun ? plan.pending : []) }
                ?? CloudSync.PruneOutcome()
            if let warning = pruned.warning { Terminal.note("warning: \(warning)") }
            if global.json {
                try Terminal.printJSON(
                    SyncReport(
                        dryRun: dryRun, location: "\(sync.store.location)/\(sync.folder)", uploaded: uploaded,
                        inSync: plan.inSync,
                        skippedBeyondRetention: plan.beyondRetention, removedRemote: pruned.removed,
                        notDeletedRemote: pruned.notDeleted,
                        warnings: pruned.warning.map { [$0] } ?? []))
                return
            }
            for name in plan.beyondRetention { print("skipped (retention would delete it from the bucket): \(name)") }
            for key in pruned.removed { print("\(dryRun ? "would delete" : "deleted") (cloud): \(key)") }
            for key in pruned.notDeleted { print("not deleted (cloud, deletion forbidden): \(key)") }
            Terminal.note(
                "\(uploaded.count) \(dryRun ? "to upload" : "uploaded") to \(sync.store.location)/\(sync.folder), "
                    + "\(plan.inSync.count) already there, \(pruned.removed.count) \(dryRun ? "to delete" : "deleted") by retention"
                    + (prune ? "" : " (--no-prune)"))
        }
    }

    /// One upload with its metrics; a failure sends cloud_sync.failed, like `backup --upload`.
    private func upload(
        _ item: CloudCatchUp.Item, with catchUp: CloudCatchUp, configuration: LifeboatConfiguration,
        notifier: EventNotifier, done: Int, of total: Int
    ) throws {
        _ = try BackupUpload.perform(
            URL(fileURLWithPath: item.path), bytes: item.bytes, configuration: configuration, notifier: notifier,
            leaves: "\(done) of \(total) uploads done; \(item.name) and the rest stay local only",
            hint: "fix the cause and run `lifeboat sync` again"
        ) { try catchUp.upload(item) }
    }

    static func describe(_ item: CloudCatchUp.Item) -> String {
        let what = item.backup ? (item.manifest ? " (with its manifest)" : "") : " (manifest only)"
        return "\(item.name)\(what): \(item.reason)"
    }
}

struct SyncReport: Encodable {
    let dryRun: Bool
    let location: String
    /// Uploaded, or with --dry-run those that would be.
    let uploaded: [CloudCatchUp.Item]
    let inSync: [String]
    let skippedBeyondRetention: [String]
    let removedRemote: [String]
    /// Keys retention would delete that the credentials may not (403).
    let notDeletedRemote: [String]
    let warnings: [String]
}
