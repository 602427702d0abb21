import Foundation
import LifeboatPostgres

/// Finds what Lifeboat made and left behind: scratch databases on DATABASE_URL's server (by
/// the names only Lifeboat makes, `ScratchDatabaseName`), the partial files of killed backups
/// in BACKUP_DIR, and PITR drills' scratch clusters. Each comes with its age, its size, and who
/// still holds it, decided by Lifeboat's own locks and session names (`LeftoverHolders`),
/// never by the mere presence of a backend in it.
public struct LeftoverScan {
    public struct Outcome: Sendable, Encodable {
        /// Everything found, held or not.
        public var found: [Leftover] = []
        /// What could not be looked at (the server down, a folder unreadable).
        public var problems: [String] = []
        /// The true leftovers: found and held by no live work.
        public var leftovers: [Leftover] { found.filter { $0.heldBy == nil } }
    }

    public let configuration: LifeboatConfiguration
    /// Who holds a target database beyond its server's advisory lock: the runbook engine's view
    /// (a run's lock file with a live process), which this module cannot read itself.
    public var targetHolder: (String) -> String? = { _ in nil }
    /// Whether a run is alive on this host (its process holds its lock), by run id.
    public var runHolder: (String) -> String? = { _ in nil }
    /// Whether a run is one of this installation's (its journal is in LIFEBOAT_STATE_DIR): a
    /// runbook's `pitr_RUN_ID` of another installation on the same server is left to that one.
    public var isOurRun: (String) -> Bool = { _ in true }
    public var now = Date()

    public init(configuration: LifeboatConfiguration) {
        self.configuration = configuration
    }

    public func scan() -> Outcome {
        var outcome = Outcome()
        var holders: LeftoverHolders?
        do {
            let connection = try Connection(
                configuration.databaseURL ?? "", database: CoordinationDatabase.maintenanceDatabase,
                connectTimeout: try configuration.poolSettings().connectTimeout)
            let found = try LeftoverHolders(connection)
            holders = found
            outcome.found += try databases(found)
        } catch {
            let message =
                (error as? PostgresError).map {
                    LifeboatError(
                        connecting: $0, target: "the maintenance database '\(CoordinationDatabase.maintenanceDatabase)'"
                    ).message
                } ?? SystemStatusProbe.text(error)
            // libpq's messages run over lines: one line here.
            outcome.problems.append(
                "scratch databases not looked for: "
                    + message.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.joined(
                        separator: " "))
        }
        outcome.found += partialFiles()
        outcome.found += scratchClusters(holders)
        return outcome
    }

    // MARK: databases

    func databases(_ holders: LeftoverHolders) throws -> [Leftover] {
        let target = try? RestoreRunner(configuration: configuration).targetDatabase()
        let rows = try holders.connection.query(
            """
            SELECT datname, CASE WHEN has_database_privilege(oid, 'CONNECT') THEN pg_database_size(oid) END
            FROM pg_database WHERE NOT datistemplate ORDER BY datname
            """
        ).rows
        return try rows.compactMap { row -> Leftover? in
            guard let name = row[0], name != target, let parsed = ScratchDatabaseName(name, target: target) else {
                return nil
            }
            if case .run(let runID) = parsed.owner, !isOurRun(runID) { return nil }
            let made = parsed.made ?? createdAt(name, holders.connection)
            return Leftover(
                kind: .database, name: name, madeBy: parsed.madeBy, ageSeconds: made.map(age),
                sizeBytes: row[1].flatMap { Int64($0) },
                heldBy: try holder(parsed, holders))
        }
    }

    func holder(_ parsed: ScratchDatabaseName, _ holders: LeftoverHolders) throws -> String? {
        let target = try? RestoreRunner(configuration: configuration).targetDatabase()
        if let session = holders.sessionIn(parsed.name) { return session }
        switch parsed.owner {
        case .process(let pid): return Self.liveLifeboatProcess(pid)
        case .target(let base):
            if let holder = try holders.lockHolder(base) ?? targetHolder(base) { return holder }
            // A scratch database's own scratch (a drill's restore): whoever holds that one. (A
            // drill's target is its own name: nothing further to ask.)
            guard base != parsed.name else { return nil }
            return try ScratchDatabaseName(base, target: target).flatMap { try holder($0, holders) }
        case .run(let runID): return holders.runSession(runID) ?? runHolder(runID)
        case .unknown: return nil
        }
    }

    /// A database without Lifeboat's stamp in its name: when its files were made, which the
    /// server tells only a superuser (or a member of pg_read_server_files); else unknown.
    func createdAt(_ name: String, _ connection: Connection) -> Date? {
        let epoch = try? connection.query(
            """
            SELECT extract(epoch FROM (pg_stat_file('base/' || oid || '/PG_VERSION')).modification) FROM pg_database WHERE datname = $1
            """, [name]
        ).scalar
        return epoch.flatMap { Double($0) }.map { Date(timeIntervalSince1970: $0) }
    }

    /// `lifeboat verify` names its database after its pid: alive and still `lifeboat`, it owns it.
    static func liveLifeboatProcess(_ pid: Int32) -> String? {
        guard pid > 0, kill(pid, 0) == 0 || errno == EPERM,
            let name = try? String(contentsOfFile: "/proc/\(pid)/comm", encoding: .utf8),
            name.trimmingCharacters(in: .whitespacesAndNewlines) == "lifeboat"
        else { return nil }
        return "the lifeboat process \(pid) on this host"
    }

    // MARK: files

    /// The partial files of backups whose writer is gone (a live writer holds its lock and is
    /// not listed), as the sweep before each backup finds them.
    func partialFiles() -> [Leftover] {
        let directory = configuration.backupDirectory
        return BackupPruner.removeAbandonedPartials(in: directory, dryRun: true).map { file in
            let attributes = try? FileManager.default.attributesOfItem(
                atPath: directory.appendingPathComponent(file).path)
            return Leftover(
                kind: .partialFile, name: directory.appendingPathComponent(file).path, madeBy: "backup",
                ageSeconds: (attributes?[.modificationDate] as? Date).map(age),
                sizeBytes: (attributes?[.size] as? NSNumber)?.int64Value)
        }
    }

    /// Where PITR drills make their clusters (`PhysicalRestoreDrill.scratchRoot`'s choices):
    /// LIFEBOAT_DRILL_SCRATCH_DIR, else `lifeboat-drills` beside LIFEBOAT_PG_DATA, and the
    /// state directory's `drills`.
    func scratchRoots() -> [URL] {
        if let configured = configuration.string(.drillScratchDir) { return [URL(fileURLWithPath: configured)] }
        var roots: [URL] = []
        if let data = configuration.string(.pgData), !data.isEmpty {
            let parent = URL(fileURLWithPath: data).standardizedFileURL.deletingLastPathComponent()
            if parent.path != "/" { roots.append(parent.appendingPathComponent("lifeboat-drills")) }
        }
        roots.append(configuration.stateDirectory.appendingPathComponent("drills"))
        return roots
    }

    /// `pitr-RUN_ID` folders holding Lifeboat's marker; the run, while alive, owns its cluster.
    func scratchClusters(_ holders: LeftoverHolders?) -> [Leftover] {
        scratchRoots().flatMap { root -> [Leftover] in
            let names = (try? FileManager.default.contentsOfDirectory(atPath: root.path)) ?? []
            return names.sorted().compactMap { name -> Leftover? in
                let folder = root.appendingPathComponent(name)
                guard name.hasPrefix("pitr-"), ScratchInstance.isScratch(folder.path) else { return nil }
                let runID = String(name.dropFirst("pitr-".count))
                let attributes = try? FileManager.default.attributesOfItem(atPath: folder.path)
                let made = ScratchDatabaseName.date(String(runID.prefix(16))) ?? attributes?[.modificationDate] as? Date
                return Leftover(
                    kind: .scratchCluster, name: folder.path, madeBy: "pitr drill", ageSeconds: made.map(age),
                    sizeBytes: Self.size(of: folder), heldBy: holders?.runSession(runID) ?? runHolder(runID))
            }
        }
    }

    static func size(of folder: URL) -> Int64? {
        guard
            let files = FileManager.default.enumerator(
                at: folder, includingPropertiesForKeys: [.fileSizeKey, .isRegularFileKey])
        else { return nil }
        var total: Int64 = 0
        for case let file as URL in files {
            let values = try? file.resourceValues(forKeys: [.fileSizeKey, .isRegularFileKey])
            if values?.isRegularFile == true { total += Int64(values?.fileSize ?? 0) }
        }
        return total
    }

    func age(_ date: Date) -> Int { max(0, Int(now.timeIntervalSince(date))) }
}
