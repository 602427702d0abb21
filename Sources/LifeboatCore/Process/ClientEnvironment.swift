import Foundation
import LifeboatPostgres

/// The environment of pg_dump and psql: the PostgreSQL tools' allow-list of Lifeboat's own
/// environment, plus DATABASE_URL's parts as PG* variables, so the password never appears in
/// an argument list (which `ps` shows to every user).
enum ClientEnvironment {
    static func make(
        _ configuration: LifeboatConfiguration,
        inherited: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> [String: String] {
        var environment = ChildEnvironment.forPostgresTools(inherited)
        if let url = configuration.databaseURL {
            do {
                for (name, value) in try ConnectionString(url).environment { environment[name] = value }
            } catch {
                // libpq's message quotes the offending part, which may be the password: say which
                // part is wrong in general terms only.
                throw LifeboatError(
                    stage: "configuration", message: "DATABASE_URL is not a valid connection string: \(error.message)",
                    hint: "use postgresql://user:password@host:port/dbname", category: .configuration)
            }
        }
        return environment
    }
}
