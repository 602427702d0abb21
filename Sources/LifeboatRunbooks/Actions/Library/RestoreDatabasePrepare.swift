import Foundation
import LifeboatCore

/// `restore.database_prepare`: a safe restore's long half, done while the application runs: the
/// backup restored beside the live database and validated (row counts, large objects,
/// sequences, properties against the manifest), then kept. The following `restore.database`
/// (its `staged` parameter) only swaps it in, so a recovery restores the backup once, the
/// application is down only for the swap, and this step's outputs are the proof that the
/// backup was good before anything live changed.
enum RestoreDatabasePrepare: RunbookAction {
    static let spec = ActionSpec(
        name: "restore.database_prepare",
        summary: "restore a backup beside the live database and validate it, changing nothing live; the copy is kept for restore.database to swap in",
        parameters: [
            .required("backup", .string, "path of the backup"),
            .optional("database", .string, "target database (default: the runbook target)"),
            BackupTrustParameter.spec,
        ],
        outputs: [Output.prepared, Output.tables, Output.rows, Output.objects, BackupTrustParameter.output],
        // Not repeated blindly: a resume drops the half-built copy first (ScratchRedo).
        safeToRepeat: false, changesLiveSystems: false)

    enum Output {
        /// "database", like every step that makes one: a drill drops the databases its steps name there.
        static let prepared = "database", tables = "tables", rows = "rows", objects = "objects"
    }

    static func run(_ parameters: ResolvedParameters, _ context: ActionContext) throws -> [String: String] {
        let backup = URL(fileURLWithPath: try parameters.required("backup"))
        var runner = context.restoreRunner(database: parameters.string("database"))
        runner.allowUnsigned = parameters.flag(BackupTrustParameter.name) || BackupTrustParameter.isRunArtifact(backup, context)
        let plan = try runner.plan(backup: backup, mode: .safe)
        try context.checkpoint?(ScratchRedo.checkpoint(mode: ScratchRedo.prepareMode, plan: plan))
        let prepared = try runner.prepare(plan)
        let validation = prepared.validation
        return [
            Output.prepared: prepared.database,
            Output.tables: validation.map { String($0.tables) } ?? "not validated (no manifest)",
            Output.rows: validation.map { String($0.rows) } ?? "not validated (no manifest)",
            Output.objects: validation.map { $0.objects.isEmpty ? "none to compare" : $0.objects } ?? "not validated (no manifest)",
            BackupTrustParameter.output: BackupTrustParameter.isRunArtifact(backup, context) && !parameters.flag(BackupTrustParameter.name)
                ? "this run's own artifact, authenticated by the step that wrote it" : plan.signature ?? BackupTrust.Verdict.notRequired.summary,
        ]
    }
}
