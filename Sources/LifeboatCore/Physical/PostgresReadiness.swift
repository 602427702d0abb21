import Foundation
import LifeboatPostgres

/// Waits until the cluster accepts queries and, after a point-in-time restore, until recovery
/// has ended (`pg_is_in_recovery()` false: the target was reached and the server promoted).
/// A hot standby accepts connections long before that, so "it answers" is not enough.
public struct PostgresReadiness: Sendable {
    public struct Result: Sendable, Equatable {
        public let waitedSeconds: Double
        /// `pg_last_xact_replay_timestamp()`: the commit time of the last transaction replayed
        /// (it keeps that value after promotion); nil when nothing was replayed.
        public let recoveredTo: Date?
        /// `pg_last_wal_replay_lsn()`, nil when the server did no recovery.
        public let replayedLSN: String?
        public let serverVersion: String?
    }

    public let conninfo: String
    public var timeout: TimeInterval = 600
    /// When recovery must be over too (after a physical restore); false: any answer will do.
    public var requirePrimary = true
    /// With it, a postmaster that is gone (recovery failed and shut it down) fails at once.
    public var dataDirectory: String?
    public var cancellation: CancellationFlag?
    public var interval: TimeInterval = 0.5

    public init(conninfo: String) {
        self.conninfo = conninfo
    }

    public func wait() throws -> Result {
        let started = Date()
        var last = "no attempt yet"
        var goneCount = 0
        while true {
            if cancellation?.isCancelled == true {
                throw LifeboatError(stage: "postgres", message: "waiting for PostgreSQL was interrupted (\(last))")
            }
            do {
                let connection = try Connection(conninfo, database: nil, connectTimeout: .seconds(5))
                defer { connection.close() }
                let row =
                    try connection.query(
                        """
                        SELECT pg_is_in_recovery(), extract(epoch FROM pg_last_xact_replay_timestamp()),
                               pg_last_wal_replay_lsn()::text, current_setting('server_version')
                        """
                    ).rows.first ?? []
                if row.first == "f" || !requirePrimary {
                    return Result(
                        waitedSeconds: Date().timeIntervalSince(started),
                        recoveredTo: row.count > 1
                            ? row[1].flatMap(Double.init).map { Date(timeIntervalSince1970: $0) } : nil,
                        replayedLSN: row.count > 2 ? row[2] : nil, serverVersion: row.count > 3 ? row[3] : nil)
                }
                last = "it answers but is still in recovery (replaying WAL towards the target)"
                goneCount = 0
            } catch {
                last = "it does not answer: \(error.message.trimmingCharacters(in: .whitespacesAndNewlines))"
                if let dataDirectory, !PostmasterStatus.read(dataDirectory: dataDirectory).isRunning {
                    goneCount += 1
                    // A few polls, since pg_ctl start returns a moment before the pid file settles.
                    if goneCount >= 6 {
                        throw LifeboatError(
                            stage: "postgres", message: "PostgreSQL is not running on \(dataDirectory) (\(last))",
                            hint:
                                "a recovery that cannot reach its target (e.g. a target after the last archived WAL) shuts the server down: "
                                + "read its log (\(PostgresService.startLog(dataDirectory))), then restore again with another target"
                        )
                    }
                }
            }
            if Date().timeIntervalSince(started) >= timeout {
                throw LifeboatError(
                    stage: "postgres",
                    message: "PostgreSQL was not ready after \(ArchiveFindings.age(timeout)): \(last)",
                    hint: requirePrimary
                        ? "recovery may still be replaying WAL: watch the server's log, then run the step again with a longer timeout"
                        : "check that the server is running and that DATABASE_URL reaches it")
            }
            Thread.sleep(forTimeInterval: interval)
        }
    }
}
