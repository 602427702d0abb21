import Foundation
import LifeboatPostgres
import LifeboatStreams

/// Restores a backup into the database DATABASE_URL names, in one of three modes, keeping the
/// live database as it was whenever the mode allows: safe and table restores change nothing
/// live until the restored copy has been validated.
public struct RestoreRunner {
    public let configuration: LifeboatConfiguration
    public var services: (any ServiceProvider)?
    public var cancellation: CancellationFlag?
    public var progress: ((Int64) -> Void)?
    /// Step-by-step notes for the responder (stderr in the CLI).
    public var note: (String) -> Void = { _ in }
    public var clock: @Sendable () -> Date = { Date() }
    /// Restore into this database instead of the one DATABASE_URL names (runbook scratch
    /// targets and drills); same server and credentials.
    public var targetOverride: String?
    /// Table restores: commit even when foreign keys to or from the restored tables are left
    /// violated (they are reported either way).
    public var allowForeignKeyViolations = false
    /// `--allow-unsigned`: restore a backup the signature check would refuse, with a warning.
    public var allowUnsigned = false
    /// Where a parallel restore spools COPY data that waits for a connection (a runbook's run
    /// folder; unset: the system's temporary folder).
    public var spoolDirectory: URL?

    public init(configuration: LifeboatConfiguration) {
        self.configuration = configuration
    }

    public struct Result: Sendable, Codable {
        public let plan: RestorePlan
        public let keptAs: String?
        public let terminatedSessions: Int
        public let tablesRestored: [String]
        public let services: [ServiceOutcome]
        /// A safe restore over a live database: where the live database's own properties (owner,
        /// settings, ACL, comment) differ from the backup's and were kept, one line each.
        public var propertyDifferences: [String] = []
        public let startedAt: Date
        public let finishedAt: Date
    }

    /// The database DATABASE_URL (or PGDATABASE) names.
    public func targetDatabase() throws -> String {
        if let targetOverride { return targetOverride }
        if let url = configuration.databaseURL {
            // A string libpq refuses names no database either, but saying "names none" would hide why.
            do {
                if let name = try ConnectionString(url)["dbname"], !name.isEmpty { return name }
            } catch  where url.contains("=") || url.contains("://") {
                throw LifeboatError(connecting: error, target: ConnectionString.redacted(url))
            } catch {}
        }
        if let name = ProcessInfo.processInfo.environment["PGDATABASE"], !name.isEmpty { return name }
        throw LifeboatError(
            stage: "restore", message: "no target database: DATABASE_URL names none",
            hint: "set DATABASE_URL=postgresql://user:password@host:port/DBNAME", category: .configuration)
    }

    /// Opens the backup through the signature check this host's configuration asks for.
    public func open(_ file: URL) throws -> BackupReader {
        let reader = try BackupReader.open(
            file, trust: try BackupTrust(configuration: configuration, allowUnsigned: allowUnsigned))
        if case .acceptedUnsigned(let reason) = reader.authentication {
            note("WARNING: \(file.lastPathComponent) \(BackupTrust.Verdict.acceptedUnsigned(reason: reason).summary)")
        }
        return reader
    }

    public func plan(backup file: URL, mode: RestorePlan.Mode, tables: [String] = [], largeObjects: Bool = false) throws
        -> RestorePlan
    {
        try plan(reading: try open(file), mode: mode, tables: tables, largeObjects: largeObjects)
    }

    /// The plan for a backup already opened (and authenticated): one still downloading (`StreamedFetch.reader`).
    public func plan(
        reading reader: BackupReader, mode: RestorePlan.Mode, tables: [String] = [], largeObjects: Bool = false
    ) throws -> RestorePlan {
        let file = reader.file
        let target = try targetDatabase()
        if mode == .tables {
            guard !tables.isEmpty || largeObjects else {
                throw LifeboatError(
                    stage: "restore", message: "no table named", hint: "use --table NAME (or --large-objects)",
                    category: .configuration)
            }
            if let manifest = reader.manifest {
                let missing = tables.filter { !Self.backupHolds($0, manifest) }
                if !missing.isEmpty {
                    throw LifeboatError(
                        stage: "restore", message: "not in this backup: \(missing.joined(separator: ", "))",
                        hint: "the backup holds: \(manifest.tables.map(\.qualifiedName).joined(separator: ", "))",
                        category: .configuration)
                }
            }
        }
        let admin = try DatabaseAdmin(conninfo: configuration.databaseURL ?? "")
        defer { admin.close() }
        let now = clock()
        var plan = RestorePlan(
            mode: mode, backup: file.path, target: target,
            scratch: mode == .inPlace
                ? nil : DatabaseNames.derived(target, mode == .tables ? "tables" : "restore", now),
            keptAs: mode == .safe ? DatabaseNames.derived(target, "before", now) : nil,
            tables: tables, targetExists: try admin.exists(target), hasManifest: reader.manifest != nil,
            servicesProvider: services?.name,
            serviceCommands: services.map { provider in
                ServiceAction.allCases.flatMap { action in
                    provider.commands(for: action).map { "\(action.rawValue): \(ServiceProviders.commandLine($0))" }
                }
            } ?? [])
        plan.signature = reader.authentication == .notRequired ? nil : reader.authentication.summary
        plan.largeObjects = mode == .tables && largeObjects
        return plan
    }

    /// What a table restore would leave, found without changing anything live: the backup is
    /// restored and validated into the plan's scratch database, the copy is made and its foreign
    /// keys counted inside a transaction that is rolled back. The scratch database is kept for
    /// the real copy (`plan.staged`), so the backup is restored once.
    public struct Rehearsal: Sendable {
        public let scratch: String
        public let tables: [String]
        public let violations: [ForeignKeyCheck.Violation]
        public let largeObjects: Int?
    }

    public func rehearse(_ plan: RestorePlan) throws -> Rehearsal {
        guard plan.mode == .tables, let scratch = plan.scratch else {
            throw LifeboatError(
                stage: "restore", message: "only a table restore can be rehearsed", category: .configuration)
        }
        GnuPGAgent.launch(homeDirectory: configuration.gnupgHome)
        let reader = try open(URL(fileURLWithPath: plan.backup))
        let admin = try DatabaseAdmin(conninfo: configuration.databaseURL ?? "")
        defer { admin.close() }
        try restoreValidated(
            reader, into: scratch, like: try admin.shape(of: plan.target), admin: admin, ownerFromShape: false)
        do {
            var copier = TableCopier(configuration: configuration)
            copier.largeObjects = plan.largeObjects
            copier.rehearse = true
            let outcome = try copier.copy(plan.tables, from: scratch, to: plan.target)
            note(
                "rehearsed: \(outcome.violations.isEmpty ? "no foreign key would be left violated" : outcome.violations.map(\.summary).joined(separator: "; ")); "
                    + "nothing live changed; \(scratch) is kept for the restore")
            return Rehearsal(
                scratch: scratch, tables: outcome.tables, violations: outcome.violations,
                largeObjects: outcome.largeObjects?.total)
        } catch {
            try? admin.drop(scratch)
            throw error
        }
    }

    /// What a restore checked against the backup's manifest.
    public struct Validation: Sendable {
        public let tables: Int
        public let rows: Int64
        /// The other objects compared (large objects, sequences, ...), in words; empty when none.
        public let objects: String
    }

    /// A safe restore's first half, for a runbook that stops the application only for the swap:
    /// the backup restored and validated beside the live database, changing nothing live. The
    /// copy is kept for `run` (`plan.staged`), so the backup is restored once and the restored,
    /// validated copy is the proof that the backup is good. Nil validation: no manifest.
    /// `reading`: the backup opened by the caller, for one still downloading (`StreamedFetch.reader`).
    public func prepare(_ plan: RestorePlan, reading opened: BackupReader? = nil) throws -> (
        database: String, validation: Validation?
    ) {
        guard plan.mode == .safe, let scratch = plan.scratch else {
            throw LifeboatError(
                stage: "restore", message: "only a safe restore can be prepared beside the live database",
                category: .configuration)
        }
        GnuPGAgent.launch(homeDirectory: configuration.gnupgHome)
        let reader = try opened ?? open(URL(fileURLWithPath: plan.backup))
        let admin = try DatabaseAdmin(conninfo: configuration.databaseURL ?? "")
        defer { admin.close() }
        let validation = try restoreValidated(
            reader, into: scratch, like: .forBackup(reader.manifest, replacing: try admin.shape(of: plan.target)),
            admin: admin, properties: plan.targetExists ? .report : .enforce)
        note("prepared: nothing live changed; \(scratch) is kept for the swap")
        return (scratch, validation)
    }

    /// The copy an earlier step left for this restore, when it is still there: `prepare`'s for a
    /// safe restore, `rehearse`'s for a table restore. A name Lifeboat did not derive for this
    /// target is refused: the swap (or the copy) would take whatever database the journal, or
    /// whoever edited it, names.
    func stagedCopy(_ plan: RestorePlan, admin: DatabaseAdmin) throws -> String? {
        guard let staged = plan.staged else { return nil }
        let (role, use, step) =
            plan.mode == .tables ? ("tables", "copy from", "rehearse") : ("restore", "swap in", "prepare")
        guard DatabaseNames.isDerived(staged, from: plan.target, role) else {
            throw LifeboatError(
                stage: "restore",
                message: "refusing to \(use) \(staged): it is not a copy Lifeboat prepared for \(plan.target)",
                hint:
                    "the staged database must be the one the \(step) step named (\(plan.target)_\(role)_<time>); nothing live changed",
                category: .configuration)
        }
        return try admin.exists(staged) ? staged : nil
    }

    /// Whether the manifest has the table, by plain or qualified name; a partitioned parent
    /// (whose rows pg_dump writes under its partitions, `payment_p2022_01`) counts too. The
    /// scratch restore checks again against the real catalog before anything is copied.
    static func backupHolds(_ table: String, _ manifest: BackupManifest) -> Bool {
        let readings = TableName.readings(table)
        return manifest.tables.contains { entry in
            readings.contains { reading in
                (reading.schema == nil || reading.schema == entry.schema)
                    && (entry.name == reading.name || entry.name.hasPrefix(reading.name + "_"))
            }
        }
    }

    public func run(_ plan: RestorePlan) throws -> Result {
        let startedAt = clock()
        GnuPGAgent.launch(homeDirectory: configuration.gnupgHome)
        let reader = try open(URL(fileURLWithPath: plan.backup))
        let admin = try DatabaseAdmin(conninfo: configuration.databaseURL ?? "")
        defer { admin.close() }
        var outcomes: [ServiceOutcome] = []
        var terminated = 0
        var differences: [String] = []
        switch plan.mode {
        case .safe:
            var scratch = plan.scratch!
            if let staged = try stagedCopy(plan, admin: admin) {
                scratch = staged
                note("swapping in \(staged), restored and validated from this backup by the earlier step")
            } else {
                if let staged = plan.staged { note("\(staged) is gone: restoring the backup again") }
                try restoreValidated(
                    reader, into: scratch,
                    like: .forBackup(reader.manifest, replacing: try admin.shape(of: plan.target)),
                    admin: admin, properties: plan.targetExists ? .report : .enforce)
            }
            do {
                if plan.targetExists {
                    differences = try admin.carryProperties(from: plan.target, to: scratch)
                    for difference in differences { note("database property: \(difference)") }
                }
                outcomes += try stopServices()
            } catch {
                // Nothing live changed; do not leave the validated copy behind either.
                try? admin.drop(scratch)
                throw error
            }
            terminated = try swap(plan, scratch: scratch, admin: admin)
        case .inPlace:
            note("checking the backup end to end before dropping anything")
            var checking = reader
            checking.gnupgHome = configuration.gnupgHome
            checking.cancellation = cancellation
            _ = try SQLRestorer.check(checking)  // the guard too: nothing is dropped for a planted file
            outcomes += try stopServices()
            let shape = DatabaseAdmin.Shape.forBackup(reader.manifest, replacing: try admin.shape(of: plan.target))
            if plan.targetExists {
                try admin.allowConnections(plan.target, false)
                terminated = try admin.terminateSessions(on: plan.target)
                note("dropping \(plan.target) (\(terminated) sessions terminated)")
                try admin.drop(plan.target)
            }
            do {
                // The live database is gone by now: a property the server did not apply is said, not
                // failed on, since "restore another backup" would not help with it.
                try restoreValidated(
                    reader, into: plan.target, like: shape, admin: admin, dropOnFailure: false, properties: .report)
            } catch {
                note("the in-place restore failed after \(plan.target) was dropped: restore another backup now")
                throw error
            }
        case .tables:
            var scratch = plan.scratch!
            if let staged = try stagedCopy(plan, admin: admin) {
                scratch = staged
                note("copying from \(staged), restored and validated from this backup by the rehearsal")
            } else {
                if let staged = plan.staged { note("\(staged) is gone: restoring the backup again") }
                try restoreValidated(
                    reader, into: scratch, like: try admin.shape(of: plan.target), admin: admin, ownerFromShape: false)
            }
            defer { try? admin.drop(scratch) }
            outcomes += try stopServices()
            var copier = TableCopier(configuration: configuration)
            copier.allowForeignKeyViolations = allowForeignKeyViolations
            copier.largeObjects = plan.largeObjects
            let copied = try copier.copy(plan.tables, from: scratch, to: plan.target)
            if !copied.tables.isEmpty {
                note(
                    "tables \(copied.tables.joined(separator: ", ")) copied back into \(plan.target); \(scratch) dropped"
                )
            }
            if let objects = copied.largeObjects {
                note(
                    "large objects: \(objects.restored) brought back, \(objects.replaced) replaced with the backup's bytes; those made after the backup are kept"
                )
            }
            for moved in copied.sequences {
                note("sequence \(moved.sequence) is at \(moved.value) (never behind the live or the backup's value)")
            }
            for violation in copied.violations {
                note("warning: foreign key left violated (--allow-fk-violations): \(violation.summary)")
            }
        }
        outcomes += startServices()
        return Result(
            plan: plan, keptAs: plan.mode == .safe && plan.targetExists ? plan.keptAs : nil,
            terminatedSessions: terminated, tablesRestored: plan.tables, services: outcomes,
            propertyDifferences: differences, startedAt: startedAt, finishedAt: clock())
    }

    /// Restores into `database` (created here) and validates row counts against the manifest, and
    /// with `properties` also large objects, sequences, materialized views and the database's
    /// properties (a table restore, which brings back only rows, leaves it nil);
    /// on any failure the database is dropped, so nothing half-restored remains.
    @discardableResult
    private func restoreValidated(
        _ reader: BackupReader, into database: String, like shape: DatabaseAdmin.Shape?,
        admin: DatabaseAdmin, dropOnFailure: Bool = true, ownerFromShape: Bool = true,
        properties: ObjectValidator.PropertyPolicy? = nil
    ) throws -> Validation? {
        note("restoring \(reader.file.lastPathComponent) into \(database)")
        try admin.create(database, like: shape, withOwner: ownerFromShape)
        do {
            var restorer = SQLRestorer(configuration: configuration)
            restorer.cancellation = cancellation
            restorer.progress = progress
            // A database this restore created (and drops on failure) may be loaded in parallel;
            // an in-place restore keeps psql's single transaction.
            restorer.intoNewDatabase = dropOnFailure
            restorer.spoolDirectory = spoolDirectory
            _ = try restorer.restore(reader, into: database, serverMajor: admin.serverMajor)
            if let manifest = reader.manifest {
                let connection = try Connection(configuration.databaseURL ?? "", database: database)
                defer { connection.close() }
                let mismatches = try RowCountValidator.compare(manifest.tables, in: connection)
                guard mismatches.isEmpty else {
                    throw LifeboatError(
                        stage: "validate",
                        message:
                            "row counts differ from the manifest: \(mismatches.prefix(5).map(\.description).joined(separator: "; "))",
                        hint: "the live database was not changed; use another backup", category: .badBackup)
                }
                note("validated: \(manifest.tables.count) tables, \(manifest.totalRows) rows match the manifest")
                var checked = ""
                if let properties {
                    checked = try ObjectValidator.enforce(manifest, in: connection, properties: properties, note: note)
                    if !checked.isEmpty { note("validated: \(checked) match the manifest") }
                }
                return Validation(tables: manifest.tables.count, rows: manifest.totalRows, objects: checked)
            } else {
                note("not validated: the backup has no manifest, so its row counts could not be compared")
                return nil
            }
        } catch {
            if dropOnFailure { try? admin.drop(database) }
            throw LifeboatError.wrap(error, stage: "restore")
        }
    }

    /// The short step: block connections, end sessions, rename live → before, restored → live.
    private func swap(_ plan: RestorePlan, scratch: String, admin: DatabaseAdmin) throws -> Int {
        guard plan.targetExists, let keptAs = plan.keptAs else {
            try admin.rename(scratch, to: plan.target)
            note("\(scratch) renamed to \(plan.target)")
            return 0
        }
        try admin.allowConnections(plan.target, false)
        var terminated = 0
        do {
            terminated = try admin.terminateSessions(on: plan.target)
            try admin.rename(plan.target, to: keptAs)
        } catch {
            try? admin.allowConnections(plan.target, true)
            try? admin.drop(scratch)
            throw error
        }
        do {
            try admin.rename(scratch, to: plan.target)
        } catch {
            // Put the live database back where it was before reporting.
            try? admin.rename(keptAs, to: plan.target)
            try? admin.allowConnections(plan.target, true)
            throw error
        }
        try? admin.allowConnections(keptAs, true)
        note(
            "swapped: \(plan.target) is the restored copy, the previous one is \(keptAs) (\(terminated) sessions terminated)"
        )
        return terminated
    }

    /// Swaps the newest `<db>_before_<ts>` back in; the current one is kept as `<db>_rolledback_<ts>`.
    public func rollback() throws -> (restored: String, keptAs: String, services: [ServiceOutcome]) {
        let target = try targetDatabase()
        let admin = try DatabaseAdmin(conninfo: configuration.databaseURL ?? "")
        defer { admin.close() }
        let prefix = String(DatabaseNames.derived(target, "before", clock()).dropLast(16))
        guard let newest = try admin.databases(withPrefix: prefix).last else {
            throw LifeboatError(
                stage: "rollback", message: "no \(prefix)<time> database to roll back to",
                hint: "rollback undoes a safe restore, which keeps the old database under that name",
                category: .configuration)
        }
        let keptAs = DatabaseNames.derived(target, "rolledback", clock())
        _ = try stopServices()
        if try admin.exists(target) {
            try admin.allowConnections(target, false)
            try admin.terminateSessions(on: target)
            try admin.rename(target, to: keptAs)
            try? admin.allowConnections(keptAs, true)
        }
        try admin.rename(newest, to: target)
        try admin.allowConnections(target, true)
        return (newest, keptAs, startServices())
    }

    private func stopServices() throws -> [ServiceOutcome] {
        guard let services else { return [] }
        note("stopping services (\(services.name))")
        return [try services.stop()]
    }

    /// A failing start or health check is reported loudly but does not undo a good restore.
    private func startServices() -> [ServiceOutcome] {
        guard let services else { return [] }
        note("starting services (\(services.name))")
        var outcomes: [ServiceOutcome] = []
        for action in [services.start, services.health] {
            do {
                let outcome = try action()
                outcomes.append(outcome)
                if !outcome.succeeded {
                    note("WARNING: \(outcome.summary) — the restore itself succeeded; start the services by hand")
                }
            } catch {
                note("WARNING: \(error) — the restore itself succeeded; start the services by hand")
            }
        }
        return outcomes
    }
}
