import Foundation
import LifeboatRunbooks

/// What `lifeboat drill` says about a PITR drill's scratch cluster, from the journal's
/// `physical.restore` outputs (`PhysicalRestoreAction.Outcome`, the one reading of them): the
/// recovery's figures, and where the cluster is if it was kept.
public struct DrillScratchCluster: Encodable, Sendable {
    let step: String
    let backupSet: String
    let target: String
    let recoveredTo: String?
    let stoppedBefore: String?
    let recoveryPointGapSeconds: Double?
    let recoverySeconds: Double?
    let walStart: String?
    let walStop: String?
    let folder: String
    let port: Int?
    let kept: Bool

    public init?(_ state: RunState) {
        guard let outcome = PhysicalRestoreAction.Outcome(scratchClusterIn: state) else { return nil }
        step = outcome.step
        backupSet = outcome.backupSet ?? ""
        target = outcome.target ?? ""
        recoveredTo = outcome.recoveredTo
        stoppedBefore = outcome.stoppedBefore
        recoveryPointGapSeconds = outcome.recoveryPointGapSeconds
        recoverySeconds = outcome.recoverySeconds
        walStart = outcome.walStart
        walStop = outcome.walStop
        folder = outcome.scratchFolder ?? ""
        port = outcome.scratchPort
        kept = outcome.kept
    }

    public func lines(keep: Bool) -> [String] {
        var lines = [
            "PITR: backup set \(backupSet), WAL \(walStart ?? "?") … \(walStop ?? "?"), target \(target)",
            "recovered to: \(recoveredTo ?? "unknown") (last replayed transaction)"
                + (recoveryPointGapSeconds.map { String(format: ", %.3fs before the target", $0) } ?? "")
        ]
        if let stoppedBefore { lines.append("first transaction left out: committed \(stoppedBefore)") }
        if let recoverySeconds { lines.append(String(format: "restore + recovery: %.1fs", recoverySeconds)) }
        if keep {
            lines.append(
                "kept (stopped): \(folder) — start it with: pg_ctl -D \(folder)/pgdata -l \(folder)/postgres.log start "
                    + "(as the PostgreSQL OS user; port \(port.map(String.init) ?? "?") on 127.0.0.1)")
        } else {
            lines.append("scratch cluster stopped and \(folder) removed; the live cluster was not touched")
        }
        return lines
    }
}
