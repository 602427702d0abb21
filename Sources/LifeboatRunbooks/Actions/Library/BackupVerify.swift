import Foundation
import LifeboatCore

/// `backup.verify`: the same check as `lifeboat verify`: integrity, then a restore into a
/// temporary database whose row counts must match the manifest.
enum BackupVerify: RunbookAction {
    static let spec = ActionSpec(
        name: "backup.verify", summary: "verify a backup: integrity and a restore into a temporary database",
        parameters: [.required("backup", .string, "path of the backup"), BackupTrustParameter.spec],
        outputs: ["passed", "tables", "rows", BackupTrustParameter.output], safeToRepeat: true,
        changesLiveSystems: false)

    static func run(_ parameters: ResolvedParameters, _ context: ActionContext) throws -> [String: String] {
        let backup = URL(fileURLWithPath: try parameters.required("backup"))
        var verifier = BackupVerifier(configuration: context.configuration)
        verifier.cancellation = context.cancellation
        verifier.allowUnsigned =
            parameters.flag(BackupTrustParameter.name) || BackupTrustParameter.isRunArtifact(backup, context)
        let report = try verifier.verify(backup)
        guard report.passed else {
            throw RunbookRunError("the backup is bad: \(report.failure ?? "verification failed")")
        }
        // The verifier checked the signature; this second read only picks the counts for outputs.
        let manifest = try? BackupReader.open(backup, trust: .unchecked).manifest
        let signature = report.checks.first { $0.name == "signature" }
        if signature?.result == "skipped" {
            context.note("WARNING: \(backup.lastPathComponent): \(signature?.detail ?? "")")
        }
        return [
            "passed": "true", "tables": String(manifest?.tables.count ?? 0), "rows": String(manifest?.totalRows ?? 0),
            BackupTrustParameter.output: signature?.detail ?? BackupTrust.Verdict.notRequired.summary
        ]
    }
}
