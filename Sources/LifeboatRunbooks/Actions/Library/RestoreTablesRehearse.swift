import Foundation
import LifeboatCore

/// `restore.tables_rehearse`: a table restore done all the way to its foreign-key check and
/// rolled back, so the approval before the real one can say which foreign keys it would leave
/// violated. The backup is restored and validated into a scratch database that the following
/// `restore.tables` (its `staged` parameter) copies from: the backup is restored once.
enum RestoreTablesRehearse: RunbookAction {
    static let spec = ActionSpec(
        name: "restore.tables_rehearse",
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
            "scratch", "tables", "fk_violations", "fk_violation_count", "large_objects", BackupTrustParameter.output
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
            "scratch": rehearsal.scratch,
            "tables": rehearsal.tables.joined(separator: ","),
            "fk_violations": rehearsal.violations.isEmpty
                ? "none" : rehearsal.violations.map(\.summary).joined(separator: "; "),
            "fk_violation_count": String(rehearsal.violations.count),
            "large_objects": rehearsal.largeObjects.map(String.init) ?? "not asked",
            BackupTrustParameter.output: plan.signature ?? BackupTrust.Verdict.notRequired.summary
        ]
    }
}
