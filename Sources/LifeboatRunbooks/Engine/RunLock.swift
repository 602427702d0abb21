import Foundation

/// One run per target at a time: a lock file in the state directory holding the run id,
/// host and pid. A lock whose process is gone (same host) is taken over; a live one is refused
/// with the holder named.
final class RunLock {
    let url: URL
    private var held = false

    init(stateDirectory: URL, target: String, runID: String) throws {
        let locks = stateDirectory.appendingPathComponent("locks")
        try FileManager.default.createDirectory(at: locks, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        url = locks.appendingPathComponent(target.map { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" ? $0 : "_" } + ".lock")
        let host = ProcessInfo.processInfo.hostName
        let content = "\(runID) \(host) \(getpid())\n"
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
            throw RunbookRunError("target \(target) is locked by run \(holderRun) on \(holderHost) (pid \(holderPID.map(String.init) ?? "?"))",
                                  hint: "wait for that run, or `lifeboat runbook status \(holderRun)`; if it is dead on another host, remove \(url.path)")
        }
        throw RunbookRunError("could not take the lock \(url.path)")
    }

    func release() {
        if held { unlink(url.path) }
        held = false
    }

    deinit { release() }
}
