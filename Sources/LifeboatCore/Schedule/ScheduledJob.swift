import Foundation

/// One entry of the job table, with the seed's names: what runs, when, and on which queue.
/// Each job is the same `lifeboat` command the cron fallback runs, so a worker and a crontab
/// do exactly the same thing.
public struct ScheduledJob: Sendable, Equatable {
    public let name: String
    public let schedule: CronExpression
    /// The `lifeboat` arguments the job runs.
    public let arguments: [String]
    public let summary: String
    public let queue: String

    public static let queue = "maintenance"

    /// The jobs the configuration enables: none of the backup jobs when BACKUP_ENABLED is
    /// false; the drill only when LIFEBOAT_DRILL_SCHEDULE is set. A schedule that is not a
    /// valid cron expression is a configuration error naming the variable.
    public static func configured(_ configuration: LifeboatConfiguration) throws -> [ScheduledJob] {
        func job(_ name: String, _ key: ConfigurationKey, _ arguments: [String], _ summary: String) throws
            -> ScheduledJob
        {
            let text = configuration.string(key) ?? key.defaultValue ?? ""
            do {
                return ScheduledJob(
                    name: name, schedule: try CronExpression(text), arguments: arguments, summary: summary, queue: queue
                )
            } catch {
                throw LifeboatError(
                    stage: "configuration", message: "\(key.name): \(error)",
                    hint: "use five cron fields, e.g. \"0 3 * * *\" for 03:00 every day", category: .configuration)
            }
        }
        var jobs: [ScheduledJob] = []
        if try configuration.bool(.backupEnabled) {
            jobs += [
                try job(
                    "database-backup-daily", .dailySchedule, ["backup", "--type", "daily", "--cleanup"],
                    "daily backup, then retention"),
                try job(
                    "database-backup-weekly", .weeklySchedule, ["backup", "--type", "weekly", "--cleanup"],
                    "weekly backup, then retention"),
                try job(
                    "database-backup-monthly", .monthlySchedule, ["backup", "--type", "monthly", "--cleanup"],
                    "monthly archive, then retention")
            ]
            if try configuration.bool(.verificationEnabled) {
                jobs.append(
                    try job(
                        "database-backup-verification", .verificationSchedule, ["verify", "--latest"],
                        "verification restore of the newest backup"))
            }
            jobs.append(
                try job("database-backup-cleanup", .cleanupSchedule, ["prune"], "retention cleanup (local and cloud)"))
            jobs += try physicalJobs(configuration, job)
        }
        if configuration.string(.drillSchedule).map({ !$0.isEmpty }) == true {
            // Unless one runbook is named, each slot drills the next scenario of the rotation,
            // chosen when it starts (`lifeboat drill-next`), so cron and the worker agree.
            if let runbook = configuration.string(.drillRunbook) {
                jobs.append(
                    try job(
                        "runbook-drill", .drillSchedule, ["drill", runbook], "drill of \(runbook): RTO and RPO measured"
                    ))
            } else {
                jobs.append(
                    try job(
                        "runbook-drill", .drillSchedule, ["drill-next"],
                        "drill of the scenario drilled longest ago: RTO and RPO measured"))
            }
        }
        return jobs
    }

    /// pgBackRest backups (BACKUP_PHYSICAL_*_SCHEDULE, none by default): each kind whose
    /// schedule is set, through the same worker and exactly-once table as the logical jobs.
    static func physicalJobs(
        _ configuration: LifeboatConfiguration,
        _ job: (String, ConfigurationKey, [String], String) throws -> ScheduledJob
    ) throws -> [ScheduledJob] {
        let kinds: [(PhysicalBackupKind, ConfigurationKey, String)] = [
            (.full, .physicalFullSchedule, "physical full backup (pgBackRest)"),
            (.diff, .physicalDiffSchedule, "physical differential backup (pgBackRest)"),
            (.incr, .physicalIncrSchedule, "physical incremental backup (pgBackRest)")
        ]
        let scheduled = kinds.filter { configuration.string($0.1).map { !$0.isEmpty } == true }
        guard !scheduled.isEmpty else { return [] }
        // A schedule without the engine would fail at every slot: say so now, once.
        if try PhysicalEngineSettings.configured(configuration) == nil {
            let names = scheduled.map(\.1.name).joined(separator: ", ")
            throw LifeboatError(
                stage: "configuration",
                message: "\(names) \(scheduled.count == 1 ? "is" : "are") set but LIFEBOAT_PHYSICAL_ENGINE is off",
                hint: "set LIFEBOAT_PHYSICAL_ENGINE=pgbackrest and PGBACKREST_STANZA, or unset the physical schedules",
                category: .configuration)
        }
        return try scheduled.map { kind, key, summary in
            try job(
                "database-backup-physical-\(kind.rawValue)", key,
                ["backup", "--engine", "physical", "--kind", kind.rawValue], summary)
        }
    }

    /// The time zone schedules are read in (LIFEBOAT_SCHEDULE_TIMEZONE, UTC by default).
    public static func timeZone(_ configuration: LifeboatConfiguration) throws -> TimeZone {
        let name = configuration.string(.scheduleTimeZone) ?? "UTC"
        guard let zone = TimeZone(identifier: name) else {
            throw LifeboatError(
                stage: "configuration", message: "LIFEBOAT_SCHEDULE_TIMEZONE is '\(name)', which is not a time zone",
                hint: "use an IANA name such as UTC, Europe/Berlin or America/New_York", category: .configuration)
        }
        return zone
    }

    /// The newest slot not after `now` and after `since`: after downtime, the slots missed
    /// collapse into this one, so a job runs once, not once per missed slot.
    public func latestSlot(after since: Date, notAfter now: Date, in zone: TimeZone) -> Date? {
        var latest: Date?
        var cursor = since
        while let next = schedule.next(after: cursor, in: zone), next <= now {
            latest = next
            cursor = next
        }
        return latest
    }
}
