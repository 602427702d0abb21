import Foundation
import LifeboatCore

/// Where a run stands, rebuilt from its journal alone: which steps finished (with outputs),
/// which one was in flight when the process died, and whether the run ended.
public struct RunState: Sendable {
    public struct StepRecord: Sendable {
        public var status: JournalEvent.Status?
        public var outputs: [String: String] = [:]
        public var attempts = 0
        public var startedAt: Date?
        public var finishedAt: Date?
        public var message: String?
        public var approvedBy: String?
        public var action: String?
        public var approvalRequestedAt: Date?
        public var approvedAt: Date?
        public var approvalMessage: String?
    }

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

    public init(events: [JournalEvent]) {
        for event in events { apply(event) }
    }

    public mutating func apply(_ event: JournalEvent) {
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
            startedAt = startedAt ?? event.at
        case .stepStarted:
            guard let id = event.step else { return }
            if !order.contains(id) { order.append(id) }
            steps[id, default: StepRecord()].attempts = max(steps[id]?.attempts ?? 0, event.attempt ?? 1)
            steps[id, default: StepRecord()].startedAt = steps[id]?.startedAt ?? event.at
            steps[id]?.status = nil
            if let action = event.action { steps[id]?.action = action }
        case .stepFinished:
            guard let id = event.step else { return }
            if !order.contains(id) { order.append(id) }
            steps[id, default: StepRecord()].status = event.status
            steps[id]?.outputs = event.outputs ?? [:]
            steps[id]?.finishedAt = event.at
            steps[id]?.message = event.message
            if let action = event.action { steps[id]?.action = action }
        case .approval:
            guard let id = event.step else { return }
            if !order.contains(id) { order.append(id) }
            steps[id, default: StepRecord()].approvedBy = event.by
            steps[id]?.approvedAt = event.at
            steps[id]?.approvalMessage = event.message
        case .approvalRequested:
            guard let id = event.step else { return }
            if !order.contains(id) { order.append(id) }
            var record = steps[id, default: StepRecord()]
            record.approvalRequestedAt = record.approvalRequestedAt ?? event.at
            if let action = event.action { record.action = action }
            steps[id] = record
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
}
