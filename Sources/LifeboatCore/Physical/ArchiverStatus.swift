import Foundation
import LifeboatPostgres

/// What the server says about its WAL archiving: the settings that make it happen and
/// `pg_stat_archiver`'s record of how it went. Settings a role may not read (archive_command
/// and data_directory need superuser or pg_read_all_settings) are left nil, not guessed.
public struct ArchiverStatus: Sendable, Encodable, Equatable {
    public var archiveMode: String?
    public var archiveCommand: String?
    public var walLevel: String?
    /// Seconds; 0 means a quiet server's last changes can wait in an unfinished segment.
    public var archiveTimeoutSeconds: Int?
    public var dataDirectory: String?
    public var inRecovery = false

    public var archivedCount: Int64 = 0
    public var lastArchivedWAL: String?
    public var lastArchivedTime: Date?
    public var failedCount: Int64 = 0
    public var lastFailedWAL: String?
    public var lastFailedTime: Date?
    /// The segment being written now (nil on a standby).
    public var currentWAL: String?
    /// Finished segments still waiting for archive_command (`.ready` files), and since when
    /// the oldest waits; nil when the role may not list pg_wal/archive_status (pg_monitor).
    public var readyCount: Int?
    public var oldestReadySince: Date?
    /// The server's clock when this was read: ages are measured against it, not ours.
    public var serverTime = Date()

    public init() {}

    /// Reads everything in a few queries; only a failure of pg_stat_archiver itself throws.
    public static func read(_ connection: Connection) throws(PostgresError) -> ArchiverStatus {
        var status = ArchiverStatus()
        let names = ["archive_mode", "archive_command", "wal_level", "archive_timeout", "data_directory"]
        // pg_settings leaves out the rows this role may not read, instead of failing.
        let settings = try connection.query(
            "SELECT name, setting FROM pg_settings WHERE name = ANY($1::text[])",
            ["{" + names.joined(separator: ",") + "}"])
        for row in settings.rows {
            guard let name = row[0] else { continue }
            let value = row.count > 1 ? row[1] : nil
            switch name {
            case "archive_mode": status.archiveMode = value
            case "archive_command": status.archiveCommand = value
            case "wal_level": status.walLevel = value
            case "archive_timeout": status.archiveTimeoutSeconds = value.flatMap { Int($0) }
            case "data_directory": status.dataDirectory = value
            default: break
            }
        }
        let archiver = try connection.query(
            """
            SELECT archived_count, last_archived_wal, extract(epoch FROM last_archived_time),
                   failed_count, last_failed_wal, extract(epoch FROM last_failed_time),
                   extract(epoch FROM now()), pg_is_in_recovery(),
                   CASE WHEN pg_is_in_recovery() THEN NULL ELSE pg_walfile_name(pg_current_wal_lsn()) END
            FROM pg_stat_archiver
            """)
        if let row = archiver.rows.first, row.count >= 9 {
            status.archivedCount = row[0].flatMap { Int64($0) } ?? 0
            status.lastArchivedWAL = row[1]
            status.lastArchivedTime = epoch(row[2])
            status.failedCount = row[3].flatMap { Int64($0) } ?? 0
            status.lastFailedWAL = row[4]
            status.lastFailedTime = epoch(row[5])
            status.serverTime = epoch(row[6]) ?? Date()
            status.inRecovery = row[7] == "t"
            status.currentWAL = row[8]
        }
        // Superuser or pg_monitor only; without it, freshness falls back to the last success.
        if let ready = try? connection.query(
            """
            SELECT count(*), extract(epoch FROM min(modification))
            FROM pg_ls_archive_statusdir() WHERE name LIKE '%.ready'
            """), let row = ready.rows.first
        {
            status.readyCount = row[0].flatMap { Int($0) }
            status.oldestReadySince = row.count > 1 ? epoch(row[1]) : nil
        }
        return status
    }

    /// Connects to DATABASE_URL (DB_CONNECT_TIMEOUT bounds the wait) and reads the status;
    /// a failure to connect is the usual translated connection error.
    public static func read(_ configuration: LifeboatConfiguration) throws -> ArchiverStatus {
        let target = ConnectionString.redacted(configuration.databaseURL ?? "the database named by the PG* variables")
        let timeout = try configuration.poolSettings().connectTimeout
        do {
            let connection = try Connection(configuration.databaseURL ?? "", database: nil, connectTimeout: timeout)
            defer { connection.close() }
            return try read(connection)
        } catch {
            throw error.code == .connectionFailed || error.code == .invalidConnectionString
                ? LifeboatError(connecting: error, target: target)
                : LifeboatError(
                    stage: "database", message: "cannot read the archiver's status from \(target): \(error.message)")
        }
    }

    static func epoch(_ text: String?) -> Date? {
        text.flatMap { Double($0) }.map { Date(timeIntervalSince1970: $0) }
    }

    /// archive_mode is on (or always).
    public var archivingEnabled: Bool? {
        archiveMode.map { $0 == "on" || $0 == "always" }
    }

    /// The last attempt failed: a failure newer than the last success.
    public var isFailing: Bool {
        guard let failed = lastFailedTime else { return false }
        guard let archived = lastArchivedTime else { return true }
        return failed > archived
    }

    /// How long since the last WAL segment was archived, by the server's clock.
    public var lastArchivedAge: TimeInterval? {
        lastArchivedTime.map { max(0, serverTime.timeIntervalSince($0)) }
    }

    /// How long the oldest finished segment has waited to be archived (0 when none waits).
    public var oldestReadyAge: TimeInterval? {
        guard let readyCount else { return nil }
        guard readyCount > 0, let since = oldestReadySince else { return 0 }
        return max(0, serverTime.timeIntervalSince(since))
    }
}
