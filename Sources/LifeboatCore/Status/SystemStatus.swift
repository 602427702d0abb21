import Foundation
import LifeboatPostgres

/// Everything `lifeboat status` reports, gathered by `SystemStatusProbe`: can we reach the
/// database, are the backups fresh, when do the jobs run next, will the disk hold what
/// retention keeps, is the bucket reachable. Encoded with snake_case keys for `--json`; a
/// value that could not be learned is left out (its section's `error` says why).
/// Runbook runs are added by the command, which may read their journals.
public struct SystemStatus: Sendable, Encodable {
    public struct Database: Sendable, Encodable {
        public var reachable: Bool
        /// Why it is not reachable: libpq's message and what to check.
        public var error: String?
        public var hint: String?
        /// DATABASE_URL with its password cut out.
        public var target: String
        public var name: String?
        public var host: String?
        public var port: String?
        /// `SHOW server_version`, up to the first space (15.18).
        public var serverVersion: String?
        /// `pg_database_size`; absent when the server would not tell.
        public var sizeBytes: Int64?
    }

    /// The connection pool after the database checks (SPEC §6), with the limits it works to.
    public struct Pool: Sendable, Encodable {
        public let size: Int
        public let checkedIn: Int
        public let checkedOut: Int
        public let overflow: Int
        /// DB_MAX_OVERFLOW; absent for no limit (-1).
        public let maxOverflow: Int?
        public let timeoutSeconds: Double
        public let prePing: Bool

        public init(_ status: ConnectionPool.Status, settings: ConnectionPool.Settings) {
            size = status.size
            checkedIn = status.checkedIn
            checkedOut = status.checkedOut
            overflow = status.overflow
            maxOverflow = settings.maxOverflow
            timeoutSeconds =
                Double(settings.timeout.components.seconds) + Double(settings.timeout.components.attoseconds) / 1e18
            prePing = settings.prePing
        }
    }

    /// The newest backup of one type.
    public struct NewestBackup: Sendable, Encodable {
        public let name: String
        public let path: String
        /// When it was taken (the time in its name).
        public let time: Date
        public let ageSeconds: Int
        public let sizeBytes: Int64
        /// True when its last verification passed.
        public let verified: Bool
        /// The last verdict recorded in its manifest, as `lifeboat list` shows it: `passed`,
        /// `failed`, `never`, `no manifest` or `bad manifest`.
        public let verification: String
        public let verifiedAt: Date?
    }

    /// One backup type: its schedule, its newest backup and whether that is stale.
    public struct TypeStatus: Sendable, Encodable {
        public let type: BackupType
        /// The job that makes it; absent for manual backups and when BACKUP_ENABLED is false.
        public let job: String?
        public let schedule: String?
        public let newest: NewestBackup?
        /// See `BackupFreshness`: a whole slot of the schedule was missed.
        public let stale: Bool
        /// When the newest backup turns stale unless a newer one appears (past when stale).
        public let staleAfter: Date?
        /// For a stale type: the first slot whose backup is missing.
        public let missedSlot: Date?
    }

    public struct Backups: Sendable, Encodable {
        public let directory: String
        /// Why BACKUP_DIR could not be read (every scheduled type then counts as stale).
        public let error: String?
        public let types: [TypeStatus]
    }

    public struct Job: Sendable, Encodable {
        public let name: String
        public let schedule: String
        public let command: String
        public let nextRun: Date?
        /// The newest slot recorded in the workers' table, and how it ended (`running` while
        /// it has no end); absent when it never ran or the table could not be read.
        public let lastRun: Date?
        public let lastOutcome: String?
        public let lastWorker: String?
    }

    public struct Schedule: Sendable, Encodable {
        public let timeZone: String
        public let backupEnabled: Bool
        public let jobs: [Job]
        /// False when the workers' table could not be read: last runs are unknown.
        public let lastRunsKnown: Bool
        public let lastRunsError: String?
    }

    public struct Disk: Sendable, Encodable {
        public let directory: String
        public let freeBytes: Int64?
        /// BACKUP_DISK_MIN_FREE_GB in bytes: below it backups warn.
        public let thresholdBytes: Int64
        public let low: Bool?
        public let error: String?
        public let footprint: RetentionFootprint
    }

    public struct Cloud: Sendable, Encodable {
        /// BACKUP_CLOUD_SYNC_ENABLED; nothing else is checked when false.
        public let enabled: Bool
        /// e.g. `s3://bucket/prefix/backups/`.
        public let location: String?
        public let reachable: Bool?
        public let error: String?
        public let backupCount: Int?
        public let newest: String?
        public let newestTime: Date?
    }

    public let checkedAt: Date
    public let version: String
    public let database: Database
    public let pool: Pool?
    public let backups: Backups
    public let schedule: Schedule
    public let disk: Disk
    public let cloud: Cloud
    /// The physical engine (pgBackRest), when LIFEBOAT_PHYSICAL_ENGINE is on.
    public var physical: PhysicalStatus? = nil
    /// BACKUP_SIGNING_KEY and BACKUP_TRUSTED_SIGNERS, and whether the key can sign.
    public var signing: SigningStatus? = nil
    /// What makes the system unhealthy (exit code 1): the database unreachable, a scheduled
    /// backup type stale. Empty when healthy.
    public var problems: [String]
    public var healthy: Bool { problems.isEmpty }

    enum CodingKeys: String, CodingKey {
        case checkedAt, version, healthy, problems, database, pool, backups, schedule, disk, cloud, physical, signing
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(checkedAt, forKey: .checkedAt)
        try container.encode(version, forKey: .version)
        try container.encode(healthy, forKey: .healthy)
        try container.encode(problems, forKey: .problems)
        try container.encode(database, forKey: .database)
        try container.encodeIfPresent(pool, forKey: .pool)
        try container.encode(backups, forKey: .backups)
        try container.encode(schedule, forKey: .schedule)
        try container.encode(disk, forKey: .disk)
        try container.encode(cloud, forKey: .cloud)
        try container.encodeIfPresent(physical, forKey: .physical)
        try container.encodeIfPresent(signing, forKey: .signing)
    }
}
