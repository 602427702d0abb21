import Foundation
import LifeboatPostgres

extension Preflight {
    /// `backup.tables`: every table a table restore names is one table of the live database
    /// (the SQL spelling or the plain one; an ambiguous name is refused with its candidates; a
    /// partitioned parent counts) and the chosen backup holds its rows. Said before anything
    /// runs, so a mistyped name never costs a verification and a scratch restore first.
    func tables(_ subject: PreflightSubject, _ backup: BackupFacts) -> PreflightCheck {
        let name = "backup.tables"
        guard !subject.tables.isEmpty else { return PreflightCheck(name, .skipped, "no table-level restore") }
        let timeout = Duration.seconds((try? configuration.int(.connectTimeout)) ?? 10)
        let connection: Connection
        do {
            connection = try Connection(
                configuration.databaseURL ?? "", database: subject.target, connectTimeout: timeout)
        } catch {
            return PreflightCheck(
                name, .fail,
                "cannot read \(subject.target)'s tables: "
                    + LifeboatError(connecting: error, target: subject.target).message,
                hint: "a table restore puts rows back into the live database's tables: it must exist and be reachable; "
                    + "after a total loss, restore the whole database")
        }
        defer { connection.close() }
        var resolved: [String] = []
        var problems: [String] = []
        var hints: [String] = []
        for text in subject.tables {
            let table: RestoredTable
            do {
                table = try RestoredTable.resolve(text, in: connection, place: "database \(subject.target)")
            } catch let error as LifeboatError {
                problems.append(error.message)
                if let hint = error.hint { hints.append(hint) }
                continue
            } catch {
                problems.append("table \(text): \(error)")
                continue
            }
            if let manifest = backup.manifest {
                let leaves = (try? table.leaves(on: connection)) ?? []
                let held = leaves.filter { leaf in
                    manifest.tables.contains { $0.schema == leaf.schema && $0.name == leaf.name }
                }
                if !leaves.isEmpty && held.isEmpty {
                    problems.append(
                        "table \(table.display) is not in the backup \(manifest.fileName) (made after it, or renamed since)"
                    )
                    hints.append("choose a backup that holds it, or restore the whole database")
                    continue
                }
            }
            resolved.append(table.display + (table.partitioned ? " (partitioned: its partitions too)" : ""))
        }
        guard problems.isEmpty else {
            return PreflightCheck(
                name, .fail, problems.joined(separator: "; "),
                hint: (hints.isEmpty
                    ? ["name tables as schema.table or in SQL spelling (\"Sales Dept\".\"Order Items\")"] : hints)
                    .joined(separator: "; "))
        }
        let source =
            backup.manifest == nil
            ? " (the backup's own tables are checked once it is restored: \(backup.missingManifest))"
            : ", all in the backup"
        return PreflightCheck(name, .ok, resolved.joined(separator: ", ") + source)
    }
}
