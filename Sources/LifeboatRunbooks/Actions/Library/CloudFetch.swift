import Foundation
import LifeboatCore

/// `cloud.fetch`: downloads a backup (and its manifest) from the bucket into the run folder.
/// A download cut short resumes where it stopped; one that finished before a crash is reused.
public enum CloudFetch: RunbookAction {
    public static let name = "cloud.fetch"

    public enum Output {
        /// The download in the run folder.
        public static let path = "path", bytes = "bytes"
    }

    static let spec = ActionSpec(
        name: name, summary: "download a backup from the cloud into the run folder (resumable)",
        parameters: [.required("name", .string, "backup file name"), BackupTrustParameter.spec],
        outputs: [Output.path, Output.bytes, BackupTrustParameter.output], safeToRepeat: true,
        changesLiveSystems: false)

    static func run(_ parameters: ResolvedParameters, _ context: ActionContext) throws -> [String: String] {
        let name = try parameters.required("name")
        try CloudSync.checkName(name)  // before the name becomes a path, even of one fetched earlier
        try FileManager.default.createDirectory(
            at: context.artifacts, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let existing = context.artifacts.appendingPathComponent(name)
        if FileManager.default.fileExists(atPath: existing.path) {  // fetched before a crash
            let size =
                ((try? FileManager.default.attributesOfItem(atPath: existing.path))?[.size] as? NSNumber)?.int64Value
                ?? 0
            return [
                Output.path: existing.path, Output.bytes: String(size),
                BackupTrustParameter.output: "checked when it was fetched"
            ]
        }
        let sync = try CloudSync(configuration: context.configuration, cancellation: context.cancellation)
        let fetched = try sync.fetch(
            name, into: context.artifacts, trust: try BackupTrustParameter.trust(parameters, context),
            progress: context.progress)
        if let signature = fetched.signature, !signature.hasPrefix("good") {
            context.note("WARNING: \(name) \(signature)")
        }
        return [
            Output.path: fetched.path, Output.bytes: String(fetched.resumedFrom + fetched.downloaded),
            BackupTrustParameter.output: fetched.signature ?? BackupTrust.Verdict.notRequired.summary
        ]
    }
}
