import Foundation

extension Preflight {
    /// `target.lock`: no runbook run or `lifeboat restore` holds the target (its lock file with
    /// a live process, or Lifeboat's advisory lock on the server, held by a session Lifeboat
    /// named). Holders are known only by that lock: a session in a leftover scratch database
    /// (autovacuum, a forgotten psql) holds nothing. This check cannot be overridden.
    func targetLock(_ subject: PreflightSubject, _ server: ServerFacts?) -> PreflightCheck {
        let name = "target.lock"
        guard subject.checksLock else { return PreflightCheck(name, .skipped, "the live database is not touched") }
        if let holder = runLockHolder?(subject.target) {
            return PreflightCheck(name, .fail, "\(subject.target) is held by \(holder)", hint: Self.howToEnd(holder))
        }
        if let unreachable = server?.unreachable {
            return PreflightCheck(
                name, .warn,
                "no run holds \(subject.target) here; the server could not be asked about other hosts' runs",
                hint: unreachable)
        }
        return PreflightCheck(name, .ok, "no run or restore holds \(subject.target)")
    }

    /// How to end the holder a probe described ("run ID on HOST …", "the session 'lifeboat run
    /// ID HOST' …", "a restore on HOST …").
    static func howToEnd(_ holder: String) -> String {
        let words = holder.split(separator: " ")
        let after = words.firstIndex(of: "run").map { words.index(after: $0) }
        let runID = after.flatMap { $0 < words.endIndex ? String(words[$0]) : nil }
        return TargetHold.howToEnd(runID: holder.hasPrefix("a restore") ? nil : runID)
    }
}

/// What a responder is told when a target is held: a run is aborted (which stops it where it
/// runs and releases the target); a restore is waited for. The hold itself is never overridden.
public enum TargetHold {
    public static func howToEnd(runID: String?) -> String {
        if let runID {
            return
                "end that run with `lifeboat runbook abort \(runID)` (it stops it and releases the target), or wait for it to finish; "
                + "a held target cannot be overridden"
        }
        return
            "wait for that restore to finish (or stop it with Ctrl-C where it runs); a held target cannot be overridden"
    }
}
