import ArgumentParser
import Foundation
import LifeboatCore

struct DiffCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diff",
        abstract: "Compare the live database with a backup's manifest, table by table.",
        discussion: """
            Counts the rows of every table (exactly, in one read-only snapshot) and sets them against \
            the counts the backup's manifest recorded: which tables lost or gained rows, which are \
            missing now and which were added since; then the large objects (count and checksum), \
            sequences, materialized views and database properties that differ. It changes nothing. BACKUP is a path or a file \
            name in BACKUP_DIR; the backup needs its manifest (`lifeboat list` shows which have one).
            Exit status, as diff(1): 0 no differences, 1 differences found, 2 could not compare, \
            3 the manifest is damaged.

            Examples:
              lifeboat diff --latest
              lifeboat diff backup_daily_20250118T030000Z.sql.gz --table payment --table rental
              lifeboat diff /backups/backup_daily_20250118T030000Z.sql.gz --json | jq '.tables[] | select(.status != "unchanged")'
            """
    )

    @OptionGroup var global: GlobalOptions

    @Argument(help: "The backup to compare with: a path, or a file name in BACKUP_DIR.")
    var backup: String?

    @Flag(help: "Compare with the newest backup in BACKUP_DIR.")
    var latest = false

    @Option(
        name: .customLong("table"),
        help: "Compare only this table (repeatable; a partitioned table means its partitions).")
    var tables: [String] = []

    @Flag(help: "List unchanged tables too (by default only their number is shown).")
    var all = false

    @Option(
        name: .customLong("database-url"),
        help:
            "The database to compare (overrides DATABASE_URL; a password here shows in `ps`, prefer DATABASE_URL or ~/.pgpass)."
    )
    var databaseURL: String?

    func validate() throws {
        if backup == nil && !latest {
            throw ValidationError("name a backup (a path or a file name in BACKUP_DIR), or use --latest")
        }
        if backup != nil && latest { throw ValidationError("use either a backup or --latest, not both") }
    }

    func run() async throws {
        let diff: LiveDiff
        do {
            diff = try await reportingErrors(diff: true) {
                let configuration = try await global.loadConfiguration(
                    databaseURL.map { [ConfigurationKey.databaseURL.name: $0] } ?? [:])
                let file = try LiveDiffer.locate(backup, latest: latest, in: configuration.backupDirectory)
                return try LiveDiffer.compare(file, configuration: configuration, tables: tables)
            }
        } catch let error where !(error is CommandVerdict) {
            // 1 means "different" here, as in diff(1): any other failure to compare is trouble, 2.
            Terminal.error("diff: \(error)")
            throw CommandVerdict(diff: DiffExitStatus(for: error))
        }
        if diff.backupDatabase != diff.database {
            Terminal.note(
                "note: \(diff.backup) is a backup of database \(diff.backupDatabase); compared with \(diff.database)")
        }
        if global.json {
            try Terminal.printJSON(diff)
        } else {
            for line in Self.text(diff, all: all) { print(line) }
        }
        if !diff.identical { throw CommandVerdict(diff: .different) }
    }

    /// The human report: the backup and database, a table of the differing tables (all with
    /// `all`), and the summary line.
    static func text(_ diff: LiveDiff, all: Bool, now: Date = Date()) -> [String] {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss 'UTC'"
        var lines = [
            "backup:   \(diff.backup) (database \(diff.backupDatabase), taken \(formatter.string(from: diff.backupStartedAt)), "
                + "\(Terminal.age(since: diff.backupStartedAt, now: now)) ago)",
            "database: \(diff.database), counted \(formatter.string(from: diff.comparedAt))"
                + (diff.filter.isEmpty ? "" : "; tables \(diff.filter.joined(separator: ", "))")
        ]
        let listed = diff.tables.filter { all || $0.status != .unchanged }
        if !listed.isEmpty {
            var rows = [["TABLE", "BACKUP", "NOW", "DIFFERENCE"]]
            for table in listed {
                let name = table.table + (table.partitionOf.map { " (partition of \($0))" } ?? "")
                let difference: String
                switch table.status {
                case .missing: difference = "missing"
                case .added: difference = "added"
                case .changed, .unchanged: difference = table.difference.map { $0 > 0 ? "+\($0)" : "\($0)" } ?? ""
                }
                rows.append([
                    name, table.backupRows.map(String.init) ?? "-", table.liveRows.map(String.init) ?? "-", difference
                ])
            }
            let widths = rows[0].indices.map { column in rows.map { $0[column].count }.max() ?? 0 }
            lines.append("")
            for row in rows {
                let name = row[0].padding(toLength: widths[0], withPad: " ", startingAt: 0)
                let numbers = (1..<row.count).map {
                    String(repeating: " ", count: widths[$0] - row[$0].count) + row[$0]
                }
                lines.append(([name] + numbers).joined(separator: "  "))
            }
        }
        if !diff.objects.isEmpty {
            // Large objects, sequences, materialized views, database properties: what rows do not show.
            let rows =
                [["OBJECT", "BACKUP", "NOW"]] + diff.objects.map { ["\($0.kind) \($0.object)", $0.backup, $0.live] }
            let widths = rows[0].indices.map { column in rows.map { $0[column].count }.max() ?? 0 }
            lines.append("")
            for row in rows {
                let padded = row.indices.map { row[$0].padding(toLength: widths[$0], withPad: " ", startingAt: 0) }
                lines.append(padded.joined(separator: "  ").trimmingCharacters(in: .whitespaces))
            }
        }
        let unchanged = diff.tables(.unchanged).count
        if !all && unchanged > 0 && !diff.identical {
            lines.append("\(unchanged) table\(unchanged == 1 ? "" : "s") unchanged (--all lists them)")
        }
        lines += ["", diff.summary]
        return lines
    }
}
