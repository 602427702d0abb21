import Foundation
import LifeboatCore

/// `backup.verify`: the same check as `lifeboat verify`: integrity, then a restore into a
/// temporary database whose row counts must match the manifest.
public enum BackupVerify: RunbookAction {
    public static let name = "backup.verify"

    public enum Output {
        public static let passed = "passed", tables = "tables", rows = "rows"
    }

    static let spec = ActionSpec(
        name: name, summary: "verify a backup: integrity and a restore into a temporary database",
        parameters: [.required("backup", .string, "path of the backup"), BackupTrustParameter.spec],
        outputs: [Output.passed, Output.tables, Output.rows, BackupTrustParameter.output], safeToRepeat: true,
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
            Output.passed: "true", Output.tables: String(manifest?.tables.count ?? 0),
            Output.rows: String(manifest?.totalRows ?? 0),
            BackupTrustParameter.output: signature?.detail ?? BackupTrust.Verdict.notRequired.summary
        ]
    }
}
