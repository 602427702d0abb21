import Foundation
import LifeboatCore

/// The `allow_unsigned` parameter shared by every action that reads a backup's bytes, and the
/// `signature` output that puts the signature verdict into the run's journal.
enum BackupTrustParameter {
    static let name = "allow_unsigned"
    static let output = "signature"
    static let spec = ActionSpec.Parameter.optional(
        name, .bool,
        "accept a backup the signature check refuses (unsigned, or signed by a key not in BACKUP_TRUSTED_SIGNERS); pass the runbook input allow_unsigned"
    )

    /// The trust for a step: the configured signers, relaxed only by `allow_unsigned: true`.
    static func trust(_ parameters: ResolvedParameters, _ context: ActionContext) throws -> BackupTrust {
        try BackupTrust(configuration: context.configuration, allowUnsigned: parameters.flag(name))
    }

    /// Whether `file` is one this run wrote into its own artifacts folder (a decrypted or fetched
    /// copy). Those were authenticated by the step that wrote them (`backup.decrypt` checks the
    /// signed original segment by segment before decrypting; `cloud.fetch` checks the manifest
    /// signature before downloading and the hash after), and the folder is 0700 and the run's
    /// own: whoever could change a file there could already change Lifeboat's configuration
    /// and keyring. So a later step accepts them without a signature of their own.
    static func isRunArtifact(_ file: URL, _ context: ActionContext) -> Bool {
        file.standardizedFileURL.resolvingSymlinksInPath().deletingLastPathComponent().path
            == context.artifacts.standardizedFileURL.resolvingSymlinksInPath().path
    }

    /// The verdict as a step output (journaled with the step), and a warning when relaxed.
    static func record(_ verdict: BackupTrust.Verdict, _ file: URL, _ context: ActionContext) -> String {
        if case .acceptedUnsigned = verdict { context.note("WARNING: \(file.lastPathComponent) \(verdict.summary)") }
        return verdict.summary
    }
}
