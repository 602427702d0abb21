import Foundation
import LifeboatPostgres

/// Where the workers' schedule table lives: LIFEBOAT_COORDINATION_URL, else the maintenance
/// database (`postgres`) on DATABASE_URL's server. Never the application's database: a table
/// of Lifeboat's there would show up in every backup of it and as "added" in every compare.
public enum CoordinationDatabase {
    /// The database on DATABASE_URL's server that holds the table when no URL is configured.
    public static let maintenanceDatabase = "postgres"

    /// A pool for the coordination database with the DB_POOL_* settings, so a connection the
    /// server dropped (a restart) is replaced at the next look instead of ending the worker.
    public static func pool(_ configuration: LifeboatConfiguration) throws -> ConnectionPool {
        let settings = try configuration.poolSettings()
        if let url = configuration.string(.coordinationURL) { return ConnectionPool(url, settings: settings) }
        return ConnectionPool(configuration.databaseURL ?? "", database: maintenanceDatabase, settings: settings)
    }

    /// The coordination database for messages, with any password cut out.
    public static func describe(_ configuration: LifeboatConfiguration) -> String {
        if let url = configuration.string(.coordinationURL) { return ConnectionString.redacted(url) }
        return "the maintenance database '\(maintenanceDatabase)' on DATABASE_URL's server"
    }

    /// Identifies a database across connections: its oid and its server's start time (the same
    /// database reached by two spellings of a URL, a socket and 127.0.0.1, gives the same pair).
    static func identity(_ connection: Connection) throws -> String {
        try connection.query(
            """
            SELECT d.oid::text || '@' || pg_postmaster_start_time()::text FROM pg_database d WHERE d.datname = current_database()
            """
        ).scalar ?? ""
    }
}
