import ArgumentParser
import Foundation
import LifeboatCore

struct PruneCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prune",
        abstract: "Apply the retention policy: keep the newest N backups of each type.",
        discussion: """
            Limits come from BACKUP_RETENTION_DAILY (7), _WEEKLY (4), _MONTHLY (12) and _MANUAL (unset: keep all).
            A backup is deleted together with its manifest; files not named like backups are never touched,
            except the hidden partial file of a backup that was killed before it finished.

            Examples:
              lifeboat prune --dry-run
              BACKUP_RETENTION_DAILY=14 lifeboat prune
            """
    )

    @OptionGroup var global: GlobalOptions

    @Flag(help: "Print what would be deleted, delete nothing.")
    var dryRun = false

    func run() async throws {
        try await reportingErrors {
            let configuration = try await global.loadConfiguration()
            // The same policy applies to the cloud copy when sync is on.
            let retention = try BackupRetention.apply(configuration, dryRun: dryRun, cancellation: Signals.cancellation)
            let (outcome, remote) = (retention.local, retention.remote)
            if let warning = remote.warning { Terminal.note("warning: \(warning)") }
            for entry in outcome.ahead { entry.clockWarning(now: Date()).map { Terminal.note("warning: \($0)") } }
            if global.json {
                try Terminal.printJSON(
                    PruneReport(
                        dryRun: dryRun, kept: outcome.kept.map(\.name.fileName),
                        removed: outcome.removed.map(\.name.fileName),
                        removedRemote: remote.removed, notDeletedRemote: remote.notDeleted,
                        removedPartials: outcome.removedPartials))
                return
            }
            let verb = dryRun ? "would delete" : "deleted"
            for entry in outcome.removed { print("\(verb): \(entry.name.fileName)") }
            for file in outcome.removedPartials { print("\(verb) (left by a killed backup): \(file)") }
            for key in remote.removed { print("\(verb) (cloud): \(key)") }
            for key in remote.notDeleted { print("not deleted (cloud, deletion forbidden): \(key)") }
            Terminal.note(
                "\(outcome.removed.count) \(dryRun ? "would be deleted" : "deleted"), \(outcome.kept.count) kept")
        }
    }
}

struct PruneReport: Encodable {
    let dryRun: Bool
    let kept: [String]
    let removed: [String]
    let removedRemote: [String]
    /// Keys retention would delete from the bucket that the credentials may not (403).
    let notDeletedRemote: [String]
    /// Partial files of backups that were killed before they finished.
    let removedPartials: [String]
}
