import Foundation
import LifeboatCore
import LifeboatPostgres

/// `validate.row_counts`: every table's row count in the database against the backup's
/// manifest: the proof that the restore brought everything back.
public enum ValidateRowCounts: RunbookAction {
    public static let name = "validate.row_counts"

    public enum Output {
        public static let tables = "tables", rows = "rows", mismatches = "mismatches"
    }

    static let spec = ActionSpec(
        name: name, summary: "compare per-table row counts with the backup's manifest",
        parameters: [
            .required("backup", .string, "path of the backup whose manifest to compare with"),
            .optional("database", .string, "database (default: the target)")
        ],
        outputs: [Output.tables, Output.rows, Output.mismatches], safeToRepeat: true, changesLiveSystems: false)

    static func run(_ parameters: ResolvedParameters, _ context: ActionContext) throws -> [String: String] {
        // Runs after the restore that authenticated the same manifest; it only reads the counts.
        guard
            let manifest = try BackupReader.open(
                URL(fileURLWithPath: try parameters.required("backup")), trust: .unchecked
            ).manifest
        else {
            throw RunbookRunError("the backup has no manifest: there are no row counts to compare with")
        }
        let database = parameters.string("database") ?? context.target
        let connection = try Connection(context.configuration.databaseURL ?? "", database: database)
        defer { connection.close() }
        let mismatches = try RowCountValidator.compare(manifest.tables, in: connection)
        guard mismatches.isEmpty else {
            throw RunbookRunError(
                "\(mismatches.count) tables differ from the manifest: \(mismatches.prefix(5).map(\.description).joined(separator: "; "))"
            )
        }
        return [
            Output.tables: String(manifest.tables.count), Output.rows: String(manifest.totalRows),
            Output.mismatches: "0"
        ]
    }
}
