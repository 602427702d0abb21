import Foundation

/// Which approvals `lifeboat runbook approve` accepts, and how a gate's state is said. An
/// approval names a run that is still open and a step of it whose gate is waiting now, once:
/// anything else would be journaled as a consent nobody was asked for.
public enum ApprovalGate {
    static func check(step: String, runID: String, state: RunState, runbookSteps: [String], pending: ApprovalAnswer?)
        throws
    {
        if let finished = state.finished, finished != .failed {
            throw RunbookRunError(
                "run \(runID) already ended (\(finished.rawValue)): there is nothing left to approve",
                hint: finished == .aborted
                    ? "start a new run with `lifeboat runbook run`" : "`lifeboat report \(runID)` shows what it did")
        }
        guard runbookSteps.contains(step) || state.steps[step] != nil else {
            throw RunbookRunError(
                "run \(runID) has no step '\(step)'",
                hint:
                    "its steps are: \(runbookSteps.joined(separator: ", ")); `lifeboat runbook status \(runID)` shows the one waiting"
            )
        }
        let record = state.steps[step]
        if let by = record?.approvedBy, let at = record?.approvedAt {
            throw RunbookRunError("step '\(step)' of run \(runID) was already approved by \(by) at \(timestamp(at))")
        }
        if let pending, pending.approved {
            throw RunbookRunError(
                "step '\(step)' of run \(runID) was already approved by \(pending.by) at \(timestamp(pending.at)); the run has not taken it up yet",
                hint:
                    "`lifeboat runbook status \(runID)` shows whether the run is still going; `lifeboat runbook resume \(runID)` continues it"
            )
        }
        guard state.awaitingApproval.contains(step) else {
            let now: String
            if let status = record?.status {
                now = "it \(status.rawValue)"
            } else if state.declined.contains(step), let no = record?.declines.last {
                now =
                    "it was declined by \(no.by ?? "?") at \(timestamp(no.at)); `lifeboat runbook resume \(runID)` asks again"
            } else if record?.openAttempt != nil {
                now = "it is running or was interrupted"
            } else {
                now = "the run has not reached it"
            }
            let waiting = state.awaitingApproval
            throw RunbookRunError(
                "step '\(step)' of run \(runID) is not waiting for approval: \(now)",
                hint: waiting.isEmpty
                    ? "`lifeboat runbook status \(runID)` shows where the run stands"
                    : "the step waiting for approval is \(waiting.map { "'\($0)'" }.joined(separator: ", "))")
        }
    }

    /// "waiting for approval since 2025-01-18T03:04:05Z": the one wording every view uses.
    public static func waiting(since date: Date) -> String {
        "waiting for approval since \(timestamp(date))"
    }

    /// "declined by bob at 2025-01-18T03:04:05Z (reason)".
    public static func declined(_ decision: RunState.Decision) -> String {
        "declined by \(decision.by ?? "?") at \(timestamp(decision.at))" + (decision.reason.map { " (\($0))" } ?? "")
    }

    static func timestamp(_ date: Date) -> String { ISO8601DateFormatter().string(from: date) }
}
