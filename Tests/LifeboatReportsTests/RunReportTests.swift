import Foundation
import Testing
import LifeboatRunbooks
@testable import LifeboatReports

/// Reports built from synthetic journals: every outcome, the measures, approvals and advice.
@Suite struct RunReportTests {
    typealias J = SyntheticJournal

    func report(_ journal: SyntheticJournal, knownActions: [String: String] = [:]) throws -> RunReport {
        try RunReport(runID: J.runID, events: journal.events, knownActions: knownActions, generatedAt: J.at(3600))
    }

    @Test func completedRun() throws {
        let report = try report(J.completed())
        #expect(report.outcome == .succeeded)
        #expect(
            report.scenario
                == ReportScenario(
                    name: "recent-corruption", file: "/srv/lifeboat/runbooks/recent-corruption.yaml",
                    description: "Data went bad within the last day.", sha256: String(repeating: "ab", count: 32)))
        #expect(report.user == "alice" && report.host == "db-host-1" && report.target == "app" && !report.drill)
        #expect(report.startedAt == J.start && report.finishedAt == J.at(150) && report.durationSeconds == 150)
        #expect(report.steps.map(\.id) == ["pick", "verify", "stop", "restore", "check", "start", "health"])
        #expect(report.steps.allSatisfy { $0.status == .succeeded && $0.attempts == 1 })
        #expect(report.step("restore")?.durationSeconds == 59)
        #expect(report.failedStep == nil && report.interruptedSteps.isEmpty && report.nextSteps.isEmpty)

        let backup = try #require(report.backup)
        #expect(backup.name == "app-daily-20250118t010000z.sql.gz.gpg" && backup.step == "pick")
        #expect(
            backup.snapshotAt == J.at(-7200) && backup.bytes == 1_468_006 && backup.source == "local"
                && backup.type == "daily")
        #expect(backup.sha256 == String(repeating: "c0", count: 32))

        #expect(report.validations.map(\.step) == ["verify", "check"])
        #expect(report.validations.first?.checks.contains("restore into a temporary database") == true)
        #expect(report.validations.last?.outputs == ["value": "22"])

        // RTO: start to the last validation (check, at 141 s); RPO: start minus the 01:00 snapshot.
        #expect(report.measures.rtoSeconds == 141)
        #expect(report.measures.rpoSeconds == 7200)
        #expect(report.measures.rpoReference == "run start")
    }

    @Test func approvalWaitIsMeasuredFromRequestToApproval() throws {
        let approval = try #require(try report(J.completed()).step("stop")?.approval)
        #expect(approval.requestedAt == J.at(20) && approval.approvedAt == J.at(80))
        #expect(approval.approvedBy == "alice" && approval.waitSeconds == 60)
        #expect(approval.message == "Stop the application and restore it?")
    }

    @Test func aGateStillWaitingIsShownAsSuch() throws {
        var journal = SyntheticJournal()
        journal.step("pick", "backup.select", from: 1, to: 2, outputs: J.selectOutputs)
        journal.approvalRequested("stop", "services.stop", at: 3, message: "Stop it?")
        let report = try report(journal)
        let stop = try #require(report.step("stop"))
        #expect(stop.status == .awaitingApproval)
        #expect(
            stop.approval?.approvedBy == nil && stop.approval?.waitSeconds == nil
                && stop.approval?.message == "Stop it?")
        #expect(report.outcome == .interrupted)
        #expect(report.outcomeMessage?.contains("waiting for the approval of step 'stop'") == true)
        #expect(report.nextSteps.contains { $0.contains("lifeboat runbook approve \(J.runID) stop --by NAME") })
    }

    @Test func anApprovalWithoutARecordedRequestHasNoWait() throws {
        var journal = SyntheticJournal()
        journal.approved("stop", by: "auto (--yes)", at: 1)
        journal.step("stop", "services.stop", from: 1, to: 2)
        journal.runFinished(.succeeded, at: 2)
        let approval = try #require(try report(journal).step("stop")?.approval)
        #expect(approval.approvedBy == "auto (--yes)" && approval.requestedAt == nil && approval.waitSeconds == nil)
    }

    @Test func failedRunNamesTheStepAndWhatToDo() throws {
        var journal = J.recentCorruptionPrefix()
        journal.step(
            "restore", "restore.database", from: 81, to: 95, .failed, message: "psql: ERROR: out of disk space")
        journal.runFinished(.failed, at: 95, message: "step restore failed")
        let report = try report(journal)
        #expect(report.outcome == .failed)
        #expect(report.outcomeMessage == "step restore failed")
        #expect(report.failedStep == "restore")
        #expect(report.step("restore")?.message == "psql: ERROR: out of disk space")
        #expect(report.measures.rtoSeconds == nil, "the data was never validated")
        #expect(report.nextSteps.first?.contains("psql: ERROR: out of disk space") == true)
        #expect(report.nextSteps.contains { $0.contains("`lifeboat runbook resume \(J.runID) --retry-step`") })
        #expect(
            report.nextSteps.contains { $0.contains("app_restore_*") && $0.contains("lifeboat restore --rollback") })
    }

    @Test func aFailedCheckAfterASwapPointsAtTheRollback() throws {
        var journal = J.recentCorruptionPrefix()
        journal.step(
            "restore", "restore.database", from: 81, to: 140, outputs: ["database": "app", "kept_as": "app_before_x"])
        journal.step(
            "check", "sql.check", from: 140, to: 141, .failed,
            message: "the check failed: the query gave 0, expected > 0")
        journal.runFinished(.failed, at: 141, message: "step check failed")
        let report = try report(journal)
        #expect(report.failedStep == "check")
        #expect(report.validations.last?.status == .failed)
        #expect(
            report.nextSteps.contains {
                $0.contains("kept as app_before_x") && $0.contains("lifeboat restore --rollback")
            })
    }

    @Test func compensationIsNotTheFailedStep() throws {
        var journal = SyntheticJournal(runbook: "compensation")
        journal.step("prepare", "shell", from: 0, to: 1)
        journal.step("break", "shell", from: 1, to: 2, .failed, message: "exit status 3")
        journal.finished("undo", "shell", at: 3, .succeeded, message: "compensation for break")
        journal.runFinished(.failed, at: 3, message: "step break failed; compensation undo ran")
        let report = try report(journal)
        #expect(report.failedStep == "break")
        #expect(report.nextSteps.contains { $0.contains("lifeboat runbook plan") })
    }

    @Test func drillMeasuresRTOAndRPOFromTheTargetTime() throws {
        var journal = SyntheticJournal(
            runbook: "point-in-time", drill: true, inputs: ["target_time": "2025-01-18T02:30:00Z"],
            target: "app_drill_20250118t030000z")
        journal.step("pick", "backup.select", from: 0, to: 1, outputs: J.selectOutputs)
        journal.approved("stop", by: "auto (drill)", at: 1)
        journal.finished("stop", "services.stop", at: 1, .recorded, message: "drill: record")
        journal.step(
            "restore", "restore.database", from: 1, to: 30,
            outputs: ["database": "app_drill_20250118t030000z", "kept_as": ""])
        journal.step(
            "validate", "validate.row_counts", from: 30, to: 42,
            outputs: ["tables": "22", "rows": "46000", "mismatches": "0"])
        journal.runFinished(.succeeded, at: 43)
        let report = try report(journal)
        #expect(report.drill)
        #expect(report.outcome == .succeeded)
        #expect(report.measures.rtoSeconds == 42)
        #expect(report.measures.rpoSeconds == 5400, "02:30 target minus the 01:00 snapshot")
        #expect(report.measures.rpoReference == "target_time")
        #expect(report.step("stop")?.status == .recorded)
        #expect(report.step("stop")?.startedAt == nil)
        let markdown = MarkdownReportRenderer.render(report)
        #expect(markdown.contains("| Kind | drill"))
        #expect(markdown.contains("| RTO | 42s"))
        #expect(markdown.contains("| RPO | 1h 30m (the target_time input minus the backup's snapshot) |"))
    }

    @Test func runKilledMidStepShowsTheInterruptedStep() throws {
        var journal = J.recentCorruptionPrefix()
        journal.started("restore", "restore.database", at: 81)
        let report = try report(journal)
        #expect(report.outcome == .interrupted)
        #expect(report.finishedAt == nil && report.lastEventAt == J.at(81))
        #expect(report.interruptedSteps == ["restore"])
        let restore = try #require(report.step("restore"))
        #expect(restore.status == .interrupted && restore.finishedAt == nil && restore.durationSeconds == nil)
        #expect(restore.message?.contains("never finished") == true)
        #expect(report.outcomeMessage?.contains("step 'restore' started and never finished") == true)
        // restore.database is not safe to repeat: the advice says to check, then choose.
        #expect(report.nextSteps.contains { $0.contains("lifeboat runbook status \(J.runID)") })
        #expect(
            report.nextSteps.contains {
                $0.contains("--retry-step") && $0.contains("--skip-step") && $0.contains("app_before_*")
            })
    }

    @Test func anInterruptedSafeStepIsSimplyResumed() throws {
        var journal = SyntheticJournal(runbook: "weekly-drill", drill: true)
        journal.step(
            "pick", "backup.select", from: 0, to: 1, outputs: J.selectOutputs.merging(["source": "cloud"]) { $1 })
        journal.started("fetch", "cloud.fetch", at: 1)
        journal.finished("fetch", "cloud.fetch", at: 9, .interrupted, message: "interrupted by a signal")
        let report = try report(journal)
        #expect(report.outcome == .interrupted)
        #expect(report.step("fetch")?.message == "interrupted by a signal")
        #expect(
            report.nextSteps.contains {
                $0.contains("safe to repeat") && $0.contains("lifeboat runbook resume \(J.runID)`")
            })
    }

    @Test func aFailedRunThatWasResumedHasNoEndUntilItEndsAgain() throws {
        var journal = J.recentCorruptionPrefix()
        journal.step("restore", "restore.database", from: 81, to: 95, .failed, message: "disk full")
        journal.runFinished(.failed, at: 95, message: "step restore failed")
        journal.started("restore", "restore.database", at: 200, attempt: 1)
        #expect(try report(journal).outcome == .interrupted)
        journal.finished(
            "restore", "restore.database", at: 260, outputs: ["database": "app", "kept_as": "app_before_y"])
        journal.runFinished(.succeeded, at: 261)
        let report = try report(journal)
        #expect(report.outcome == .succeeded && report.finishedAt == J.at(261))
        #expect(report.step("restore")?.status == .succeeded)
    }

    @Test func abortedRun() throws {
        var journal = J.recentCorruptionPrefix()
        journal.runFinished(.aborted, at: 90, message: "aborted by bob")
        let report = try report(journal)
        #expect(report.outcome == .aborted && report.outcomeMessage == "aborted by bob")
        #expect(report.nextSteps.first?.contains("cannot be resumed") == true)
        #expect(report.nextSteps.first?.contains("lifeboat runbook run recent-corruption") == true)
    }

    @Test func stepsThatFailedAndContinuedGetAdviceEvenWhenTheRunSucceeded() throws {
        var journal = J.recentCorruptionPrefix()
        journal.step(
            "restore", "restore.database", from: 81, to: 140, outputs: ["database": "app", "kept_as": "app_before_z"])
        journal.step(
            "start", "services.start", from: 141, to: 143, .failed, message: "systemctl: unit app.service not found")
        journal.runFinished(.succeeded, at: 150)
        let report = try report(journal)
        #expect(report.outcome == .succeeded)
        #expect(report.nextSteps.count == 2)
        #expect(report.nextSteps[0].contains("'start' (services.start) failed and the run went on"))
        #expect(report.nextSteps[1].contains("start it by hand"))
    }

    @Test func journalsWithoutActionsShowAQuestionMarkUnlessTheRunbookFillsThemIn() throws {
        var journal = SyntheticJournal()
        journal.step("pick", nil, from: 1, to: 2, outputs: J.selectOutputs)
        journal.step("check", nil, from: 2, to: 3, outputs: ["value": "1"])
        journal.runFinished(.succeeded, at: 3)
        let bare = try report(journal)
        #expect(bare.steps.map(\.action) == [nil, nil])
        #expect(bare.backup == nil && bare.validations.isEmpty)
        #expect(MarkdownReportRenderer.render(bare).contains("| pick | ? | succeeded |"))
        let filled = try report(journal, knownActions: ["pick": "backup.select", "check": "sql.check"])
        #expect(filled.steps.map(\.action) == ["backup.select", "sql.check"])
        #expect(filled.backup?.name == "app-daily-20250118t010000z.sql.gz.gpg")
        #expect(filled.measures.rtoSeconds == 3 && filled.measures.rpoSeconds == 7200)
    }

    @Test func aJournalWithoutARunStartIsRefused() throws {
        #expect(throws: ReportError.self) { try RunReport(runID: "x", events: []) }
        do {
            _ = try RunReport(runID: "x", events: [])
        } catch let error as ReportError {
            #expect(error.code == .notARun)
            #expect(error.description.contains("journal.jsonl"))
        }
    }

    @Test func cloudBackupRecordsWhereItWasFetchedAndDecrypted() throws {
        var journal = SyntheticJournal(runbook: "total-loss")
        journal.step(
            "pick", "backup.select", from: 0, to: 1,
            outputs: J.selectOutputs.merging(["source": "cloud", "path": "lifeboat/backups/x.gpg", "sha256": ""]) { $1 }
        )
        journal.step(
            "fetch", "cloud.fetch", from: 1, to: 20,
            outputs: ["path": "/state/runs/r/artifacts/x.gpg", "bytes": "1468006"])
        journal.step("decrypt", "backup.decrypt", from: 20, to: 25, outputs: ["path": "/state/runs/r/artifacts/x"])
        journal.runFinished(.succeeded, at: 25)
        let backup = try #require(try report(journal).backup)
        #expect(backup.source == "cloud" && backup.path == "lifeboat/backups/x.gpg" && backup.sha256 == nil)
        #expect(
            backup.fetchedPath == "/state/runs/r/artifacts/x.gpg" && backup.decryptedPath == "/state/runs/r/artifacts/x"
        )
    }

    /// A PITR drill's physical.restore reports the recovery point with milliseconds; a live
    /// run's comes from postgres.wait_ready in whole seconds: the Recovery block reads both.
    @Test func recoveryBlockReadsWholeAndFractionalRecoveryPoints() throws {
        var drill = SyntheticJournal()
        drill.step(
            "restore_physical", "physical.restore", from: 1, to: 5,
            outputs: [
                "engine": "pgbackrest", "backup_set": "20261125-180000F", "target": "2026-11-25T18:10:00.000Z",
                "wal_start": "000000010000000000000004", "wal_stop": "000000010000000000000009",
                "recovered_to": "2026-11-25T18:09:59.977Z", "recovery_seconds": "2.2"
            ])
        drill.runFinished(.succeeded, at: 6)
        let fractional = try #require(try report(drill).recovery)
        #expect(fractional.backupSet == "20261125-180000F" && fractional.walStop == "000000010000000000000009")
        #expect(
            fractional.recoveredTo.map { abs($0.timeIntervalSince1970 - 1_795_630_199.977) < 0.001 } == true,
            "\(String(describing: fractional.recoveredTo))")

        var live = SyntheticJournal()
        live.step(
            "restore_physical", "physical.restore", from: 1, to: 5,
            outputs: ["engine": "pgbackrest", "recovered_to": ""])
        live.step("ready", "postgres.wait_ready", from: 5, to: 7, outputs: ["recovered_to": "2026-11-25T18:09:59Z"])
        live.runFinished(.succeeded, at: 8)
        #expect(try report(live).recovery?.recoveredTo == Date(timeIntervalSince1970: 1_795_630_199))
    }
}
