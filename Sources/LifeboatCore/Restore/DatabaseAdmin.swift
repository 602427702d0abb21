import Foundation
import LifeboatPostgres

/// Database-level operations (create, drop, rename, sessions) run from the maintenance
/// database of the same server, since a database cannot be dropped or renamed from inside.
public final class DatabaseAdmin {
    let connection: Connection
    public let serverMajor: Int

    /// Connects to `maintenanceDatabase` with the server, user and password of `conninfo`.
    public init(conninfo: String, maintenanceDatabase: String = "postgres") throws {
        do {
            connection = try Connection(conninfo, database: maintenanceDatabase)
        } catch {
            throw LifeboatError(connecting: error, target: "the maintenance database '\(maintenanceDatabase)'")
        }
        serverMajor = connection.serverMajorVersion
    }

    public func close() { connection.close() }

    private func run(_ sql: String, _ parameters: [String?] = [], stage: String) throws -> QueryResult {
        do { return try connection.query(sql, parameters) } catch {
            throw LifeboatError(stage: stage, message: error.message, hint: Self.hint(for: error))
        }
    }

    private static func hint(for error: PostgresError) -> String? {
        switch error.sqlState {
        case "42501": return "the database user needs the CREATEDB privilege (or to own the database) for restores"
        case "55006": return "the database is in use: stop the application or let Lifeboat terminate its sessions"
        case "53100": return "the server is out of disk space: free space or use a smaller restore"
        default: return nil
        }
    }

    public func exists(_ database: String) throws -> Bool {
        try run("SELECT 1 FROM pg_database WHERE datname = $1", [database], stage: "restore").rows.count == 1
    }

    /// Owner, encoding and locale of `database`, so that a replacement is made like it.
    public struct Shape: Sendable, Equatable {
        public let owner: String
        public let encoding: String
        public let collate: String
        public let ctype: String
        /// Set for a database whose locale provider is ICU.
        public let iculocale: String?
        public init(owner: String, encoding: String, collate: String, ctype: String, iculocale: String? = nil) {
            self.owner = owner
            self.encoding = encoding
            self.collate = collate
            self.ctype = ctype
            self.iculocale = iculocale
        }
    }

    public func shape(of database: String) throws -> Shape? {
        let rows = try run(
            """
            SELECT pg_get_userbyid(d.datdba), pg_encoding_to_char(d.encoding), d.datcollate, d.datctype, to_jsonb(d) ->> 'daticulocale'
            FROM pg_database d WHERE d.datname = $1
            """, [database], stage: "restore"
        ).rows
        guard let row = rows.first else { return nil }
        return Shape(
            owner: row[0] ?? "", encoding: row[1] ?? "UTF8", collate: row[2] ?? "C", ctype: row[3] ?? "C",
            iculocale: row[4])
    }

    /// Creates an empty database, shaped like `like` when given (encoding, locale, and the owner
    /// unless `withOwner` is false: scratch databases stay ours). A server that cannot make a
    /// database of that shape (its operating system lacks the locale, or an ICU locale it does
    /// not know) is the target's problem, said as such: the backup is fine on a server that has it.
    public func create(_ database: String, like shape: Shape? = nil, withOwner: Bool = true) throws {
        var sql = "CREATE DATABASE \(Connection.quoteIdentifier(database)) TEMPLATE template0"
        if let shape {
            if withOwner && !shape.owner.isEmpty { sql += " OWNER \(Connection.quoteIdentifier(shape.owner))" }
            sql += " ENCODING \(Connection.quoteLiteral(shape.encoding))"
            sql +=
                " LC_COLLATE \(Connection.quoteLiteral(shape.collate)) LC_CTYPE \(Connection.quoteLiteral(shape.ctype))"
            if let icu = shape.iculocale, serverMajor >= 15 {
                sql += " LOCALE_PROVIDER icu ICU_LOCALE \(Connection.quoteLiteral(icu))"
            }
        }
        do { _ = try connection.query(sql) } catch {
            if let shape, let problem = Self.localeProblem(error, shape: shape, database: database) { throw problem }
            throw LifeboatError(stage: "create database", message: error.message, hint: Self.hint(for: error))
        }
    }

    /// The error for a CREATE DATABASE the server refused because of the encoding or locale
    /// asked for; nil for any other failure.
    static func localeProblem(_ error: PostgresError, shape: Shape, database: String) -> LifeboatError? {
        let message = error.message.lowercased()
        guard ["locale", "collat", "encoding", "ctype", "icu"].contains(where: message.contains) else { return nil }
        let wanted =
            "encoding \(shape.encoding), LC_COLLATE \(shape.collate), LC_CTYPE \(shape.ctype)"
            + (shape.iculocale.map { ", ICU locale \($0)" } ?? "")
        return LifeboatError(
            stage: "target",
            message: "the server cannot create \(database) with the backup's \(wanted): \(error.message); "
                + "the backup itself is not at fault",
            hint:
                "install that locale on the database server (e.g. add it to /etc/locale.gen and run locale-gen, or apt-get install "
                + "locales-all) and restart PostgreSQL, then restore again; `locale -a` on the server lists what it has",
            category: .failed)
    }

    /// Drops a database, ending its sessions first (PostgreSQL 13+ does this in one statement).
    public func drop(_ database: String) throws {
        let name = Connection.quoteIdentifier(database)
        if serverMajor >= 13 {
            _ = try run("DROP DATABASE IF EXISTS \(name) WITH (FORCE)", stage: "drop database")
        } else {
            _ = try terminateSessions(on: database)
            _ = try run("DROP DATABASE IF EXISTS \(name)", stage: "drop database")
        }
    }

    public func rename(_ database: String, to newName: String) throws {
        waitForSessionsToEnd(on: database)
        _ = try run(
            "ALTER DATABASE \(Connection.quoteIdentifier(database)) RENAME TO \(Connection.quoteIdentifier(newName))",
            stage: "rename database")
    }

    /// A session that has just ended (the validation's own connection, or one terminated for
    /// the swap) leaves its server process exiting for a few milliseconds, and `ALTER DATABASE
    /// … RENAME` waits for such processes in steps of 100 ms: every restore paid one step
    /// (measured). Watching `pg_stat_activity` every 2 ms for up to a second ends the wait as
    /// soon as they are gone; a session still there after that is left to RENAME's own wait
    /// and error, as before. Returns whether they were gone before `timeout`.
    @discardableResult
    public func waitForSessionsToEnd(on database: String, timeout: TimeInterval = 1) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        repeat {
            let others = try? connection.query(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()", [database]
            ).scalar
            if others == "0" { return true }
            usleep(2_000)
        } while Date() < deadline
        return false
    }

    /// Blocks or allows new connections; used around the swap so no client slips in.
    public func allowConnections(_ database: String, _ allow: Bool) throws {
        _ = try run(
            "ALTER DATABASE \(Connection.quoteIdentifier(database)) ALLOW_CONNECTIONS \(allow)",
            stage: "restore")
    }

    /// Ends every other session on `database`; returns how many were ended.
    @discardableResult
    public func terminateSessions(on database: String) throws -> Int {
        let rows = try run(
            """
            SELECT pg_terminate_backend(pid) FROM pg_stat_activity
            WHERE datname = $1 AND pid <> pg_backend_pid()
            """, [database], stage: "terminate sessions"
        ).rows
        return rows.count
    }

    /// Names of databases starting with `prefix`, newest-looking last (sorted by name).
    public func databases(withPrefix prefix: String) throws -> [String] {
        try run(
            "SELECT datname FROM pg_database WHERE starts_with(datname, $1) ORDER BY datname", [prefix],
            stage: "restore"
        )
        .rows.compactMap { $0[0] }
    }
}
