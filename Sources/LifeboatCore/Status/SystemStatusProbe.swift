import Foundation
import LifeboatPostgres

/// Gathers `SystemStatus`. Only a wrong configuration (exit code 2) stops it: everything it
/// checks may be down — that is what it is asked about — so each failure becomes part of the
/// answer, and the database and stale backups become `problems` (exit code 1).
public struct SystemStatusProbe {
    public let configuration: LifeboatConfiguration
    /// The moment ages and staleness are measured at.
    public let now: Date

    public init(configuration: LifeboatConfiguration, now: Date = Date()) {
        self.configuration = configuration
        self.now = now
    }

    public func probe() throws -> SystemStatus {
        // Configuration first, so a typo is reported as such and not as a sick system.
        let settings = try configuration.poolSettings()
        let jobs = try ScheduledJob.configured(configuration)
        let zone = try ScheduledJob.timeZone(configuration)
        let retention = try configuration.retentionLimits()
        let diskCheck = try DiskSpaceCheck(configuration: configuration)
        let backupEnabled = try configuration.bool(.backupEnabled)
        let cloudEnabled = try configuration.bool(.cloudSyncEnabled)
        let physicalSettings = try PhysicalEngineSettings.configured(configuration)
        let signing = try SigningStatus.probe(configuration)

        let (database, pool) = checkDatabase(settings)
        let directory = configuration.backupDirectory
        var entries: [BackupInventory.Entry] = []
        var inventoryError: String?
        do { entries = try BackupInventory.scan(directory).entries } catch { inventoryError = Self.text(error) }
        let types = backupTypes(entries, jobs: jobs, zone: zone)
        let schedule = scheduleStatus(
            jobs, zone: zone, backupEnabled: backupEnabled, databaseReachable: database.reachable)
        let disk = diskStatus(
            entries, check: diskCheck, retention: retention, scheduled: Set(types.filter { $0.job != nil }.map(\.type)))
        let cloud =
            cloudEnabled
            ? cloudStatus()
            : SystemStatus.Cloud(
                enabled: false, location: nil, reachable: nil, error: nil,
                backupCount: nil, newest: nil, newestTime: nil)

        var problems: [String] = []
        if !database.reachable {
            problems.append("database unreachable: \(database.error ?? "no answer")")
        }
        // The offsite copies are the ones that survive losing this machine: a bucket that cannot
        // be reached is as unhealthy as a stale backup.
        if cloud.enabled, cloud.reachable == false {
            problems.append("bucket unreachable: \(cloud.error ?? "no answer")")
        }
        if let inventoryError {
            problems.append("backup folder unreadable: \(inventoryError)")
        }
        for type in types where type.stale {
            problems.append(staleProblem(type, directory: directory, zone: zone))
        }
        problems += entries.compactMap { $0.clockWarning(now: now) }
        let physical = physicalSettings.map {
            PhysicalStatus.probe(configuration: configuration, settings: $0, jobs: jobs, zone: zone, now: now)
        }
        problems += physical?.problems ?? []
        // Every backup would fail at its end: as unhealthy as a stale one.
        if let error = signing.error { problems.append("backups cannot be signed: \(error)") }
        return SystemStatus(
            checkedAt: now, version: LifeboatVersion.current, database: database, pool: pool,
            backups: .init(directory: directory.path, error: inventoryError, types: types),
            schedule: schedule, disk: disk, cloud: cloud, physical: physical, signing: signing, problems: problems)
    }

    // MARK: database

    /// Connects through a pool built from the DB_POOL_* settings, as the long-running parts
    /// of Lifeboat do, so the check also proves those settings work (DB_CONNECT_TIMEOUT bounds
    /// how long an unreachable server holds it up). The pool's status is taken after the
    /// connection came back: a healthy pool shows one connection checked in.
    func checkDatabase(_ settings: ConnectionPool.Settings) -> (SystemStatus.Database, SystemStatus.Pool) {
        let url = configuration.databaseURL ?? ""
        let target = ConnectionString.redacted(configuration.databaseURL ?? "the database named by the PG* variables")
        let pool = ConnectionPool(url, settings: settings)
        defer { pool.close() }
        var database = SystemStatus.Database(reachable: false, target: target)
        do {
            let lease = try pool.checkout()
            let connection = lease.connection
            database.reachable = true
            database.name = connection.databaseName
            database.host = connection.option("host")
            database.port = connection.option("port")
            database.serverVersion =
                (try? connection.query("SHOW server_version").scalar)
                .map { String($0.prefix { !$0.isWhitespace }) } ?? "\(connection.serverMajorVersion)"
            // Needs CONNECT on the database only, but a server may still refuse: then no size.
            database.sizeBytes = (try? connection.query("SELECT pg_database_size(current_database())").scalar).flatMap {
                Int64($0)
            }
            lease.release()
        } catch {
            let translated = LifeboatError(connecting: error, target: target)
            // libpq's messages run over lines ("\n\tIs the server running..."): one line here.
            database.error = translated.message.split(whereSeparator: \.isNewline)
                .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }.joined(separator: " ")
            database.hint = translated.hint
        }
        return (database, SystemStatus.Pool(pool.status, settings: settings))
    }

    // MARK: backups

    static func jobName(_ type: BackupType) -> String { "database-backup-\(type.rawValue)" }

    func backupTypes(_ entries: [BackupInventory.Entry], jobs: [ScheduledJob], zone: TimeZone) -> [SystemStatus
        .TypeStatus]
    {
        BackupType.allCases.map { type in
            let job = type == .manual ? nil : jobs.first { $0.name == Self.jobName(type) }
            let newest = entries.first { $0.name.type == type && !$0.isAhead(of: now) }
            var stale = false
            var staleAfter: Date?
            var missed: Date?
            if let job {
                stale = BackupFreshness.isStale(
                    newest: newest?.name.timestamp, schedule: job.schedule, now: now, in: zone)
                if let taken = newest?.name.timestamp {
                    staleAfter = BackupFreshness.staleAfter(takenAt: taken, schedule: job.schedule, in: zone)
                    if stale { missed = job.schedule.next(after: taken, in: zone) }
                }
            }
            return SystemStatus.TypeStatus(
                type: type, job: job?.name, schedule: job?.schedule.text, newest: newest.map(newestBackup),
                stale: stale, staleAfter: staleAfter, missedSlot: missed)
        }
    }

    func newestBackup(_ entry: BackupInventory.Entry) -> SystemStatus.NewestBackup {
        let verification: String
        if entry.manifestProblem != nil {
            verification = "bad manifest"
        } else if let manifest = entry.manifest {
            verification = manifest.verification?.state ?? "never"
        } else {
            verification = "no manifest"
        }
        return SystemStatus.NewestBackup(
            name: entry.name.fileName, path: entry.path.path, time: entry.name.timestamp,
            ageSeconds: max(0, Int(now.timeIntervalSince(entry.name.timestamp))), sizeBytes: entry.size,
            verified: verification == "passed", verification: verification, verifiedAt: entry.manifest?.verification?.at
        )
    }

    func staleProblem(_ type: SystemStatus.TypeStatus, directory: URL, zone: TimeZone) -> String {
        let kind = type.type.rawValue
        guard let newest = type.newest else {
            return "\(kind) backups are stale: there is none in \(directory.path) (schedule \(type.schedule ?? "?")); "
                + "take one with `lifeboat backup --type \(kind)`"
        }
        let since =
            type.missedSlot.map { "no \(kind) backup since the slot of \(Self.format($0, zone))" } ?? "no newer one"
        return "\(kind) backups are stale: the newest is \(newest.name), taken \(Self.format(newest.time, zone)) "
            + "(\(Self.age(newest.ageSeconds)) ago); \(since) (schedule \(type.schedule ?? "?"))"
    }

    // MARK: schedule

    /// Next runs from the schedules; last runs from the workers' table, which lives in the
    /// coordination database (LIFEBOAT_COORDINATION_URL, else the maintenance database on
    /// DATABASE_URL's server) and is only read here, never made. When that server was just found
    /// unreachable it is not tried again; any failure leaves the last runs unknown and is no
    /// problem of its own.
    func scheduleStatus(_ jobs: [ScheduledJob], zone: TimeZone, backupEnabled: Bool, databaseReachable: Bool)
        -> SystemStatus.Schedule
    {
        var recent: [ScheduleLedger.Slot] = []
        var error: String?
        if jobs.isEmpty {
            error = nil
        } else if !databaseReachable && configuration.string(.coordinationURL) == nil {
            error = "the database is unreachable"
        } else {
            do { recent = try ScheduleLedger.recent(configuration, limit: 500) } catch let failure {
                error = Self.text(failure)
            }
        }
        let rows = jobs.map { job in
            let last = recent.first { $0.job == job.name }
            return SystemStatus.Job(
                name: job.name, schedule: job.schedule.text,
                command: "lifeboat " + job.arguments.joined(separator: " "),
                nextRun: job.schedule.next(after: now, in: zone), lastRun: last?.scheduledFor,
                lastOutcome: last.map { $0.outcome ?? ($0.finishedAt == nil ? "running" : "unknown") },
                lastWorker: last?.worker)
        }
        return SystemStatus.Schedule(
            timeZone: configuration.string(.scheduleTimeZone) ?? "UTC", backupEnabled: backupEnabled, jobs: rows,
            lastRunsKnown: error == nil, lastRunsError: error)
    }

    // MARK: disk and cloud

    func diskStatus(
        _ entries: [BackupInventory.Entry], check: DiskSpaceCheck, retention: RetentionPolicy,
        scheduled: Set<BackupType>
    ) -> SystemStatus.Disk {
        var free: Int64?
        var error: String?
        do { free = try DiskSpace.freeBytes(configuration) } catch let failure { error = Self.text(failure) }
        return SystemStatus.Disk(
            directory: check.directory.path, freeBytes: free, thresholdBytes: check.thresholdBytes,
            low: free.map { $0 < check.thresholdBytes }, error: error,
            footprint: RetentionFootprint(entries: entries, retention: retention, scheduled: scheduled, freeBytes: free)
        )
    }

    /// Lists the bucket: proves the credentials and the endpoint, and shows the newest copy.
    func cloudStatus() -> SystemStatus.Cloud {
        var location: String?
        do {
            let sync = try CloudSync(configuration: configuration)
            location = "\(sync.store.location)/\(sync.folder)"
            let remote = try sync.remoteBackups()
            let newest = remote.first { !$0.name.isAhead(of: now) }  // see BackupClock
            return SystemStatus.Cloud(
                enabled: true, location: location, reachable: true, error: nil, backupCount: remote.count,
                newest: newest?.name.fileName, newestTime: newest?.name.timestamp)
        } catch {
            return SystemStatus.Cloud(
                enabled: true, location: location, reachable: false, error: Self.text(error),
                backupCount: nil, newest: nil, newestTime: nil)
        }
    }

    // MARK: text

    static func text(_ error: any Error) -> String {
        switch error {
        case let error as LifeboatError: return "\(error.stage): \(error.message)"
        default: return String(describing: error)
        }
    }

    /// 3h 12m, 2d 4h: as `lifeboat list` shows ages.
    static func age(_ seconds: Int) -> String {
        if seconds < 60 { return "\(seconds)s" }
        if seconds < 3600 { return "\(seconds / 60)m" }
        if seconds < 86400 { return "\(seconds / 3600)h \(seconds % 3600 / 60)m" }
        return "\(seconds / 86400)d \(seconds % 86400 / 3600)h"
    }

    /// 2025-01-19 03:00 UTC, in the schedules' time zone: its abbreviation (CET, CEST) says
    /// which side of a daylight-saving change a time is on; UTC is written UTC, not GMT.
    public static func format(_ date: Date, _ zone: TimeZone) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = zone
        let fixedUTC = zone.secondsFromGMT(for: date) == 0 && zone.nextDaylightSavingTimeTransition(after: date) == nil
        formatter.dateFormat = fixedUTC ? "yyyy-MM-dd HH:mm 'UTC'" : "yyyy-MM-dd HH:mm zzz"
        return formatter.string(from: date)
    }
}
