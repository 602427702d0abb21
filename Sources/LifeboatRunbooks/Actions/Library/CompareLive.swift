import Foundation
import LifeboatCore

/// `compare.live`: the database's tables against a backup's manifest, as `lifeboat diff` does,
/// so that a responder sees which tables a deletion hit before approving a restore. Read-only:
/// it never fails because tables differ, only when it cannot compare.
public enum CompareLive: RunbookAction {
    public static let name = "compare.live"

    public enum Output {
        public static let changedTables = "changed_tables", missingTables = "missing_tables"
        public static let addedTables = "added_tables", identical = "identical", summary = "summary"
    }

    static let spec = ActionSpec(
        name: name,
        summary: "compare the database's row counts with a backup's manifest, table by table (read-only)",
        parameters: [
            .required("backup", .string, "path of the backup whose manifest to compare with"),
            .optional("tables", .stringList, "compare only these tables (default: all)"),
            .optional("database", .string, "database (default: the target)")
        ],
        outputs: [Output.changedTables, Output.missingTables, Output.addedTables, Output.identical, Output.summary],
        safeToRepeat: true, changesLiveSystems: false)

    static func run(_ parameters: ResolvedParameters, _ context: ActionContext) throws -> [String: String] {
        let backup = URL(fileURLWithPath: try parameters.required("backup"))
        let database = try database(parameters, context)
        let diff = try LiveDiffer.compare(
            backup, configuration: context.configuration, database: database, tables: parameters.list("tables"))
        context.note("compare: \(database) against \(diff.backup): \(diff.summary)")
        for table in diff.tables where table.status != .unchanged {
            let change =
                table.difference.map { "\(table.backupRows ?? 0) → \(table.liveRows ?? 0) (\($0 > 0 ? "+" : "")\($0))" }
                ?? table.status.rawValue
            context.note("  \(table.table): \(change)")
        }
        func names(_ status: LiveDiff.Status) -> String { diff.tables(status).map(\.table).joined(separator: ",") }
        return [
            Output.changedTables: names(.changed), Output.missingTables: names(.missing),
            Output.addedTables: names(.added), Output.identical: String(diff.identical), Output.summary: diff.summary
        ]
    }

    /// The database to count: the step's, else the target. A drill's scratch target does not
    /// exist before its restore step makes it; the drill then compares the live database, which
    /// this action only reads (in a read-only transaction), so the rehearsal shows what the
    /// responder would see.
    static func database(_ parameters: ResolvedParameters, _ context: ActionContext) throws -> String {
        if let named = parameters.string("database") { return named }
        guard context.drill else { return context.target }
        let admin = try DatabaseAdmin(conninfo: context.configuration.databaseURL ?? "")
        defer { admin.close() }
        if try admin.exists(context.target) { return context.target }
        let live = try RestoreRunner(configuration: context.configuration).targetDatabase()
        context.note(
            "compare: the drill's scratch database \(context.target) does not exist yet: reading the live database \(live), read-only"
        )
        return live
    }
}
