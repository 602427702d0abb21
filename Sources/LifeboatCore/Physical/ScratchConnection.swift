import Foundation
import LifeboatPostgres

/// How Lifeboat reaches a scratch cluster that a PITR drill recovered: the scratch is a copy of
/// the live cluster, so the live DATABASE_URL's user and password work there too. The URL shown
/// in journals and reports carries no password; `conninfo` adds the configured one back at
/// connect time, so the secret never lands in a run's outputs.
public enum ScratchConnection {
    /// `postgresql://USER@127.0.0.1:PORT/DB`, with the user and database of `configured`.
    public static func url(port: Int, configured: String?) -> String {
        let parsed = try? ConnectionString(configured ?? "")
        let user = parsed?["user"] ?? "postgres"
        let database = parsed?["dbname"] ?? "postgres"
        return "postgresql://\(escape(user))@127.0.0.1:\(port)/\(escape(database))"
    }

    /// A key=value connection string for `url` (or any libpq string) that takes the password
    /// from `configured` when `url` has none, names the same user, and reaches the configured
    /// server itself or one of `trusting` (the run's scratch clusters): DATABASE_URL's password
    /// never goes to a server a runbook merely names. `database` overrides the database.
    public static func conninfo(_ url: String, configured: String?, database: String? = nil, trusting: [String] = [])
        throws -> String
    {
        let given = try ConnectionString(url)
        var settings: [(String, String)] = given.settings.map { ($0.keyword, $0.value) }
        let live = try? ConnectionString(configured ?? "")
        let trusted = Set(
            [live].compactMap { $0 }.map(endpoint) + trusting.compactMap { try? endpoint(ConnectionString($0)) })
        if given["password"] == nil, let password = live?["password"],
            (given["user"] ?? "postgres") == (live?["user"] ?? "postgres"), trusted.contains(endpoint(given))
        {
            settings.append(("password", password))
        }
        if let database {
            settings.removeAll { $0.0 == "dbname" }
            settings.append(("dbname", database))
        }
        return settings.map { "\($0.0)=\(quote($0.1))" }.joined(separator: " ")
    }

    /// Where a connection string leads: host (or socket folder) and port, as libpq would fill
    /// them in from the environment; the loopback names count as one.
    static func endpoint(_ parsed: ConnectionString) -> String {
        let environment = ProcessInfo.processInfo.environment
        var host = parsed["host"] ?? parsed["hostaddr"] ?? environment["PGHOST"] ?? "/var/run/postgresql"
        if ["localhost", "127.0.0.1", "::1"].contains(host.lowercased()) { host = "loopback" }
        let port = parsed["port"] ?? environment["PGPORT"] ?? "5432"
        return "\(host):\(port)"
    }

    /// libpq's key=value quoting: single quotes, with `\` and `'` escaped.
    static func quote(_ value: String) -> String {
        "'" + value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "'", with: "\\'") + "'"
    }

    static func escape(_ part: String) -> String {
        part.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~")))
            ?? part
    }
}
