import LifeboatRunbooks

/// What an operator should do after a run that did not simply succeed, derived from which
/// step stopped it and what that step's action does: the commands to type, not a lecture.
enum NextSteps {
    static func advice(for report: RunReport) -> [String] {
        var advice: [String] = []
        let run = report.runID
        switch report.outcome {
        case .succeeded:
            break
        case .aborted:
            advice.append(
                "The run was aborted and cannot be resumed: start a new one with `lifeboat \(report.drill ? "drill" : "runbook run") \(report.scenario.name)`."
            )
        case .failed:
            if let step = report.failedStep.flatMap(report.step) {
                advice.append(
                    "Read the error of step '\(step.id)' (\(step.actionLabel)): \(step.message ?? "the journal records no message")."
                )
                advice += forFailure(of: step, in: report)
                advice.append(
                    "When the cause is fixed, continue the run: `lifeboat runbook resume \(run) --retry-step`.")
            } else {
                advice.append(
                    "The run failed: \(report.outcomeMessage ?? "the journal does not say where"); `lifeboat runbook status \(run)` shows every step."
                )
            }
        case .interrupted:
            advice.append(
                "Make sure the run is not still going: `lifeboat runbook status \(run)` on \(report.host ?? "the host that ran it")."
            )
            if let step = report.interruptedSteps.first.flatMap(report.step) {
                advice += forInterruption(of: step, in: report)
            } else if let declined = report.steps.first(where: { $0.status == .declined }) {
                let who = declined.approval?.declines.last?.by.map { " by \($0)" } ?? ""
                advice.append(
                    "Step '\(declined.id)' was declined\(who): `lifeboat runbook resume \(run)` asks again; `lifeboat runbook abort \(run)` ends the run."
                )
            } else if let waiting = report.steps.first(where: { $0.status == .awaitingApproval }) {
                advice.append(
                    "It waits for approval of step '\(waiting.id)': `lifeboat runbook approve \(run) \(waiting.id) --by NAME`, then `lifeboat runbook resume \(run)` if it is no longer running."
                )
            } else {
                advice.append("Continue it from its journal: `lifeboat runbook resume \(run)`.")
            }
        }
        for step in report.steps
        where step.status == .failed && step.id != report.failedStep
            && step.message?.hasPrefix("compensation for ") != true
        {
            advice.append(
                "Step '\(step.id)' (\(step.actionLabel)) failed and the run went on past it: \(step.message ?? "no message")."
            )
            advice += forFailure(of: step, in: report)
        }
        if report.outcome != .succeeded && !report.drill,
            let swap = report.steps.first(where: { $0.action == RestoreDatabase.name && $0.status == .succeeded }),
            let kept = swap.outputs[RestoreDatabase.Output.keptAs], !kept.isEmpty
        {
            advice.append(
                "Step '\(swap.id)' swapped the restored database in; the previous one is kept as \(kept): `lifeboat restore --rollback` puts it back if the restored data is wrong."
            )
        }
        return advice
    }

    /// The checks that fit the action that failed.
    static func forFailure(of step: ReportStep, in report: RunReport) -> [String] {
        let target = report.target ?? "the target database"
        let backupPath = report.backup?.decryptedPath ?? report.backup?.fetchedPath ?? report.backup?.path
        let rollback =
            report.drill
            ? "This was a drill: the live database was not touched."
            : "If a safe restore already swapped the data in, `lifeboat restore --rollback` puts the previous database back."
        switch step.action {
        case BackupSelect.name:
            return [
                "No backup matched: list them with `lifeboat list` (or `lifeboat list --remote` for the bucket), check BACKUP_DIR and the runbook's inputs; choosing another backup needs a new run with other --input values."
            ]
        case CloudFetch.name:
            return [
                "Check the bucket and its credentials (`lifeboat list --remote`, `lifeboat config`); a resumed fetch continues the partial download in the run's artifacts folder."
            ]
        case BackupDecrypt.name:
            return [
                "Check that the decryption key is in the keyring Lifeboat uses (`lifeboat config` shows GNUPGHOME; `gpg --list-secret-keys`); import it with `gpg --import`."
            ]
        case BackupVerify.name:
            return [
                "The backup did not verify: check it with `lifeboat verify \(backupPath ?? "BACKUP")`; if it is bad, start a new run that picks another backup."
            ]
        case RestoreDatabase.name:
            return [
                "Look at the databases with `psql -l`: a `\(target)_restore_*` one is a half-built copy to drop; a `\(target)_before_*` one means the swap happened. \(rollback)"
            ]
        case RestoreTablesRehearse.name:
            return [
                "Nothing live changed (the rehearsal rolls back): a `\(target)_tables_*` database it left is dropped by `lifeboat cleanup`; check that the runbook's tables are in the backup."
            ]
        case RestoreTables.name:
            return [
                "The tables are copied back in one transaction, so \(target) is as it was: check that the runbook's tables are in the backup and that nothing holds locks on them (pg_stat_activity)."
            ]
        case ValidateRowCounts.name:
            return [
                "The restored data does not match the backup's manifest: check the backup with `lifeboat verify \(backupPath ?? "BACKUP")`. \(rollback)"
            ]
        case SQLCheck.name:
            return [
                "The check's result is not what the runbook expects: look at \(target) with psql before the application uses it. \(rollback)"
            ]
        case ServicesStop.name:
            return [
                "The application may still be running: stop it by hand with your provider's stop command (`lifeboat config` shows it) before resuming."
            ]
        case ServicesStart.name, ServicesHealth.name:
            return [
                "The restored database is in place but the application did not come up healthy: start it by hand with your provider's commands (`lifeboat config` shows them) and read its logs."
            ]
        case SessionsTerminate.name:
            return [
                "Sessions on \(target) could not be ended: see who is connected in pg_stat_activity and end them by hand."
            ]
        case Shell.name:
            return [
                "Run the step's command by hand to see why it failed (`lifeboat runbook plan \(report.scenario.file ?? report.scenario.name)` shows it)."
            ]
        case Notify.name:
            return [
                "The notification was not sent: tell the people who wait for it by hand, and check the webhook settings (`lifeboat config`)."
            ]
        case nil:
            return [
                "The journal does not say what step '\(step.id)' does: `lifeboat runbook plan \(report.scenario.file ?? report.scenario.name)` shows it."
            ]
        default:
            return []
        }
    }

    /// A step cut short: repeat it if that is harmless, otherwise check what it did first.
    static func forInterruption(of step: ReportStep, in report: RunReport) -> [String] {
        let run = report.runID
        guard let action = step.action, let spec = ActionCatalog.spec(action) else {
            return [
                "Step '\(step.id)' was interrupted: check what it did, then `lifeboat runbook resume \(run)` (if it refuses, choose `--retry-step` or `--skip-step`)."
            ]
        }
        if spec.safeToRepeat {
            return [
                "Step '\(step.id)' (\(action)) is safe to repeat: `lifeboat runbook resume \(run)` runs it again and goes on."
            ]
        }
        if action == RestoreDatabase.name || action == RestoreDatabasePrepare.name {
            let target = report.target ?? "the target"
            return [
                "Step '\(step.id)' (\(action)) was interrupted: `lifeboat runbook resume \(run)` builds it again when it was still restoring into its scratch copy (the live database untouched), and otherwise stops and says what it found. "
                    + "Then check `psql -l` (a new `\(target)_before_*` database means the swap happened) and resume with `lifeboat runbook resume \(run) --retry-step` to run it again, or `--skip-step` if it completed."
            ]
        }
        var text =
            "Step '\(step.id)' (\(action)) changes live systems and may have half happened: check its effect first"
        if action == RestoreDatabase.name {
            let target = report.target ?? "the target"
            text +=
                " (`psql -l`: a `\(target)_restore_*` database is a half-built copy to drop; a new `\(target)_before_*` one means the swap happened)"
        }
        text +=
            ", then `lifeboat runbook resume \(run) --retry-step` to run it again, or `--skip-step` if it completed."
        return [text]
    }
}
