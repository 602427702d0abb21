import Foundation
import LifeboatRunbooks

extension RunReport {
    /// The report of run `runID` from its journal's events, and nothing else.
    ///
    /// `knownActions` (step id → action) fills in actions that journals written before
    /// actions were recorded lack; an action in the journal always wins.
    public init(runID: String, events given: [JournalEvent], knownActions: [String: String] = [:], generatedAt: Date = Date()) throws {
        guard given.contains(where: { $0.kind == .runStarted }) else {
            throw ReportError(.notARun, "the journal of \(runID) does not record the start of a run",
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

        let steps = state.order.compactMap { id in state.steps[id].map { ReportStep(id: id, record: $0, events: events) } }
        let outcome = end.outcome
        self.init(
            schemaVersion: Self.schemaVersion, generatedAt: generatedAt, runID: runID,
            scenario: ReportScenario(name: state.runbookName ?? Self.nameFromFile(state.runbook), file: state.runbook,
                                     description: state.runbookDescription, sha256: state.runbookSha256),
            inputs: state.inputs, user: state.user, host: state.host, target: state.target, drill: state.drill,
            startedAt: state.startedAt, finishedAt: end.at, lastEventAt: lastEventAt,
            durationSeconds: milliseconds(state.startedAt.flatMap { start in (end.at ?? lastEventAt).map { $0.timeIntervalSince(start) } }),
            outcome: outcome, outcomeMessage: end.message, failedStep: nil,
            interruptedSteps: steps.filter { $0.status == .interrupted }.map(\.id),
            measures: ReportMeasures(DrillMeasures(state: state), inputs: state.inputs),
            backup: ReportBackup(steps: steps), steps: steps,
            validations: steps.compactMap(ReportValidation.init(step:)), nextSteps: [])
        recovery = ReportRecovery(steps: steps)
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
            return "the journal has no end: step '\(id)' started and never finished — the run was killed, stopped or its host went down, \(still)"
        }
        if let waiting = steps.first(where: { $0.status == .awaitingApproval }) {
            return "the journal has no end: the run was waiting for the approval of step '\(waiting.id)', \(still)"
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

    init(_ events: [JournalEvent]) {
        guard let index = events.lastIndex(where: { $0.kind == .runFinished }),
              !events[(index + 1)...].contains(where: { $0.kind != .runFinished }) else { return }
        let event = events[index]
        switch event.status {
        case .succeeded: outcome = .succeeded
        case .aborted: outcome = .aborted
        case .failed: outcome = .failed
        default: return  // an end the report does not know: treat as none
        }
        at = event.at
        message = event.message
    }
}

extension ReportStep {
    init(id: String, record: RunState.StepRecord, events: [JournalEvent]) {
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
            if record.startedAt != nil {
                status = .interrupted
                message = message ?? "started and never finished (attempt \(max(record.attempts, 1)))"
            } else if record.approvalRequestedAt != nil && record.approvedAt == nil {
                status = .awaitingApproval
            } else {
                status = .notStarted
            }
        }
        // The engine measures a step's duration itself (the journal's times are whole seconds).
        let measured = mine.last { $0.kind == .stepFinished }?.durationSeconds
        let duration = record.status == nil ? nil
            : measured ?? record.startedAt.flatMap { start in record.finishedAt.map { $0.timeIntervalSince(start) } }
        var approval: ReportApproval?
        if record.approvalRequestedAt != nil || record.approvedAt != nil {
            let requestedMessage = mine.last { $0.kind == .approvalRequested }?.message
            approval = ReportApproval(
                requestedAt: record.approvalRequestedAt, approvedAt: record.approvedAt, approvedBy: record.approvedBy,
                message: record.approvalMessage ?? requestedMessage,
                waitSeconds: milliseconds(record.approvalRequestedAt.flatMap { asked in record.approvedAt.map { $0.timeIntervalSince(asked) } }))
        }
        self.init(id: id, action: record.action, status: status, startedAt: record.startedAt,
                  finishedAt: record.status == nil ? nil : record.finishedAt, durationSeconds: milliseconds(duration),
                  attempts: record.attempts, outputs: record.outputs, approval: approval, message: message)
    }
}

extension ReportMeasures {
    init(_ measures: DrillMeasures, inputs: [String: String]) {
        let fromTarget = inputs["target_time"].flatMap(InputValues.timestamp) != nil
        self.init(rtoSeconds: milliseconds(measures.rtoSeconds), rpoSeconds: milliseconds(measures.rpoSeconds),
                  rpoReference: fromTarget ? "target_time" : "run start")
    }
}

extension ReportBackup {
    /// From the first `backup.select` that succeeded (the one the run went on with).
    init?(steps: [ReportStep]) {
        guard let select = steps.first(where: { $0.action == "backup.select" && $0.status == .succeeded }),
              let name = select.outputs["name"], !name.isEmpty else { return nil }
        func output(_ key: String) -> String? { select.outputs[key].flatMap { $0.isEmpty ? nil : $0 } }
        func path(of action: String) -> String? {
            steps.first { $0.action == action && $0.status == .succeeded }?.outputs["path"].flatMap { $0.isEmpty ? nil : $0 }
        }
        self.init(step: select.id, name: name, type: output("type"),
                  snapshotAt: output("timestamp").flatMap { ISO8601DateFormatter().date(from: $0) },
                  bytes: output("bytes").flatMap { Int64($0) }, sha256: output("sha256"), source: output("source"),
                  path: output("path"), fetchedPath: path(of: "cloud.fetch"), decryptedPath: path(of: "backup.decrypt"))
    }
}

extension ReportValidation {
    init?(step: ReportStep) {
        guard let action = step.action, Self.actions.contains(action) else { return nil }
        self.init(step: step.id, action: action, checks: ActionCatalog.spec(action)?.summary ?? action,
                  status: step.status, outputs: step.outputs, message: step.message)
    }
}

/// Seconds to the millisecond: the engine's clock is no finer, and reports stay readable.
private func milliseconds(_ seconds: Double?) -> Double? {
    seconds.map { ($0 * 1000).rounded() / 1000 }
}
