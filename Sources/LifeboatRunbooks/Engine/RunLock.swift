import Foundation
import LifeboatCore
import LifeboatPostgres

/// One run per target at a time, on two levels: a lock file in the state directory (run id,
/// host, pid; taken over when its process is gone), and a PostgreSQL advisory lock on the
/// target's server, held by a session named after the run, so runs from two machines with
/// different state directories still exclude each other. The server drops the advisory lock
/// with the session when its holder dies, so it is always recoverable.
///
/// `lifeboat restore` takes the same lock (`Holder.restore`), so a restore and a run, or two
/// restores, can never swap one database over each other; no flag overrides it.
public final class RunLock {
    /// Who takes the lock: a run (by id), or a `lifeboat restore` process.
    public enum Holder: Sendable {
        case run(String)
        case restore

        /// The first field of the lock file.
        var label: String {
            switch self {
            case .run(let id): id
            case .restore: Self.restoreLabel
            }
        }

        static let restoreLabel = "restore"

        /// The session's application_name on the server: Lifeboat's own name for its holders.
        func sessionName(host: String) -> String {
            switch self {
            case .run(let id): "lifeboat run \(id) \(host)"
            case .restore: "lifeboat restore \(host) \(getpid())"
            }
        }
    }

    let url: URL
    private var held = false
    private var session: Connection?

    /// The advisory lock key for a target database.
    static func key(_ target: String) -> String { "lifeboat:run:" + target }

    /// The lock file of a target database in a state directory.
    static func file(stateDirectory: URL, target: String) -> URL {
        stateDirectory.appendingPathComponent("locks")
            .appendingPathComponent(
                target.map { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" ? $0 : "_" } + ".lock")
    }

    /// The application name of the session holding the target's advisory lock, if one does.
    static func serverHolder(_ connection: Connection, target: String) -> String? {
        (try? connection.query(
            """
            SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
            WHERE l.locktype = 'advisory' AND l.granted
              AND ((l.classid::bigint << 32) | l.objid::bigint) = hashtextextended($1, 0)
            """, [key(target)]
        ).scalar) ?? nil
    }

    convenience init(stateDirectory: URL, target: String, runID: String, conninfo: String?) throws {
        try self.init(stateDirectory: stateDirectory, target: target, holder: .run(runID), conninfo: conninfo)
    }

    public init(stateDirectory: URL, target: String, holder: Holder, conninfo: String?) throws {
        let locks = stateDirectory.appendingPathComponent("locks")
        try FileManager.default.createDirectory(
            at: locks, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        url = Self.file(stateDirectory: stateDirectory, target: target)
        try takeFile(target: target, holder: holder)
        guard let conninfo else { return }
        do {
            try takeServerLock(conninfo: conninfo, target: target, holder: holder)
        } catch {
            release()
            throw error
        }
    }

    private func takeServerLock(conninfo: String, target: String, holder: Holder) throws {
        let connection: Connection
        // no server to lock on (yet): the lock file still guards this machine
        do { connection = try Connection(conninfo, database: "postgres") } catch { return }
        let name = holder.sessionName(host: ProcessInfo.processInfo.hostName)
        try connection.query("SELECT set_config('application_name', $1, false)", [String(name.prefix(63))])
        let got =
            try connection.query("SELECT pg_try_advisory_lock(hashtextextended($1, 0))", [Self.key(target)]).scalar
            == "t"
        guard got else {
            let holder = Self.serverHolder(connection, target: target)
            connection.close()
            throw RunbookRunError(
                "target \(target) is held on its server by \(holder.map { "'\($0)'" } ?? "another session")",
                hint: TargetHold.howToEnd(runID: holder.flatMap(Self.runID(sessionName:))))
        }
        session = connection
    }

    /// The run id in a holder's session name ("lifeboat run ID HOST"), nil for a restore.
    static func runID(sessionName: String) -> String? {
        let parts = sessionName.split(separator: " ")
        return parts.count >= 3 && parts[0] == "lifeboat" && parts[1] == "run" ? String(parts[2]) : nil
    }

    private func takeFile(target: String, holder: Holder) throws {
        let host = ProcessInfo.processInfo.hostName
        let content = "\(holder.label) \(host) \(getpid())\n"
        for _ in 0..<2 {
            let fd = open(url.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
            if fd >= 0 {
                _ = content.withCString { write(fd, $0, strlen($0)) }
                fsync(fd)
                close(fd)
                held = true
                return
            }
            let parts = ((try? String(contentsOf: url, encoding: .utf8)) ?? "").split(separator: " ").map(String.init)
            let holderRun = parts.first ?? "?"
            let holderHost = parts.count > 1 ? parts[1] : "?"
            let holderPID = parts.count > 2 ? Int32(parts[2].trimmingCharacters(in: .whitespacesAndNewlines)) : nil
            if holderHost == host, let holderPID, kill(holderPID, 0) != 0 && errno == ESRCH {
                unlink(url.path)  // its process died: the lock is recoverable
                continue
            }
            let who = holderRun == Holder.restoreLabel ? "a restore" : "run \(holderRun)"
            throw RunbookRunError(
                "target \(target) is held by \(who) on \(holderHost) (pid \(holderPID.map(String.init) ?? "?"))",
                hint: TargetHold.howToEnd(runID: holderRun == Holder.restoreLabel ? nil : holderRun)
                    + (holderHost == host ? "" : "; if it is dead on \(holderHost), remove \(url.path)"))
        }
        throw RunbookRunError("could not take the lock \(url.path)")
    }

    /// The pid of a live process on this host holding `target` for `runID`, if any.
    static func holder(stateDirectory: URL, target: String, runID: String) -> pid_t? {
        let url = file(stateDirectory: stateDirectory, target: target)
        let parts = ((try? String(contentsOf: url, encoding: .utf8)) ?? "").split(whereSeparator: { $0.isWhitespace })
            .map(String.init)
        guard parts.count == 3, parts[0] == runID, parts[1] == ProcessInfo.processInfo.hostName,
            let pid = pid_t(parts[2]), kill(pid, 0) == 0
        else { return nil }
        return pid
    }

    public func release() {
        if held { unlink(url.path) }
        held = false
        session?.close()
        session = nil
    }

    deinit { release() }
}
