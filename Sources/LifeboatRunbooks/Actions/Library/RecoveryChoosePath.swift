import Foundation
import LifeboatCore

/// `recovery.choose_path`: physical or logical, and why (see `RecoveryPath`). Read-only, so
/// `runbook plan` runs it too and says which path a run would take before anything changes.
public enum RecoveryChoosePath: RunbookAction {
    public static let name = "recovery.choose_path"

    public enum Output {
        /// physical or logical (`RecoveryPath.Kind`), and why.
        public static let path = "path", reason = "reason"
        public static let windowFrom = "window_from", windowTo = "window_to"
    }

    static let spec = ActionSpec(
        name: name,
        summary: "choose physical (pgBackRest + WAL replay) or logical recovery for a moment, and say why",
        parameters: [.required("target_time", .timestamp, "the moment to recover to")],
        outputs: [Output.path, Output.reason, Output.windowFrom, Output.windowTo], safeToRepeat: true,
        changesLiveSystems: false)

    static func run(_ parameters: ResolvedParameters, _ context: ActionContext) throws -> [String: String] {
        let text = try parameters.required("target_time")
        guard let target = InputValues.timestamp(text) else {
            throw RunbookRunError("target_time '\(text)' is not a timestamp")
        }
        let path = RecoveryPath.choose(target: target, configuration: context.configuration)
        context.note("path: \(path.kind.rawValue) — \(path.reason)")
        return [
            Output.path: path.kind.rawValue, Output.reason: path.reason,
            Output.windowFrom: path.window?.from.map(ArchiveFindings.timestamp) ?? "",
            Output.windowTo: path.window?.to.map(ArchiveFindings.timestamp) ?? ""
        ]
    }
}
