import Foundation
import LifeboatPostgres

extension RunLock {
    /// Who holds `target` now, without taking anything: a lock file whose process lives (or
    /// that another host wrote), or a session holding the target's advisory lock on its
    /// server. Nil when the target is free. A dead local holder's file does not count: the
    /// next run takes it over.
    static func probe(stateDirectory: URL, target: String, conninfo: String?) -> String? {
        let url = file(stateDirectory: stateDirectory, target: target)
        let parts = ((try? String(contentsOf: url, encoding: .utf8)) ?? "").split(whereSeparator: { $0.isWhitespace })
            .map(String.init)
        if parts.count >= 3 {
            let host = ProcessInfo.processInfo.hostName
            let alive = parts[1] != host || pid_t(parts[2]).map { kill($0, 0) == 0 || errno != ESRCH } ?? true
            let who = parts[0] == Holder.restoreLabel ? "a restore" : "run \(parts[0])"
            if alive { return "\(who) on \(parts[1]) (pid \(parts[2]); lock file \(url.path))" }
        }
        guard let conninfo,
            let connection = try? Connection(conninfo, database: "postgres", connectTimeout: .seconds(10))
        else { return nil }
        defer { connection.close() }
        return serverHolder(connection, target: target).map { "the session '\($0)' on its server (advisory lock)" }
    }
}
