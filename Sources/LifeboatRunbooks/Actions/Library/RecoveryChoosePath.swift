import Foundation
import LifeboatCore

/// `recovery.choose_path`: physical or logical, and why (see `RecoveryPath`). Read-only, so
/// `runbook plan` runs it too and says which path a run would take before anything changes.
enum RecoveryChoosePath: RunbookAction {
    static let spec = ActionSpec(
        name: "recovery.choose_path",
        summary: "choose physical (pgBackRest + WAL replay) or logical recovery for a moment, and say why",
        parameters: [.required("target_time", .timestamp, "the moment to recover to")],
        outputs: ["path", "reason", "window_from", "window_to"], safeToRepeat: true, changesLiveSystems: false)

    static func run(_ parameters: ResolvedParameters, _ context: ActionContext) throws -> [String: String] {
        let text = try parameters.required("target_time")
        guard let target = InputValues.timestamp(text) else {
            throw RunbookRunError("target_time '\(text)' is not a timestamp")
        }
        let path = RecoveryPath.choose(target: target, configuration: context.configuration)
        context.note("path: \(path.kind.rawValue) — \(path.reason)")
        return [
            "path": path.kind.rawValue, "reason": path.reason,
            "window_from": path.window?.from.map(ArchiveFindings.timestamp) ?? "",
            "window_to": path.window?.to.map(ArchiveFindings.timestamp) ?? ""
        ]
    }
}
