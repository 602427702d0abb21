import Foundation
import LifeboatPostgres

/// Who holds what on a server, asked once for a cleanup: Lifeboat's own sessions (named
/// `lifeboat …`: a run's lock session is `lifeboat run RUN_ID HOST`) with the database each is
/// in, and the run advisory locks (`lifeboat:run:TARGET`) held. Only these make a scratch
/// database owned: any other backend in it (autovacuum, a forgotten psql) is no owner, and
/// the drop ends it.
struct LeftoverHolders {
    struct Session {
        let database: String?
        let applicationName: String
    }

    /// The advisory lock key a run takes on its target; the runbook engine's `RunLock.key`
    /// spells the same, which this module cannot import.
    static func runLockKey(_ target: String) -> String { "lifeboat:run:" + target }

    let connection: Connection
    let sessions: [Session]

    init(_ connection: Connection) throws {
        self.connection = connection
        sessions = try connection.query(
            """
            SELECT datname, application_name FROM pg_stat_activity
            WHERE application_name LIKE 'lifeboat%' AND pid <> pg_backend_pid()
            """
        ).rows.map { Session(database: $0[0], applicationName: $0[1] ?? "") }
    }

    /// A Lifeboat session connected to `database`.
    func sessionIn(_ database: String) -> String? {
        sessions.first { $0.database == database }.map { "the session '\($0.applicationName)' connected to it" }
    }

    /// A run's lock session for `runID` (either spelling of older run ids, `-` or `_`).
    func runSession(_ runID: String) -> String? {
        let spellings = Set([
            runID, runID.replacingOccurrences(of: "-", with: "_"), runID.replacingOccurrences(of: "_", with: "-")
        ])
        return sessions.first { session in
            spellings.contains { session.applicationName.hasPrefix("lifeboat run \($0) ") }
        }
        .map { "the session '\($0.applicationName)'" }
    }

    /// The session holding the run lock of `target`, when one does.
    func lockHolder(_ target: String) throws -> String? {
        let holder = try connection.query(
            """
            SELECT coalesce(nullif(a.application_name, ''), 'pid ' || l.pid) FROM pg_locks l
            LEFT JOIN pg_stat_activity a ON a.pid = l.pid
            WHERE l.locktype = 'advisory' AND l.granted
              AND ((l.classid::bigint << 32) | l.objid::bigint) = hashtextextended($1, 0)
            LIMIT 1
            """, [Self.runLockKey(target)]
        ).scalar
        return holder.map { "the session '\($0)' (it holds the run lock of \(target))" }
    }
}
