import ArgumentParser
import Foundation
import LifeboatCore

struct ListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List the backups in BACKUP_DIR, newest first.",
        discussion: """
            Shows type, time, age, size, compression, encryption and verified state from each manifest.
            Files that do not follow the backup naming pattern are not shown and never touched.
            With LIFEBOAT_PHYSICAL_ENGINE=pgbackrest, pgBackRest's backup sets follow (`engine: physical` \
            in --json), with the window a point-in-time restore can reach.

            Examples:
              lifeboat list
              lifeboat list --json | jq '.[0].path'
            """
    )

    @OptionGroup var global: GlobalOptions

    @Flag(help: "List the backups in the cloud bucket instead of BACKUP_DIR.")
    var remote = false

    func run() async throws {
        try await reportingErrors {
            let configuration = try await global.loadConfiguration()
            if remote {
                try listRemote(configuration)
                return
            }
            let inventory = try BackupInventory.scan(configuration.backupDirectory)
            // pgBackRest's sets when the physical engine is on; read first, so a failure leaves no half output.
            let physical = try PhysicalListing.load(configuration)
            if global.json {
                try Terminal.printJSON(
                    ListedBackups(logical: inventory.entries.map(ListedBackup.init), physical: physical))
                return
            }
            defer { physical.map { Self.printPhysical($0) } }
            guard !inventory.entries.isEmpty else {
                Terminal.note("no backups in \(configuration.backupDirectory.path)")
                return
            }
            let now = Date()
            var rows = [["NAME", "TYPE", "TIME (UTC)", "AGE", "SIZE", "GZIP", "GPG", "VERIFIED"]]
            let ahead = inventory.ahead(now: now)
            for entry in inventory.entries {
                rows.append([
                    entry.name.fileName, entry.name.type.rawValue, BackupName.format(entry.name.timestamp),
                    Terminal.age(since: entry.name.timestamp, now: now), Terminal.bytes(entry.size),
                    entry.name.compressed ? "yes" : "no", entry.name.encrypted ? "yes" : "no",
                    ListedBackup.verifiedState(entry)
                ])
            }
            let widths = rows[0].indices.map { column in rows.map { $0[column].count }.max() ?? 0 }
            for row in rows {
                print(
                    zip(row, widths).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }
                        .joined(separator: "  ").trimmingCharacters(in: .whitespaces))
            }
            for entry in ahead { entry.clockWarning(now: now).map { Terminal.note("warning: \($0)") } }
        }
    }
}

extension ListCommand {
    func listRemote(_ configuration: LifeboatConfiguration) throws {
        let sync = try CloudSync(configuration: configuration)
        let backups = try sync.remoteBackups()
        if global.json {
            try Terminal.printJSON(
                backups.map {
                    RemoteListedBackup(
                        name: $0.name.fileName, key: $0.object.key, type: $0.name.type, time: $0.name.timestamp,
                        size: $0.object.size, hasManifest: $0.hasManifest,
                        warning: $0.name.clockWarning(now: Date()))
                })
            return
        }
        guard !backups.isEmpty else {
            Terminal.note("no backups in \(sync.store.location)/\(sync.folder)")
            return
        }
        print("NAME  TYPE  TIME (UTC)  SIZE  MANIFEST")
        for backup in backups {
            print(
                "\(backup.name.fileName)  \(backup.name.type.rawValue)  \(BackupName.format(backup.name.timestamp))  "
                    + "\(Terminal.bytes(backup.object.size))  \(backup.hasManifest ? "yes" : "no")")
        }
        let now = Date()
        for backup in backups { backup.name.clockWarning(now: now).map { Terminal.note("warning: \($0)") } }
    }
}

struct RemoteListedBackup: Encodable {
    let name: String
    let key: String
    let type: BackupType
    let time: Date
    let size: Int64
    let hasManifest: Bool
    /// Set when the backup is dated ahead of the clock (see BackupClock).
    let warning: String?
}

/// One backup as `list --json` prints it.
struct ListedBackup: Encodable {
    /// Physical (pgBackRest) sets follow the logical backups in the same array.
    let engine = "logical"
    let name: String
    let path: String
    let type: BackupType
    let time: Date
    let ageSeconds: Int
    let size: Int64
    let compressed: Bool
    let encrypted: Bool
    let verified: String
    let hasManifest: Bool
    let database: String?
    let sha256: String?
    /// Set when the backup is dated ahead of the clock (see BackupClock).
    let warning: String?

    init(_ entry: BackupInventory.Entry) {
        name = entry.name.fileName
        path = entry.path.path
        type = entry.name.type
        time = entry.name.timestamp
        ageSeconds = max(0, Int(Date().timeIntervalSince(entry.name.timestamp)))
        size = entry.size
        compressed = entry.name.compressed
        encrypted = entry.name.encrypted
        verified = Self.verifiedState(entry)
        hasManifest = entry.manifest != nil
        database = entry.manifest?.database
        sha256 = entry.manifest?.sha256
        warning = entry.clockWarning(now: Date())
    }

    static func verifiedState(_ entry: BackupInventory.Entry) -> String {
        if entry.manifestProblem != nil { return "bad manifest" }
        guard let manifest = entry.manifest else { return "no manifest" }
        guard let verification = manifest.verification else { return "never" }
        return "\(verification.state) \(BackupName.format(verification.at))"
    }
}
