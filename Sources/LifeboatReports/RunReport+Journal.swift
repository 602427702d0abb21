import Foundation
import LifeboatRunbooks

extension RunReport {
    /// The report of run `runID` from its journal's events, and nothing else.
    ///
    /// `knownActions` (step id → action) fills in actions that journals written before
    /// actions were recorded lack; an action in the journal always wins.
    public init(
        runID: String, events given: [JournalEvent], knownActions: [String: String] = [:], generatedAt: Date = Date()
    ) throws {
        guard given.contains(where: { $0.kind == .runStarted }) else {
            throw ReportError(
                .notARun, "the journal of \(runID) does not record the start of a run",
                hint: "check that runs/\(runID)/journal.jsonl is a Lifeboat run journal and was copied whole")
        }
        let events = given.map { event -> JournalEvent in
            var event = event
            if event.action == nil, let step = event.step, let action = knownActions[step] { event.action = action }
            return event
        }
        let state = RunState(events: events)
        let end = JournalEnding(events)
        let lastEventAt = events.map(\.at).max()

        let steps = state.order.compactMap { id in
            state.steps[id].map { ReportStep(id: id, record: $0, events: events, state: state) }
        }
        let outcome = end.outcome
        self.init(
            schemaVersion: Self.schemaVersion, generatedAt: generatedAt, runID: runID,
            scenario: ReportScenario(
                name: state.runbookName ?? Self.nameFromFile(state.runbook), file: state.runbook,
                description: state.runbookDescription, sha256: state.runbookSha256),
            inputs: state.inputs, user: state.user, host: state.host, target: state.target, drill: state.drill,
            startedAt: state.startedAt, finishedAt: end.at, lastEventAt: lastEventAt,
            durationSeconds: milliseconds(
                state.startedAt.flatMap { start in (end.at ?? lastEventAt).map { $0.timeIntervalSince(start) } }),
            outcome: outcome, outcomeMessage: end.message, failedStep: nil,
            interruptedSteps: steps.filter { $0.status == .interrupted }.map(\.id),
            measures: ReportMeasures(DrillMeasures(state: state), inputs: state.inputs),
            backup: ReportBackup(steps: steps), steps: steps,
            validations: steps.compactMap(ReportValidation.init(step:)), nextSteps: [])
        recovery = ReportRecovery(steps: steps)
        objectives = end.objectives.map(ReportObjective.init)
        interruptions = state.interruptions.map { stop in
            ReportInterruption(
                at: stop.at, recordedAt: stop.recordedAt, signal: stop.signal, cause: stop.cause, message: stop.message,
                steps: stop.steps,
                resumedAt: stop.resumedAt, lostSeconds: milliseconds(stop.lostSeconds))
        }
        let lost = state.interruptions.compactMap(\.lostSeconds)
        interruptedSeconds = lost.isEmpty ? (state.interruptions.isEmpty ? 0 : nil) : milliseconds(lost.reduce(0, +))
        resumes = state.resumes.map { ReportResume(at: $0.at, user: $0.user, host: $0.host, flags: $0.flags) }
        var decisions = state.retries.map {
            ReportDecision(
                kind: .retried, step: $0.step, at: $0.decision.at, by: $0.decision.by,
                osUser: $0.decision.osUser, reason: $0.message)
        }
        decisions += state.skips.map {
            ReportDecision(
                kind: .skipped, step: $0.step, at: $0.decision.at, by: $0.decision.by,
                osUser: $0.decision.osUser, reason: nil)
        }
        for id in state.order {
            for no in state.steps[id]?.declines ?? [] {
                decisions.append(
                    ReportDecision(
                        kind: .declined, step: id, at: no.at, by: no.by, osUser: no.osUser, reason: no.reason))
            }
        }
        self.decisions = decisions.sorted { $0.at < $1.at }
        if outcome == .failed {
            // The last failure that was not a compensation is the one that stopped the run.
            failedStep = steps.last { $0.status == .failed && $0.message?.hasPrefix("compensation for ") != true }?.id
        }
        if outcome == .interrupted { outcomeMessage = unfinishedExplanation() }
        nextSteps = NextSteps.advice(for: self)
    }

    /// Old journals name only the runbook's file: its base name is the runbook's name.
    static func nameFromFile(_ file: String?) -> String {
        guard let file else { return "unknown runbook" }
        let base = URL(fileURLWithPath: file).deletingPathExtension().lastPathComponent
        return base.isEmpty ? file : base
    }

    /// What a journal without an end means, told from where it stops.
    private func unfinishedExplanation() -> String {
        let still = "or it is still running: `lifeboat runbook status \(runID)` on \(host ?? "its host") tells"
        if let id = interruptedSteps.first {
            return
                "the journal has no end: step '\(id)' started and never finished — the run was killed, stopped or its host went down, \(still)"
        }
        if let waiting = steps.first(where: { $0.status == .awaitingApproval }) {
            let since = waiting.approval?.waitingSince.map { " (\(ApprovalGate.waiting(since: $0)))" } ?? ""
            return
                "the journal has no end: the run was waiting for the approval of step '\(waiting.id)'\(since), \(still)"
        }
        if let declined = steps.first(where: { $0.status == .declined }) {
            return
                "the run stopped because step '\(declined.id)' was not approved; `lifeboat runbook resume \(runID)` asks again"
        }
        return "the journal has no end after \(steps.last.map { "step '\($0.id)'" } ?? "the run's start"), \(still)"
    }
}

/// How the journal ends. The last `run_finished` counts only if nothing happened after it: a
/// failed run that was resumed has steps after its first end, and then no end of its own.
struct JournalEnding {
    var outcome: RunOutcome = .interrupted
    var at: Date?
    var message: String?
    var objectives: [ObjectiveVerdict] = []

    init(_ events: [JournalEvent]) {
        guard let index = events.lastIndex(where: { $0.kind == .runFinished }),
            !events[(index + 1)...].contains(where: { $0.kind != .runFinished })
        else { return }
        let event = events[index]
        switch event.status {
        case .succeeded: outcome = .succeeded
        case .aborted: outcome = .aborted
        case .failed: outcome = .failed
        default: return  // an end the report does not know: treat as none
        }
        at = event.at
        message = event.message
        objectives = event.objectives ?? []
    }
}

extension ReportStep {
    init(id: String, record: RunState.StepRecord, events: [JournalEvent], state: RunState) {
        let mine = events.filter { $0.step == id }
        let status: Status
        var message = record.message
        switch record.status {
        case .succeeded: status = .succeeded
        case .failed: status = .failed
        case .skipped: status = .skipped
        case .recorded: status = .recorded
        case .aborted: status = .aborted
        case .interrupted: status = .interrupted
        case nil:
            if record.waitingForApprovalSince != nil {
                status = .awaitingApproval
            } else if state.declined.contains(id) {
                status = .declined
                message = message ?? record.declines.last.map { ApprovalGate.declined($0) }
            } else if let open = record.tries.last, open.status == nil || open.status == .interrupted {
                status = .interrupted
                message = message ?? open.message ?? "started and never finished (attempt \(open.number))"
            } else if record.approvalRequestedAt != nil && record.approvedAt == nil {
                status = .awaitingApproval
            } else {
                status = .notStarted
            }
        }
        let history = record.tries.map { attempt in
            ReportAttempt(
                number: attempt.number, startedAt: attempt.startedAt, finishedAt: attempt.finishedAt,
                durationSeconds: milliseconds(
                    attempt.durationSeconds ?? attempt.finishedAt.map { $0.timeIntervalSince(attempt.startedAt) }),
                status: attempt.status.map(Self.status), message: attempt.message)
        }
        // The attempts' own times added up (the engine measures each; journal times are coarser).
        let measured = history.compactMap(\.durationSeconds)
        let duration = measured.isEmpty ? nil : measured.reduce(0, +)
        var approval: ReportApproval?
        if record.approvalRequestedAt != nil || record.approvedAt != nil || !record.declines.isEmpty {
            let requestedMessage = mine.last { $0.kind == .approvalRequested }?.message
            approval = ReportApproval(
                requestedAt: record.approvalRequestedAt, approvedAt: record.approvedAt, approvedBy: record.approvedBy,
                message: record.approvalMessage ?? requestedMessage,
                waitSeconds: milliseconds(
                    record.approvalRequestedAt.flatMap { asked in record.approvedAt.map { $0.timeIntervalSince(asked) }
                    }),
                approvedByOSUser: record.approvedByOSUser, reason: record.approvalReason,
                waitingSince: record.waitingForApprovalSince,
                declines: record.declines.map {
                    ReportDecision(
                        kind: .declined, step: id, at: $0.at, by: $0.by, osUser: $0.osUser, reason: $0.reason)
                })
        }
        self.init(
            id: id, action: record.action, status: status, startedAt: record.startedAt,
            finishedAt: record.status == nil ? nil : record.finishedAt,
            durationSeconds: record.status == nil && history.isEmpty ? nil : milliseconds(duration),
            attempts: record.attempts, outputs: record.outputs, approval: approval, message: message,
            attemptHistory: history)
    }

    static func status(_ status: JournalEvent.Status) -> Status {
        switch status {
        case .succeeded: return .succeeded
        case .failed: return .failed
        case .skipped: return .skipped
        case .recorded: return .recorded
        case .aborted: return .aborted
        case .interrupted: return .interrupted
        }
    }
}

extension ReportMeasures {
    init(_ measures: DrillMeasures, inputs: [String: String]) {
        let fromTarget = inputs["target_time"].flatMap(InputValues.timestamp) != nil
        self.init(
            rtoSeconds: milliseconds(measures.rtoSeconds), rpoSeconds: milliseconds(measures.rpoSeconds),
            rpoReference: fromTarget ? "target_time" : "run start",
            downtimeSeconds: milliseconds(measures.downtimeSeconds))
    }
}

extension ReportBackup {
    /// From the first `backup.select` that succeeded (the one the run went on with).
    init?(steps: [ReportStep]) {
        typealias Output = BackupSelect.Output
        guard let select = steps.first(where: { $0.action == BackupSelect.name && $0.status == .succeeded }),
            let name = select.outputs[Output.name], !name.isEmpty
        else { return nil }
        func output(_ key: String) -> String? { select.outputs[key].flatMap { $0.isEmpty ? nil : $0 } }
        func path(of action: String, _ key: String) -> String? {
            steps.first { $0.action == action && $0.status == .succeeded }?.outputs[key].flatMap {
                $0.isEmpty ? nil : $0
            }
        }
        self.init(
            step: select.id, name: name, type: output(Output.type),
            snapshotAt: output(Output.timestamp).flatMap { ISO8601DateFormatter().date(from: $0) },
            bytes: output(Output.bytes).flatMap { Int64($0) }, sha256: output(Output.sha256),
            source: output(Output.source), path: output(Output.path),
            fetchedPath: path(of: CloudFetch.name, CloudFetch.Output.path) ?? streamedPath(steps),
            decryptedPath: path(of: BackupDecrypt.name, BackupDecrypt.Output.path))
    }
}

/// Where a `restore.database_prepare` with `source: cloud` kept the download it restored from
/// (only that form reports `resumed_from`).
private func streamedPath(_ steps: [ReportStep]) -> String? {
    steps.first {
        $0.action == RestoreDatabasePrepare.name && $0.status == .succeeded
            && $0.outputs[RestoreDatabasePrepare.Output.resumedFrom] != nil
    }?
    .outputs[RestoreDatabasePrepare.Output.path].flatMap { $0.isEmpty ? nil : $0 }
}

extension ReportValidation {
    init?(step: ReportStep) {
        guard let action = step.action, Self.actions.contains(action) else { return nil }
        self.init(
            step: step.id, action: action, checks: ActionCatalog.spec(action)?.summary ?? action,
            status: step.status, outputs: step.outputs, message: step.message)
    }
}

/// Seconds to the millisecond: the engine's clock is no finer, and reports stay readable.
private func milliseconds(_ seconds: Double?) -> Double? {
    seconds.map { ($0 * 1000).rounded() / 1000 }
}
