import Foundation
import LifeboatCore

/// Where a run stands, rebuilt from its journal alone: which steps finished (with outputs),
/// which one was in flight when the process died, and whether the run ended.
public struct RunState: Sendable {
    public private(set) var runbook: String?
    public private(set) var runbookSha256: String?
    public private(set) var runbookName: String?
    public private(set) var runbookDescription: String?
    public private(set) var user: String?
    public private(set) var host: String?
    public private(set) var finishedAt: Date?
    public private(set) var finishMessage: String?
    public private(set) var inputs: [String: String] = [:]
    public private(set) var target: String?
    public private(set) var drill = false
    /// The drill was started with `--keep`.
    public private(set) var keepScratch = false
    public private(set) var startedAt: Date?
    public private(set) var finished: JournalEvent.Status?
    public private(set) var steps: [String: StepRecord] = [:]
    public private(set) var order: [String] = []
    /// The preflight checks the run started with, and the failed ones overridden.
    public private(set) var preflight: [PreflightCheck] = []
    public private(set) var preflightOverridden: [String] = []
    /// Who acknowledged the run's failure (`runbook ack`) since it last finished, and when.
    public private(set) var acknowledgedBy: String?
    public private(set) var acknowledgedAt: Date?
    public private(set) var interruptions: [Interruption] = []
    public private(set) var resumes: [Resume] = []
    /// The newest event applied: where the story stops so far.
    public private(set) var lastEventAt: Date?
    /// Interrupted steps run again on a resume (`by` nil: the engine, because redoing was safe),
    /// and ones the operator skipped.
    public private(set) var retries: [StepDecision] = []
    public private(set) var skips: [StepDecision] = []
    /// Whether the stretch since the start or the last resume, in the journal's order, holds a
    /// stop that said so (an interruption or a declined gate). Order, not time: a resume is
    /// journaled in the same millisecond as the interruption it found.
    private var stretchRecordsAStop = false

    public init(events: [JournalEvent]) {
        for event in events { apply(event) }
    }

    public mutating func apply(_ event: JournalEvent) {
        defer { lastEventAt = max(lastEventAt ?? event.at, event.at) }
        switch event.kind {
        case .runStarted:
            runbook = event.runbook
            runbookSha256 = event.runbookSha256
            runbookName = event.runbookName
            runbookDescription = event.runbookDescription
            user = event.user
            host = event.host
            inputs = event.inputs ?? [:]
            target = event.target
            drill = event.drill ?? false
            keepScratch = event.keepScratch ?? false
            startedAt = startedAt ?? event.at
            stretchRecordsAStop = false
        case .stepStarted:
            guard let id = event.step else { return }
            if !order.contains(id) { order.append(id) }
            var record = steps[id, default: StepRecord()]
            // A journal written before interruptions were recorded: an open try is one that never ended.
            if let last = record.tries.indices.last, record.tries[last].status == nil {
                record.tries[last].status = .interrupted
            }
            // Numbered by the journal, not by the process: a resumed step's tries go on counting.
            record.tries.append(Attempt(number: record.tries.count + 1, startedAt: event.at))
            record.attempts = record.tries.count
            record.startedAt = record.startedAt ?? event.at
            record.status = nil
            record.waitingForApprovalSince = nil
            record.checkpoint = nil
            if let action = event.action { record.action = action }
            steps[id] = record
        case .stepFinished:
            guard let id = event.step else { return }
            if !order.contains(id) { order.append(id) }
            var record = steps[id, default: StepRecord()]
            record.status = event.status
            record.outputs = event.outputs ?? [:]
            record.finishedAt = event.at
            record.message = event.message
            record.waitingForApprovalSince = nil
            if let action = event.action { record.action = action }
            if let last = record.tries.indices.last, record.tries[last].status == nil {
                record.tries[last].status = event.status
                record.tries[last].finishedAt = event.at
                record.tries[last].message = event.message
                record.tries[last].durationSeconds = event.durationSeconds
            }
            steps[id] = record
        case .approval:
            guard let id = event.step else { return }
            if !order.contains(id) { order.append(id) }
            steps[id, default: StepRecord()].approvedBy = event.by
            steps[id]?.approvedByOSUser = event.osUser
            steps[id]?.approvalReason = event.reason
            steps[id]?.approvedAt = event.at
            steps[id]?.approvalMessage = event.message
            steps[id]?.waitingForApprovalSince = nil
        case .approvalDeclined:
            guard let id = event.step else { return }
            stretchRecordsAStop = true
            if !order.contains(id) { order.append(id) }
            steps[id, default: StepRecord()].declines.append(
                Decision(at: event.at, by: event.by, osUser: event.osUser, reason: event.reason))
            steps[id]?.waitingForApprovalSince = nil
        case .approvalRequested:
            guard let id = event.step else { return }
            if !order.contains(id) { order.append(id) }
            var record = steps[id, default: StepRecord()]
            record.approvalRequestedAt = record.approvalRequestedAt ?? event.at
            record.waitingForApprovalSince = event.at
            if let action = event.action { record.action = action }
            steps[id] = record
        case .interrupted:
            stretchRecordsAStop = true
            let stoppedAt = event.lastEventAt ?? event.at
            var cut: [String] = []
            for id in order {
                guard var record = steps[id] else { continue }
                if let last = record.tries.indices.last, record.tries[last].status == nil {
                    record.tries[last].status = .interrupted
                    // A signal's time is the attempt's end; a dead process's end is unknown.
                    record.tries[last].finishedAt = event.lastEventAt == nil ? event.at : nil
                    record.tries[last].message =
                        record.tries[last].message
                        ?? event.signal.map { "stopped by \($0)" }
                        ?? "its process was gone (killed, crashed or its host went down): its end is unknown"
                    cut.append(id)
                } else if record.waitingForApprovalSince != nil {
                    cut.append(id)
                }
                steps[id] = record
            }
            interruptions.append(
                Interruption(
                    at: stoppedAt, recordedAt: event.at, signal: event.signal, message: event.message, steps: cut,
                    byEngine: event.signal == nil && event.lastEventAt == nil))
        case .resumed:
            // A failed run that is resumed is open again: its earlier end no longer stands.
            if finished == .failed { finished = nil; finishedAt = nil; finishMessage = nil }
            resumes.append(Resume(at: event.at, user: event.user, host: event.host, flags: event.flags ?? []))
            stretchRecordsAStop = false
            if let last = interruptions.indices.last, interruptions[last].resumedAt == nil {
                interruptions[last].resumedAt = event.at
            }
        case .stepRetried:
            guard let id = event.step else { return }
            retries.append(
                StepDecision(
                    step: id, decision: Decision(at: event.at, by: event.by, osUser: event.osUser, reason: nil),
                    message: event.message))
        case .stepSkipped:
            guard let id = event.step else { return }
            skips.append(
                StepDecision(
                    step: id, decision: Decision(at: event.at, by: event.by, osUser: event.osUser, reason: nil),
                    message: event.message))
        case .stepCheckpoint:
            guard let id = event.step else { return }
            steps[id, default: StepRecord()].checkpoint = event.outputs ?? [:]
        case .preflight:
            preflight = event.checks ?? []
            preflightOverridden = event.overridden ?? []
        case .runFinished:
            finished = event.status
            finishedAt = event.at
            finishMessage = event.message
            acknowledgedBy = nil
            acknowledgedAt = nil
        case .acknowledged:
            acknowledgedBy = event.by
            acknowledgedAt = event.at
        }
    }

    /// Steps that ended (succeeded, skipped, recorded, or failed and continued past).
    public func isDone(_ step: String) -> Bool {
        guard let status = steps[step]?.status else { return false }
        return status != .interrupted && status != .aborted
    }

    /// The step that started but never finished: the one the crash interrupted.
    public var inFlight: [String] {
        order.filter { steps[$0]?.startedAt != nil && (steps[$0]?.status == nil || steps[$0]?.status == .interrupted) }
    }

    /// Steps whose gate waits for an answer now: asked, not answered, not started.
    public var awaitingApproval: [String] {
        order.filter { steps[$0]?.waitingForApprovalSince != nil && steps[$0]?.status == nil }
    }

    /// Steps whose gate got a "no" as its latest answer and that have not run since.
    public var declined: [String] {
        order.filter { id in
            guard let record = steps[id], let no = record.declines.last, record.status == nil,
                record.openAttempt == nil,
                record.waitingForApprovalSince == nil
            else { return false }
            return record.approvedAt.map { $0 < no.at } ?? true
        }
    }

    /// The run stopped without an end and nothing has said so yet: its last stretch (since the
    /// start or the last resume) holds no interruption, no declined gate and no end.
    public var stoppedSilently: Bool {
        finished == nil && !stretchRecordsAStop
    }
}
