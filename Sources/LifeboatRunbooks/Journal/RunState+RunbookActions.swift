import Foundation

extension RunState {
    /// Each step's action, from the runbook file, for journals written before steps' actions
    /// were recorded: only while that file is still the one the run started with (same
    /// SHA-256), else empty, because a changed runbook may name other actions.
    public func actionsFromRunbook() -> [String: String] {
        guard order.contains(where: { steps[$0]?.action == nil }),
            let file = runbook, let sha256 = runbookSha256,
            let loaded = try? RunbookLoader().load(URL(fileURLWithPath: file)), loaded.sha256 == sha256
        else { return [:] }
        return Dictionary(loaded.steps.map { ($0.id, $0.action) }, uniquingKeysWith: { first, _ in first })
    }
}
