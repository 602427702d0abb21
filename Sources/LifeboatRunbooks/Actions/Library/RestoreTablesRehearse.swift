import Foundation
import LifeboatCore

/// `restore.tables_rehearse`: a table restore done all the way to its foreign-key check and
/// rolled back, so the approval before the real one can say which foreign keys it would leave
/// violated. The backup is restored and validated into a scratch database that the following
/// `restore.tables` (its `staged` parameter) copies from: the backup is restored once.
public enum RestoreTablesRehearse: RunbookAction {
    public static let name = "restore.tables_rehearse"

    public enum Output {
        /// The scratch database the backup was restored into (`restore.tables` copies from it).
        public static let scratch = "scratch"
        public static let tables = "tables", fkViolations = "fk_violations", fkViolationCount = "fk_violation_count"
        public static let largeObjects = "large_objects"
    }

    static let spec = ActionSpec(
        name: name,
        summary:
            "rehearse a table restore: restore the backup beside the live database and count the foreign keys the copy would break, changing nothing live",
        parameters: [
            .required("backup", .string, "path of the backup"),
            .optional(
                "tables", .stringList,
                "tables to restore (schema.table, or the SQL spelling \"Sales Dept\".\"Order Items\")"),
            .optional("large_objects", .bool, "the backup's large objects come back too (default false)"),
            BackupTrustParameter.spec
        ],
        outputs: [
            Output.scratch, Output.tables, Output.fkViolations, Output.fkViolationCount, Output.largeObjects,
            BackupTrustParameter.output
        ],
        safeToRepeat: true, changesLiveSystems: false)

    static func run(_ parameters: ResolvedParameters, _ context: ActionContext) throws -> [String: String] {
        let backup = URL(fileURLWithPath: try parameters.required("backup"))
        var runner = context.restoreRunner(database: nil)
        runner.allowUnsigned =
            parameters.flag(BackupTrustParameter.name) || BackupTrustParameter.isRunArtifact(backup, context)
        try RestoreTables.prepareDrillTarget(backup, runner, context)
        let plan = try runner.plan(
            backup: backup, mode: .tables, tables: parameters.list("tables"),
            largeObjects: parameters.flag("large_objects"))
        let rehearsal = try runner.rehearse(plan)
        return [
            Output.scratch: rehearsal.scratch,
            Output.tables: rehearsal.tables.joined(separator: ","),
            Output.fkViolations: rehearsal.violations.isEmpty
                ? "none" : rehearsal.violations.map(\.summary).joined(separator: "; "),
            Output.fkViolationCount: String(rehearsal.violations.count),
            Output.largeObjects: rehearsal.largeObjects.map(String.init) ?? "not asked",
            BackupTrustParameter.output: plan.signature ?? BackupTrust.Verdict.notRequired.summary
        ]
    }
}
