import Foundation

/// One step of a run as its journal tells it: when it ran, how often, what it gave, who let
/// it through its approval gate and how long the gate held the run.
public struct ReportStep: Codable, Sendable, Equatable {
    public enum Status: String, Codable, Sendable, CaseIterable {
        case succeeded, failed, skipped, recorded, aborted
        /// Started and never finished, or stopped by a signal: the step a crash hit.
        case interrupted
        /// Its gate asked for an approval that never came.
        case awaitingApproval = "awaiting_approval"
        /// Its gate was answered "no": the run stopped there.
        case declined
        /// Approved, but the journal ends before it started.
        case notStarted = "not_started"
    }

    public var id: String
    /// The step's action; nil in journals written before actions were recorded.
    public var action: String?
    public var status: Status
    /// The first attempt's start and the last one's end.
    public var startedAt: Date?
    public var finishedAt: Date?
    /// The attempts' own times added up: the work the step took, not the wall time from its
    /// first start to its last finish (which would count the time the run stood still).
    public var durationSeconds: Double?
    public var attempts: Int
    public var outputs: [String: String]
    public var approval: ReportApproval?
    /// The error of a failed step, or why a step was skipped, recorded or interrupted.
    public var message: String?
    /// Each attempt with its own start, end and outcome.
    public var attemptHistory: [ReportAttempt] = []

    enum CodingKeys: String, CodingKey {
        case id, action, status, startedAt = "started_at", finishedAt = "finished_at"
        case durationSeconds = "duration_seconds", attempts, outputs, approval, message, attemptHistory =
            "attempt_history"
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(action, forKey: .action)
        try container.encode(status, forKey: .status)
        try container.encode(startedAt, forKey: .startedAt)
        try container.encode(finishedAt, forKey: .finishedAt)
        try container.encode(durationSeconds, forKey: .durationSeconds)
        try container.encode(attempts, forKey: .attempts)
        try container.encode(outputs, forKey: .outputs)
        try container.encode(approval, forKey: .approval)
        try container.encode(message, forKey: .message)
        try container.encode(attemptHistory, forKey: .attemptHistory)
    }

    /// The action as people read it: "?" when the journal did not say.
    public var actionLabel: String { action ?? "?" }
}

/// An approval gate: who let the step through, when it was asked for and given, and how
/// long the run waited there (the part of an incident's duration people, not machines, took).
public struct ReportApproval: Codable, Sendable, Equatable {
    public var requestedAt: Date?
    public var approvedAt: Date?
    /// The approver's name, `auto (--yes)` or `auto (drill)`; nil while still waiting.
    public var approvedBy: String?
    /// The gate's message as shown to the approver.
    public var message: String?
    public var waitSeconds: Double?
    /// The OS user who gave the approval (beside the name they gave with `--by`).
    public var approvedByOSUser: String? = nil
    /// Why, in the approver's words (`--reason`).
    public var reason: String? = nil
    /// While the gate still waits: since when (its latest request).
    public var waitingSince: Date? = nil
    /// Every "no" the gate got before (or instead of) its approval.
    public var declines: [ReportDecision] = []

    enum CodingKeys: String, CodingKey {
        case requestedAt = "requested_at", approvedAt = "approved_at", approvedBy = "approved_by", message
        case waitSeconds = "wait_seconds", approvedByOSUser = "approved_by_os_user", reason, waitingSince =
            "waiting_since", declines
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(requestedAt, forKey: .requestedAt)
        try container.encode(approvedAt, forKey: .approvedAt)
        try container.encode(approvedBy, forKey: .approvedBy)
        try container.encode(message, forKey: .message)
        try container.encode(waitSeconds, forKey: .waitSeconds)
        try container.encode(approvedByOSUser, forKey: .approvedByOSUser)
        try container.encode(reason, forKey: .reason)
        try container.encode(waitingSince, forKey: .waitingSince)
        try container.encode(declines, forKey: .declines)
    }
}
