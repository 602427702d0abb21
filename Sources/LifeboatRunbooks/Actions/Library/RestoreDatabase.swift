import Foundation
import LifeboatCore

/// `restore.database`: a whole backup into the target: `safe` builds it beside the live
/// database and swaps (the old one kept), `in-place` replaces it after a full integrity pass,
/// `scratch` creates a new database and refuses one that exists. With `staged` (the copy a
/// `restore.database_prepare` step built and validated) a safe restore is only the swap.
public enum RestoreDatabase: RunbookAction {
    public static let name = "restore.database"

    public enum Output {
        public static let database = ActionSpec.databaseOutput
        /// Safe mode: the name the previous database was kept under (`lifeboat restore --rollback`).
        public static let keptAs = "kept_as"
        public static let databaseProperties = "database_properties"
    }

    static let spec = ActionSpec(
        name: name, summary: "restore a backup into the target database",
        parameters: [
            .required("backup", .string, "path of the backup"),
            .optional(
                "mode", .choice(["safe", "in-place", "scratch"]),
                "safe (default), in-place, or scratch (a new database)"),
            .optional("database", .string, "target database (default: the runbook target)"),
            .optional(
                "staged", .string,
                "safe mode: the copy a restore.database_prepare step left, swapped in instead of restoring again"),
            BackupTrustParameter.spec
        ],
        outputs: [Output.database, Output.keptAs, Output.databaseProperties, BackupTrustParameter.output],
        safeToRepeat: false, changesLiveSystems: true)

    static func run(_ parameters: ResolvedParameters, _ context: ActionContext) throws -> [String: String] {
        let backup = URL(fileURLWithPath: try parameters.required("backup"))
        let mode = parameters.string("mode") ?? "safe"
        var runner = context.restoreRunner(database: parameters.string("database"))
        runner.allowUnsigned =
            parameters.flag(BackupTrustParameter.name) || BackupTrustParameter.isRunArtifact(backup, context)
        var plan = try runner.plan(backup: backup, mode: mode == "in-place" ? .inPlace : .safe)
        if mode == "scratch" && plan.targetExists {
            throw RunbookRunError("scratch restore target \(plan.target) already exists", hint: "name a new database")
        }
        if let staged = parameters.string("staged"), !staged.isEmpty {
            guard mode == "safe" else {
                throw RunbookRunError(
                    "staged is for a safe restore, not mode \(mode)", hint: "leave staged out, or use mode: safe")
            }
            plan.staged = staged
        }
        try context.checkpoint?(ScratchRedo.checkpoint(mode: mode, plan: plan))
        let result = try runner.run(plan)
        // Journaled with the step, so the report says which of the live database's own properties were kept.
        let properties =
            result.propertyDifferences.isEmpty
            ? "as the backup's" : "kept the live database's: " + result.propertyDifferences.joined(separator: "; ")
        return [
            Output.database: plan.target, Output.keptAs: result.keptAs ?? "", Output.databaseProperties: properties,
            BackupTrustParameter.output: BackupTrustParameter.isRunArtifact(backup, context)
                && !parameters.flag(BackupTrustParameter.name)
                ? "this run's own artifact, authenticated by the step that wrote it"
                : plan.signature ?? BackupTrust.Verdict.notRequired.summary
        ]
    }
}

extension ActionContext {
    /// A restore runner aimed at `database` (default: the run's target). Services are left
    /// alone: stopping and starting them are the runbook's own steps.
    func restoreRunner(database: String?) -> RestoreRunner {
        var runner = RestoreRunner(configuration: configuration)
        runner.targetOverride = database ?? target
        runner.services = nil
        runner.cancellation = cancellation
        runner.note = note
        runner.progress = progress
        runner.spoolDirectory = runDirectory
        return runner
    }
}
