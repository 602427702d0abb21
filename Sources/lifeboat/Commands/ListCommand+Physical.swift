import Foundation
import LifeboatCore

/// One pgBackRest set as `list --json` prints it: the logical entries' keys where they mean the
/// same (name, type, time, age, size), then pgBackRest's own.
struct ListedPhysicalBackup: Encodable {
    let engine = "physical"
    let name: String
    let stanza: String
    let type: PhysicalBackupKind
    /// When it finished (it is restorable from then on).
    let time: Date
    let startedAt: Date
    let ageSeconds: Int
    /// What the set added to the repository.
    let size: Int64?
    let databaseSize: Int64?
    let repositorySize: Int64?
    let walStart: String?
    let walStop: String?
    let prior: String?
    let pgVersion: String?

    init(_ set: PgBackRestInfo.BackupSet, stanza: String, now: Date = Date()) {
        name = set.label
        self.stanza = stanza
        type = set.kind
        time = set.finishedAt
        startedAt = set.startedAt
        ageSeconds = max(0, Int(now.timeIntervalSince(set.finishedAt)))
        size = set.repositoryDeltaBytes
        databaseSize = set.databaseBytes
        repositorySize = set.repositoryBytes
        walStart = set.walStart
        walStop = set.walStop
        prior = set.prior
        pgVersion = set.pgVersion
    }
}

/// `list --json`: one array, newest logical backups first as before, then the physical sets
/// newest first, each entry telling its `engine`.
struct ListedBackups: Encodable {
    let logical: [ListedBackup]
    let physical: PhysicalListing?

    func encode(to encoder: any Encoder) throws {
        var container = encoder.unkeyedContainer()
        for entry in logical { try container.encode(entry) }
        guard let physical else { return }
        for set in physical.stanza.validBackups.sorted(by: { $0.finishedAt > $1.finishedAt }) {
            try container.encode(ListedPhysicalBackup(set, stanza: physical.settings.stanza))
        }
    }
}

extension ListCommand {
    static func printPhysical(_ listing: PhysicalListing) {
        let sets = listing.stanza.validBackups.sorted { $0.finishedAt > $1.finishedAt }
        print("")
        print("physical backups (pgBackRest stanza \(listing.settings.stanza))")
        guard !sets.isEmpty else {
            print("  none yet: lifeboat backup --engine physical --kind full")
            return
        }
        let now = Date()
        var rows = [["LABEL", "TYPE", "FINISHED (UTC)", "AGE", "DATABASE", "ADDED", "WAL START", "WAL STOP"]]
        for set in sets {
            rows.append([
                set.label, set.kind.rawValue, BackupName.format(set.finishedAt),
                Terminal.age(since: set.finishedAt, now: now),
                set.databaseBytes.map(Terminal.bytes) ?? "-", set.repositoryDeltaBytes.map(Terminal.bytes) ?? "-",
                set.walStart ?? "-", set.walStop ?? "-"
            ])
        }
        let widths = rows[0].indices.map { column in rows.map { $0[column].count }.max() ?? 0 }
        for row in rows {
            print(
                "  "
                    + zip(row, widths).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }
                    .joined(separator: "  ").trimmingCharacters(in: .whitespaces))
        }
        let window = listing.window
        if let from = window.from {
            let to = window.to.map { BackupName.format($0) } ?? "the last archived WAL"
            print(
                "  point-in-time window: \(BackupName.format(from)) → \(to); WAL archive \(window.archiveMin ?? "?") … \(window.archiveMax ?? "?")"
            )
        }
    }
}
