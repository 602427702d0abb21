import Foundation
import LifeboatPostgres

/// The table through which workers on any number of hosts agree that each scheduled slot runs
/// once: a slot is claimed by inserting its (job, scheduled_for) key, which only one worker
/// can do; the claim is a lease the running worker renews; a claim whose lease ran out (its
/// worker died) is taken over by the next worker that looks; the end of the run is recorded.
public final class ScheduleLedger {
    public struct Slot: Sendable, Equatable {
        public let job: String
        public let scheduledFor: Date
        public let worker: String
        public let attempts: Int
        public let finishedAt: Date?
        public let outcome: String?
        public let message: String?
    }

    public static let table = "lifeboat_schedule_runs"
    private let pool: ConnectionPool
    public let worker: String

    /// The pool a worker (or a status check) uses for the coordination database.
    public static func pool(_ configuration: LifeboatConfiguration) throws -> ConnectionPool {
        try CoordinationDatabase.pool(configuration)
    }

    /// Uses `pool` (shared by a worker's loop and its heartbeats); creates nothing. Only the
    /// worker makes the table (`prepare`): a look at the schedule must leave no trace.
    public init(pool: ConnectionPool, worker: String) {
        self.pool = pool
        self.worker = worker
    }

    /// For the worker, before its first look: creates the table in the coordination database if
    /// needed, then moves one an older Lifeboat left in the application's database (`note`
    /// says so when it does).
    public static func prepare(
        _ configuration: LifeboatConfiguration, pool: ConnectionPool,
        note: (String) -> Void = { _ in }
    ) throws {
        do {
            // Workers starting together would race in CREATE TABLE IF NOT EXISTS (it is not
            // atomic in PostgreSQL): one advisory lock makes them take turns.
            _ = try pool.withConnection {
                try $0.query(
                    """
                    BEGIN;
                    SELECT pg_advisory_xact_lock(hashtext('\(Self.table)'));
                    CREATE TABLE IF NOT EXISTS \(Self.table) (
                        job text NOT NULL,
                        scheduled_for timestamptz NOT NULL,
                        worker text NOT NULL,
                        attempts integer NOT NULL DEFAULT 1,
                        claimed_at timestamptz NOT NULL DEFAULT now(),
                        lease_until timestamptz NOT NULL,
                        finished_at timestamptz,
                        outcome text,
                        message text,
                        PRIMARY KEY (job, scheduled_for));
                    COMMIT;
                    """)
            }
        } catch {
            throw LifeboatError(
                stage: "schedule",
                message:
                    "cannot create the schedule table in \(CoordinationDatabase.describe(configuration)): \(error)",
                hint:
                    "the worker needs CREATE there: grant it, or set LIFEBOAT_COORDINATION_URL to a database it may create a table in "
                    + "(not the application's database)",
                category: .configuration)
        }
        do {
            if let moved = try LegacyScheduleTable.move(configuration, into: pool) { note(moved) }
        } catch {
            throw LifeboatError(
                stage: "schedule",
                message: "cannot move the old schedule table out of the application database: \(error)",
                hint:
                    "the worker needs SELECT and DROP on \(Self.table) in DATABASE_URL's database; or drop it there yourself"
            )
        }
    }

    /// The newest slots recorded in the coordination database, for `status` and `schedule list`:
    /// none when no worker has made the table yet (it is not made here).
    public static func recent(_ configuration: LifeboatConfiguration, limit: Int = 500) throws -> [Slot] {
        let reader = ScheduleLedger(pool: try Self.pool(configuration), worker: "")
        defer { reader.pool.close() }
        let exists = try reader.run("SELECT to_regclass($1) IS NOT NULL", [table]).scalar == "t"
        return exists ? try reader.recent(limit: limit) : []
    }

    private func run(_ sql: String, _ parameters: [String?]) throws -> QueryResult {
        do {
            return try pool.withConnection { try $0.query(sql, parameters) }
        } catch {
            throw LifeboatError(
                stage: "schedule", message: "schedule table: \(error)",
                hint: "check the coordination database is reachable")
        }
    }

    static func text(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: date)
    }

    /// The newest slot of a job recorded by any worker.
    public func lastSlot(_ job: String) throws -> Date? {
        try run("SELECT extract(epoch FROM max(scheduled_for)) FROM \(Self.table) WHERE job = $1", [job]).scalar
            .flatMap(Double.init).map { Date(timeIntervalSince1970: $0) }
    }

    /// True when this worker claimed the slot; false when another worker already has it.
    public func claim(_ job: String, _ slot: Date, lease: TimeInterval) throws -> Bool {
        let result = try run(
            """
            INSERT INTO \(Self.table) (job, scheduled_for, worker, lease_until)
            VALUES ($1, $2::timestamptz, $3, now() + make_interval(secs => $4::float8))
            ON CONFLICT DO NOTHING RETURNING job
            """, [job, Self.text(slot), worker, String(lease)])
        return !result.rows.isEmpty
    }

    /// Claims whose worker stopped renewing them (it died): this worker takes them over.
    public func takeOverExpired(lease: TimeInterval, jobs: [String]) throws -> [(job: String, slot: Date)] {
        guard !jobs.isEmpty else { return [] }
        let result = try run(
            """
            UPDATE \(Self.table) SET worker = $1, attempts = attempts + 1, claimed_at = now(),
                   lease_until = now() + make_interval(secs => $2::float8)
            WHERE finished_at IS NULL AND lease_until < now() AND job = ANY($3::text[])
            RETURNING job, extract(epoch FROM scheduled_for)
            """, [worker, String(lease), "{" + jobs.map { "\"\($0)\"" }.joined(separator: ",") + "}"])
        return result.rows.compactMap { row in
            guard let job = row[0], let epoch = row[1].flatMap(Double.init) else { return nil }
            return (job, Date(timeIntervalSince1970: epoch))
        }
    }

    /// Renews this worker's lease on a running slot; false when the claim was lost.
    public func renew(_ job: String, _ slot: Date, lease: TimeInterval) throws -> Bool {
        let result = try run(
            """
            UPDATE \(Self.table) SET lease_until = now() + make_interval(secs => $4::float8)
            WHERE job = $1 AND scheduled_for = $2::timestamptz AND worker = $3 AND finished_at IS NULL
            """, [job, Self.text(slot), worker, String(lease)])
        return result.commandTuples == "1"
    }

    /// Records how the slot ended.
    public func finish(_ job: String, _ slot: Date, outcome: String, message: String?) throws {
        _ = try run(
            """
            UPDATE \(Self.table) SET finished_at = now(), outcome = $4, message = $5
            WHERE job = $1 AND scheduled_for = $2::timestamptz AND worker = $3
            """, [job, Self.text(slot), worker, outcome, message])
    }

    /// Gives a slot back unfinished (the worker is shutting down): the next worker that looks
    /// takes it over at once instead of waiting for the lease to run out.
    public func release(_ job: String, _ slot: Date, message: String) throws {
        _ = try run(
            """
            UPDATE \(Self.table) SET lease_until = now() - interval '1 second', message = $4
            WHERE job = $1 AND scheduled_for = $2::timestamptz AND worker = $3 AND finished_at IS NULL
            """, [job, Self.text(slot), worker, message])
    }

    /// The newest slots of each job, newest first (for `schedule list` and `status`).
    public func recent(limit: Int = 50) throws -> [Slot] {
        try run(
            """
            SELECT job, extract(epoch FROM scheduled_for), worker, attempts, extract(epoch FROM finished_at), outcome, message
            FROM \(Self.table) ORDER BY scheduled_for DESC LIMIT $1
            """, [String(limit)]
        ).rows.compactMap { row in
            guard let job = row[0], let slot = row[1].flatMap(Double.init) else { return nil }
            return Slot(
                job: job, scheduledFor: Date(timeIntervalSince1970: slot), worker: row[2] ?? "",
                attempts: Int(row[3] ?? "1") ?? 1,
                finishedAt: row[4].flatMap(Double.init).map { Date(timeIntervalSince1970: $0) }, outcome: row[5],
                message: row[6])
        }
    }
}
