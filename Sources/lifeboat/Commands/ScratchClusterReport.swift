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
        typealias Output = PhysicalRestoreAction.Output
        guard
            let id = state.order.first(where: {
                state.steps[$0]?.action == PhysicalRestoreAction.name
                    && state.steps[$0]?.outputs[Output.scratchDir] != nil
            }),
            let outputs = state.steps[id]?.outputs
        else { return nil }
        func value(_ key: String) -> String? { outputs[key].flatMap { $0.isEmpty ? nil : $0 } }
        step = id
        backupSet = outputs[Output.backupSet] ?? ""
        target = outputs[Output.target] ?? ""
        recoveredTo = value(Output.recoveredTo)
        stoppedBefore = value(Output.stoppedBefore)
        recoveryPointGapSeconds = value(Output.recoveryPointGapSeconds).flatMap(Double.init)
        recoverySeconds = value(Output.recoverySeconds).flatMap(Double.init)
        walStart = value(Output.walStart)
        walStop = value(Output.walStop)
        folder = outputs[Output.scratchDir] ?? ""
        port = value(Output.scratchPort).flatMap(Int.init)
        kept = outputs[Output.kept] == "true"
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
