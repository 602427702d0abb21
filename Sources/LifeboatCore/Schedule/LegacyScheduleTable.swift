import Foundation
import LifeboatPostgres

/// The schedule table older versions made in the application's database (`lifeboat status`
/// created it there). The worker moves it once: its rows are copied into the coordination
/// database, then it is dropped, so the application's database holds nothing of Lifeboat's.
enum LegacyScheduleTable {
    /// Moves the table when the application's database has one and is not itself the
    /// coordination database; returns the line saying what was done, or nil when nothing was.
    /// Copy first, drop second: a worker killed in between copies again (rows it already has
    /// are kept as they are) and then drops.
    static func move(_ configuration: LifeboatConfiguration, into coordination: ConnectionPool) throws -> String? {
        let application: Connection
        do {
            application = try Connection(
                configuration.databaseURL ?? "", database: nil,
                connectTimeout: try configuration.poolSettings().connectTimeout)
        } catch { return nil }  // unreachable now: the next worker start moves it
        defer { application.close() }
        let table = ScheduleLedger.table
        guard try application.query("SELECT to_regclass($1) IS NOT NULL", [table]).scalar == "t" else { return nil }
        // Workers starting together take turns (the lock ends with the session); the second
        // finds the table gone.
        try application.query("SELECT pg_advisory_lock(hashtext($1))", [table])
        guard try application.query("SELECT to_regclass($1) IS NOT NULL", [table]).scalar == "t" else { return nil }
        // LIFEBOAT_COORDINATION_URL may name the application's database on purpose: then it stays.
        let same = try coordination.withConnection {
            try CoordinationDatabase.identity($0) == CoordinationDatabase.identity(application)
        }
        guard !same else { return nil }
        let rows = try application.query(
            """
            SELECT job, scheduled_for::text, worker, attempts::text, claimed_at::text, lease_until::text,
                   finished_at::text, outcome, message FROM \(table)
            """
        ).rows
        try coordination.withConnection { target in
            try target.query("BEGIN")
            for row in rows {
                try target.query(
                    """
                    INSERT INTO \(table) (job, scheduled_for, worker, attempts, claimed_at, lease_until, finished_at, outcome, message)
                    VALUES ($1, $2::timestamptz, $3, $4::integer, $5::timestamptz, $6::timestamptz, $7::timestamptz, $8, $9)
                    ON CONFLICT DO NOTHING
                    """, row)
            }
            try target.query("COMMIT")
        }
        try application.query("DROP TABLE IF EXISTS \(table)")
        return
            "moved the schedule table \(table) (\(rows.count) rows) from the application database '\(application.databaseName)' "
            + "to the coordination database, and dropped it there: Lifeboat keeps nothing in the application's database"
    }
}
