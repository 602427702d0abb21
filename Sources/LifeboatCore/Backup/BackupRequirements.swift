import Foundation
import LifeboatPostgres

/// What a backup needs from the server it is restored on, as the manifest records it: the
/// preflight (`server.objects`) compares it with the target before anything changes, so a
/// missing extension package or tablespace is named as the target's problem up front.
public struct BackupRequirements: Codable, Sendable, Equatable {
    public struct Extension: Codable, Sendable, Equatable {
        public var name: String
        public var version: String
    }

    public var extensions: [Extension]
    /// Created by the backup's own first statement where missing (see GlobalsPrelude).
    public var roles: [String]
    /// Tablespaces other than the defaults that the database's objects live in.
    public var tablespaces: [String]

    static func read(from connection: Connection, roles: [String]) throws -> BackupRequirements {
        let extensions = try connection.query(
            "SELECT extname, extversion FROM pg_extension WHERE extname <> 'plpgsql' ORDER BY 1"
        ).rows
            .compactMap { row in row[0].map { Extension(name: $0, version: row[1] ?? "") } }
        let tablespaces = try connection.query(
            """
            SELECT DISTINCT t.spcname FROM pg_class c JOIN pg_tablespace t ON t.oid = c.reltablespace
            WHERE t.spcname NOT IN ('pg_default', 'pg_global')
            UNION SELECT t.spcname FROM pg_database d JOIN pg_tablespace t ON t.oid = d.dattablespace
            WHERE d.datname = current_database() AND t.spcname NOT IN ('pg_default', 'pg_global')
            ORDER BY 1
            """
        ).rows.compactMap { $0[0] }
        return BackupRequirements(extensions: extensions, roles: roles, tablespaces: tablespaces)
    }
}
