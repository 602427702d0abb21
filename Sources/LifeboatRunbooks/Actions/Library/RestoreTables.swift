import Foundation
import LifeboatCore

/// `restore.tables`: named tables (and, asked, the large objects) copied back from a backup
/// in one transaction, every other table left as it is (accidental deletion).
public enum RestoreTables: RunbookAction {
    public static let name = "restore.tables"

    public enum Output {
        public static let tables = "tables"
    }

    static let spec = ActionSpec(
        name: name, summary: "restore named tables only, leaving all others untouched",
        parameters: [
            .required("backup", .string, "path of the backup"),
            .optional(
                "tables", .stringList,
                "tables to restore (schema.table, or the SQL spelling \"Sales Dept\".\"Order Items\")"),
            .optional("large_objects", .bool, "the backup's large objects come back too (default false)"),
            .optional(
                "staged", .string,
                "the scratch database a restore.tables_rehearse step left: copied from instead of restoring again"),
            .optional(
                "allow_fk_violations", .bool,
                "commit even when foreign keys to or from these tables are left violated (default false)"),
            BackupTrustParameter.spec
        ],
        outputs: [Output.tables, BackupTrustParameter.output], safeToRepeat: true, changesLiveSystems: true)

    static func run(_ parameters: ResolvedParameters, _ context: ActionContext) throws -> [String: String] {
        let backup = URL(fileURLWithPath: try parameters.required("backup"))
        let tables = parameters.list("tables")
        var runner = context.restoreRunner(database: nil)
        runner.allowUnsigned =
            parameters.flag(BackupTrustParameter.name) || BackupTrustParameter.isRunArtifact(backup, context)
        runner.allowForeignKeyViolations = parameters.flag("allow_fk_violations")
        try prepareDrillTarget(backup, runner, context)
        var plan = try runner.plan(
            backup: backup, mode: .tables, tables: tables, largeObjects: parameters.flag("large_objects"))
        plan.staged = parameters.string("staged").flatMap { $0.isEmpty ? nil : $0 }
        _ = try runner.run(plan)
        return [
            Output.tables: tables.joined(separator: ","),
            BackupTrustParameter.output: plan.signature ?? BackupTrust.Verdict.notRequired.summary
        ]
    }

    /// A drill's target starts empty: the whole backup is restored there first, so the table
    /// copy that follows is rehearsed against real tables.
    static func prepareDrillTarget(_ backup: URL, _ runner: RestoreRunner, _ context: ActionContext) throws {
        guard context.drill else { return }
        let admin = try DatabaseAdmin(conninfo: context.configuration.databaseURL ?? "")
        let exists = try admin.exists(context.target)
        admin.close()
        if !exists { _ = try runner.run(try runner.plan(backup: backup, mode: .safe)) }
    }
}
