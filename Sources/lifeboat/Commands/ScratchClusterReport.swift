import Foundation
import LifeboatRunbooks

/// What `lifeboat drill` says about a PITR drill's scratch cluster, from the journal's
/// `physical.restore` outputs: the recovery's figures, and where the cluster is if it was kept.
struct ScratchClusterReport: Encodable {
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

    init?(_ state: RunState) {
        guard
            let id = state.order.first(where: {
                state.steps[$0]?.action == "physical.restore" && state.steps[$0]?.outputs["scratch_dir"] != nil
            }),
            let outputs = state.steps[id]?.outputs
        else { return nil }
        func value(_ key: String) -> String? { outputs[key].flatMap { $0.isEmpty ? nil : $0 } }
        step = id
        backupSet = outputs["backup_set"] ?? ""
        target = outputs["target"] ?? ""
        recoveredTo = value("recovered_to")
        stoppedBefore = value("stopped_before")
        recoveryPointGapSeconds = value("recovery_point_gap_seconds").flatMap(Double.init)
        recoverySeconds = value("recovery_seconds").flatMap(Double.init)
        walStart = value("wal_start")
        walStop = value("wal_stop")
        folder = outputs["scratch_dir"] ?? ""
        port = value("scratch_port").flatMap(Int.init)
        kept = outputs["kept"] == "true"
    }

    func lines(keep: Bool) -> [String] {
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
