import Foundation

extension Preflight {
    /// `target.lock`: no runbook run holds the target (its lock file with a live process, or
    /// its advisory lock on the server) and no restore is building a copy of it right now
    /// (sessions on `<target>_restore_*` or `<target>_tables_*`).
    func targetLock(_ subject: PreflightSubject, _ server: ServerFacts?) -> PreflightCheck {
        let name = "target.lock"
        guard subject.checksLock else { return PreflightCheck(name, .skipped, "the live database is not touched") }
        if let holder = runLockHolder?(subject.target) {
            return PreflightCheck(name, .fail, "\(subject.target) is held by \(holder)",
                                  hint: "wait for that run to end (`lifeboat runbook status RUN_ID`); a run whose process died releases it")
        }
        if let server, let first = server.restoresInProgress.first {
            return PreflightCheck(name, .fail, "another restore of \(subject.target) is running: \(first)"
                                      + (server.restoresInProgress.count > 1 ? " and \(server.restoresInProgress.count - 1) more" : ""),
                                  hint: "wait for it to finish; two restores of one database would swap over each other")
        }
        if let unreachable = server?.unreachable {
            return PreflightCheck(name, .warn, "no run holds \(subject.target) here; the server could not be asked about restores in progress",
                                  hint: unreachable)
        }
        return PreflightCheck(name, .ok, "no run or restore holds \(subject.target)")
    }
}
