import Foundation
import LifeboatPostgres
import LifeboatStreams

/// The error every Lifeboat operation throws: what failed (the stage), why, and what to do.
/// Lower-level errors (libpq, pipeline stages) are translated into it at the edge of Core.
public struct LifeboatError: Error, CustomStringConvertible, Sendable {
    /// How a failure ends the process: `ExitStatus` maps each to its documented code.
    public enum Category: Int32, Sendable {
        /// The operation failed (database, disk, pg_dump, encryption, ...).
        case failed = 1
        /// The configuration or an argument is wrong; nothing was attempted.
        case configuration = 2
        /// The backup itself is bad (hash, gzip, OpenPGP, row counts): use another one.
        case badBackup = 3
        /// The restore is done, but the application's services did not come back: start them by hand.
        case servicesDown = 4
        /// Refused before anything changed (a failed preflight check, a target another restore holds).
        case refused = 5
    }

    public let stage: String
    public let message: String
    public let hint: String?
    public let category: Category

    public init(stage: String, message: String, hint: String? = nil, category: Category = .failed) {
        self.stage = stage
        self.message = message
        self.hint = hint
        self.category = category
    }

    public var description: String {
        var text = "\(stage): \(message)"
        if let hint { text += "\n  → \(hint)" }
        return text
    }

    public init(_ error: StreamError) {
        self.init(stage: error.stage.rawValue, message: error.message, hint: error.hint)
    }

    /// Translates a libpq failure, recognising the causes an operator meets most.
    public init(connecting error: PostgresError, target: String) {
        // libpq refused the string itself: an unknown option, or a value it checks before it
        // connects ("invalid sslmode value: …"). Nothing was tried.
        if error.code == .invalidConnectionString || error.message.hasPrefix("invalid ") {
            // Neither the target nor libpq's words: both come from the string, which may be
            // malformed exactly where its password is.
            let problem =
                error.code == .invalidConnectionString ? error.message : ConnectionString.generalProblem(error.message)
            self.init(
                stage: "connect", message: "the connection string is not valid: \(problem)",
                hint: "fix the connection string (DATABASE_URL): libpq accepts the options listed in "
                    + "https://www.postgresql.org/docs/current/libpq-connect.html#LIBPQ-PARAMKEYWORDS",
                category: .configuration)
            return
        }
        if Self.isFailedAuthentication(error) {
            self.init(
                stage: "connect",
                message: "\(Self.failedAuthentication) at \(target): the server refused the user or password "
                    + "(SQLSTATE 28P01): \(error.message)",
                hint: "check the user and password in DATABASE_URL (or PGUSER/PGPASSWORD, ~/.pgpass); "
                    + "nothing was attempted, and no check can be skipped to get past it")
            return
        }
        let text = error.message.lowercased()
        let hint: String
        if text.contains("does not exist") && text.contains("database") {
            hint = "check the database name in DATABASE_URL (or PGDATABASE); `psql -l` lists the databases"
        } else if text.contains("connection refused") || text.contains("could not connect")
            || text.contains("no such file")
        {
            hint = "is PostgreSQL running and reachable at that host and port? `pg_isready` tells"
        } else {
            hint = "check DATABASE_URL (or the PG* variables)"
        }
        self.init(stage: "connect", message: "cannot connect to \(target): \(error.message)", hint: hint)
    }

    /// How a refused login begins its message, so the preflight refusal can tell it apart.
    public static let failedAuthentication = "failed authentication"

    /// The server refused the login: a wrong password (SQLSTATE 28P01, which libpq reports
    /// only as text at connection time), no password where one is needed, or an unknown user.
    public static func isFailedAuthentication(_ error: PostgresError) -> Bool {
        if error.sqlState == "28P01" || error.sqlState == "28000" { return true }
        let text = error.message.lowercased()
        return text.contains("password authentication failed") || text.contains("no password supplied")
            || text.contains("authentication failed for user")
    }

    /// Wraps any error, keeping Lifeboat and stream errors as they are.
    public static func wrap(_ error: any Error, stage: String) -> LifeboatError {
        switch error {
        case let error as LifeboatError: return error
        case let error as StreamError: return LifeboatError(error)
        case let error as PostgresError: return LifeboatError(stage: stage, message: error.description)
        default: return LifeboatError(stage: stage, message: String(describing: error))
        }
    }
}
