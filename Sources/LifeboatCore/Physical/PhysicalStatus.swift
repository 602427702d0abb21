import Foundation
import LifeboatPostgres

/// The physical engine's part of `lifeboat status`: the newest pgBackRest backup, the window a
/// point-in-time restore can reach, and whether WAL archiving is failing or stale. Quick by
/// design (`info` and one query): `lifeboat engine check` is the thorough, slower test.
public struct PhysicalStatus: Sendable, Encodable {
    /// One scheduled physical backup kind and whether its newest backup is stale.
    public struct KindStatus: Sendable, Encodable {
        public let kind: PhysicalBackupKind
        public let job: String
        public let schedule: String
        /// The newest set that serves this kind (a full serves a diff or incr slot too).
        public let newest: String?
        public let newestTime: Date?
        public let stale: Bool
        public let staleAfter: Date?
    }

    public struct Archive: Sendable, Encodable {
        public let lastArchivedWAL: String?
        public let lastArchivedTime: Date?
        public let ageSeconds: Int?
        public let failing: Bool
        /// The verdict of `ArchiveFindings`: ok, warning or failed, with its words.
        public let state: String
        public let message: String
        public let hint: String?
        /// LIFEBOAT_WAL_MAX_AGE in seconds.
        public let maxAgeSeconds: Int
    }

    public let stanza: String
    /// False when `pgbackrest info` failed: `error` and `hint` say why.
    public let reachable: Bool
    public let error: String?
    public let hint: String?
    public let backupCount: Int?
    public let newest: PgBackRestInfo.BackupSet?
    public let newestFull: PgBackRestInfo.BackupSet?
    public let walWindow: WALWindow?
    /// nil when the database could not be asked.
    public let archive: Archive?
    public let kinds: [KindStatus]
    /// What makes the system unhealthy on the physical side; merged into status's problems.
    public let problems: [String]

    /// Gathers the status; it never throws for what it is asked about (a failure is part of the answer).
    public static func probe(
        configuration: LifeboatConfiguration, settings: PhysicalEngineSettings, jobs: [ScheduledJob],
        zone: TimeZone, now: Date
    ) -> PhysicalStatus {
        var problems: [String] = []
        var stanza: PgBackRestInfo.Stanza?
        var error: LifeboatError?
        do { stanza = try PgBackRest(settings: settings).info(timeout: 60) } catch let failure {
            error = LifeboatError.wrap(failure, stage: "pgbackrest")
            problems.append("physical backups unreadable: \(error!.message)")
        }

        var archive: Archive?
        if let status = try? ArchiverStatus.read(configuration) {
            let findings = ArchiveFindings.assess(status, settings: settings)
            let wal = findings.first { $0.check == "wal archive" }
            archive = Archive(
                lastArchivedWAL: status.lastArchivedWAL, lastArchivedTime: status.lastArchivedTime,
                ageSeconds: status.lastArchivedAge.map { Int($0) }, failing: status.isFailing,
                state: wal?.level.rawValue ?? "unknown", message: wal?.message ?? "", hint: wal?.hint,
                maxAgeSeconds: Int(settings.walMaxAge))
            // Status reports what breaks recovery now; engine check covers the rest in depth.
            for finding in findings
            where finding.isProblem && ["wal archive", "archive_mode", "archive_command"].contains(finding.check) {
                problems.append("\(finding.check): \(finding.message)")
            }
        }

        var kinds: [KindStatus] = []
        for kind in PhysicalBackupKind.allCases {
            guard let job = jobs.first(where: { $0.name == "database-backup-physical-\(kind.rawValue)" }) else {
                continue
            }
            let newest = stanza?.newest(kind.satisfiedBy)
            // Unknown when info failed: that is already a problem of its own.
            let stale =
                stanza != nil
                && BackupFreshness.isStale(newest: newest?.finishedAt, schedule: job.schedule, now: now, in: zone)
            kinds.append(
                KindStatus(
                    kind: kind, job: job.name, schedule: job.schedule.text, newest: newest?.label,
                    newestTime: newest?.finishedAt, stale: stale,
                    staleAfter: newest.flatMap {
                        BackupFreshness.staleAfter(takenAt: $0.finishedAt, schedule: job.schedule, in: zone)
                    }))
            if stale {
                problems.append(
                    "physical \(kind.rawValue) backups are stale: "
                        + (newest.map {
                            "the newest is \($0.label), finished \(ArchiveFindings.timestamp($0.finishedAt))"
                        } ?? "there is none")
                        + " (schedule \(job.schedule.text)); take one with `lifeboat backup --engine physical --kind \(kind.rawValue)`"
                )
            }
        }
        return PhysicalStatus(
            stanza: settings.stanza, reachable: stanza != nil, error: error?.message, hint: error?.hint,
            backupCount: stanza?.validBackups.count, newest: stanza?.newest(), newestFull: stanza?.newest([.full]),
            walWindow: stanza.map { WALWindow(stanza: $0, lastArchivedTime: archive?.lastArchivedTime) },
            archive: archive, kinds: kinds, problems: problems)
    }
}
