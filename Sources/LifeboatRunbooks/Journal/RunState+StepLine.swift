import Foundation

extension RunState {
    /// How step `id` stands, in words: its status, else `waiting for approval since <time>` at a
    /// gate, `declined by …` after a "no", `in progress` (`interrupted` when no process runs the
    /// run) while it works, or `not started`. With `details`: attempts, approver and message too.
    /// One wording for `runbook status` and the open runs of `lifeboat status`.
    public func stepLine(_ id: String, interrupted: Bool, details: Bool = true) -> String {
        guard let step = steps[id] else { return "not started" }
        var line: String
        if let status = step.status {
            line = status.rawValue
        } else if let since = step.waitingForApprovalSince {
            line = ApprovalGate.waiting(since: since)
        } else if declined.contains(id), let no = step.declines.last {
            line = ApprovalGate.declined(no)
        } else if step.openAttempt != nil {
            line = interrupted ? "interrupted" : "in progress"
        } else {
            line = "not started"
        }
        guard details else { return line }
        if step.attempts > 1 { line += " after \(step.attempts) attempts" }
        if let by = step.approvedBy { line += ", approved by \(by)" + (step.approvalReason.map { " (\($0))" } ?? "") }
        if let message = step.message, step.status != .succeeded { line += " — \(message)" }
        return line
    }
}
