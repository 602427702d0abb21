import Foundation
import LifeboatPostgres

/// What the preflight learns from the target's server in one short session on its
/// maintenance database: version, where it keeps its data and whether that is on this
/// machine, the target's size, and what this user may do there. Reads only.
struct ServerFacts {
    var version: PostgresVersion?
    var versionText: String?
    /// The data directory, when the server said (it needs superuser or pg_read_all_settings).
    var dataDirectory: String?
    var dataDirectoryProblem: String?
    var port: String?
    /// The server's address as it sees this session: nil over a Unix socket.
    var serverAddress: String?
    var targetExists = false
    var targetBytes: Int64?
    /// Extensions the server can install (`pg_available_extensions`), its roles and tablespaces,
    /// and whether this user may create roles: for `server.objects`.
    var availableExtensions: Set<String> = []
    var roles: Set<String> = []
    var tablespaces: Set<String> = []
    var mayCreateRoles = false
    /// Who this session is, whether it may create databases (CREATEDB or superuser), and who
    /// owns the target: a restore that builds a new database, or drops and renames the live
    /// one, needs these, and a server that refuses them is the target's problem, said first.
    var user = ""
    var mayCreateDatabases = false
    var isSuperuser = false
    var targetOwner: String?
    /// This user owns the target (or is a member of its owner): DROP and RENAME need it.
    var ownsTarget = false
    /// Why the server could not be asked, when it could not.
    var unreachable: String?
    /// The server refused the login (wrong password): said as such by `server.version`.
    var loginRefused: LifeboatError?

    static func gather(conninfo: String, target: String, timeout: Duration) -> ServerFacts {
        var facts = ServerFacts()
        let connection: Connection
        do {
            connection = try Connection(conninfo, database: "postgres", connectTimeout: timeout)
        } catch {
            let failure = LifeboatError(connecting: error, target: "the maintenance database 'postgres'")
            facts.unreachable = failure.message
            if LifeboatError.isFailedAuthentication(error) { facts.loginRefused = failure }
            return facts
        }
        defer { connection.close() }
        facts.version = PostgresVersion(serverVersionNumber: connection.serverVersionNumber)
        facts.versionText = (try? connection.query("SHOW server_version").scalar) ?? nil
        do {
            facts.dataDirectory = try connection.query("SHOW data_directory").scalar
        } catch {
            facts.dataDirectoryProblem =
                error.sqlState == "42501"
                ? "the database user may not read data_directory (it needs superuser or pg_read_all_settings)"
                : error.message
        }
        facts.port = (try? connection.query("SHOW port").scalar) ?? nil
        facts.serverAddress = (try? connection.query("SELECT host(inet_server_addr())").scalar) ?? nil
        if let row =
            (try? connection.query(
                "SELECT pg_database_size(oid), pg_get_userbyid(datdba), pg_has_role(current_user, datdba, 'MEMBER') FROM pg_database WHERE datname = $1",
                [target]
            ).rows)?.first
        {
            facts.targetExists = true
            facts.targetBytes = row[0].flatMap { Int64($0) }
            facts.targetOwner = row[1]
            facts.ownsTarget = row[2] == "t"
        }
        facts.availableExtensions = Set(
            ((try? connection.query("SELECT name FROM pg_available_extensions").rows) ?? []).compactMap { $0[0] })
        facts.roles = Set(((try? connection.query("SELECT rolname FROM pg_roles").rows) ?? []).compactMap { $0[0] })
        facts.tablespaces = Set(
            ((try? connection.query("SELECT spcname FROM pg_tablespace").rows) ?? []).compactMap { $0[0] })
        if let row =
            (try? connection.query(
                "SELECT rolsuper OR rolcreaterole, rolcreatedb, rolsuper, rolname FROM pg_roles WHERE rolname = current_user"
            ).rows)?.first
        {
            facts.mayCreateRoles = row[0] == "t"
            facts.mayCreateDatabases = row[1] == "t" || row[2] == "t"
            facts.isSuperuser = row[2] == "t"
            facts.user = row[3] ?? ""
        }
        return facts
    }

    /// True when the server runs on this machine and `dataDirectory` is its folder here: it
    /// answered over a Unix socket or loopback, and the folder's postmaster.pid names its port.
    /// A server in a container on this host has its folder elsewhere, and is not measured.
    var dataDirectoryIsHere: Bool {
        guard let dataDirectory, serverAddress == nil || serverAddress == "127.0.0.1" || serverAddress == "::1" else {
            return false
        }
        guard let pidFile = try? String(contentsOfFile: dataDirectory + "/postmaster.pid", encoding: .utf8) else {
            return false
        }
        let lines = pidFile.split(separator: "\n", omittingEmptySubsequences: false)
        return lines.count > 3 && lines[3].trimmingCharacters(in: .whitespaces) == port
    }
}
