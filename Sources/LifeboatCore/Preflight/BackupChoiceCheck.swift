import Foundation

extension Preflight {
    /// `backup.choice`: the backup a runbook would use, chosen now by its `backup.select` step
    /// from the inputs (a type, an incident time, a target time), and why; a failure when no
    /// backup fits them (a time before the oldest backup, a type never taken), naming the
    /// oldest and newest there are, so a run that could only fail at its first step never starts.
    func backupChoice(_ subject: PreflightSubject) -> PreflightCheck {
        let name = "backup.choice"
        if let problem = subject.choiceProblem {
            let parts = problem.components(separatedBy: "\n  → ")
            return PreflightCheck(
                name, .fail, parts[0],
                hint: parts.count > 1 ? parts[1] : "start a new run with an input the backups cover")
        }
        guard let choice = subject.choice else {
            if case .local = subject.backup { return PreflightCheck(name, .skipped, "the backup is named") }
            return PreflightCheck(name, .skipped, "nothing is chosen before the run")
        }
        return PreflightCheck(name, .ok, choice)
    }
}
