import Foundation
import LifeboatCore

/// `restore.tables`: named tables copied back from a backup in one transaction, every other
/// table left as it is (accidental deletion).
enum RestoreTables: RunbookAction {
    static let spec = ActionSpec(
        name: "restore.tables", summary: "restore named tables only, leaving all others untouched",
        parameters: [
            .required("backup", .string, "path of the backup"),
            .required("tables", .stringList, "tables to restore (schema.table, or the SQL spelling \"Sales Dept\".\"Order Items\")"),
            .optional("allow_fk_violations", .bool, "commit even when foreign keys to or from these tables are left violated (default false)"),
            BackupTrustParameter.spec,
        ],
        outputs: ["tables", BackupTrustParameter.output], safeToRepeat: true, changesLiveSystems: true)

    static func run(_ parameters: ResolvedParameters, _ context: ActionContext) throws -> [String: String] {
        let backup = URL(fileURLWithPath: try parameters.required("backup"))
        let tables = parameters.list("tables")
        var runner = context.restoreRunner(database: nil)
        runner.allowUnsigned = parameters.flag(BackupTrustParameter.name) || BackupTrustParameter.isRunArtifact(backup, context)
        runner.allowForeignKeyViolations = parameters.flag("allow_fk_violations")
        if context.drill {
            // A drill's target starts empty: restore the whole backup there first, so the
            // table copy that follows is rehearsed against real tables.
            let admin = try DatabaseAdmin(conninfo: context.configuration.databaseURL ?? "")
            let exists = try admin.exists(context.target)
            admin.close()
            if !exists { _ = try runner.run(try runner.plan(backup: backup, mode: .safe)) }
        }
        let plan = try runner.plan(backup: backup, mode: .tables, tables: tables)
        _ = try runner.run(plan)
        return ["tables": tables.joined(separator: ","), BackupTrustParameter.output: plan.signature ?? BackupTrust.Verdict.notRequired.summary]
    }
}
