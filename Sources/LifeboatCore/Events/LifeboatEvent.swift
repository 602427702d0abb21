import Foundation

/// Something an operator should hear about without watching a terminal: a backup that
/// finished or failed, a verification verdict, low disk, a failed upload, a runbook's progress.
/// Webhooks carry it; its `details` are plain JSON so any receiver can read them.
public struct LifeboatEvent: Sendable, Equatable {
    /// The event names receivers filter on. They are part of the public contract (docs/events-and-metrics.md,
    /// `X-Lifeboat-Event`): add new ones, never rename.
    public enum Name: String, CaseIterable, Sendable, Codable {
        case backupCompleted = "backup.completed"
        case backupFailed = "backup.failed"
        case backupVerified = "backup.verified"
        case backupVerificationFailed = "backup.verification_failed"
        case diskLow = "disk.low"
        case cloudSyncFailed = "cloud_sync.failed"
        /// A backup far smaller or larger than the recent ones of its type (see SizeAnomaly).
        case backupSizeAnomaly = "backup.size_anomaly"
        case runbookStarted = "runbook.started"
        case runbookStepFailed = "runbook.step_failed"
        case runbookApprovalNeeded = "runbook.approval_needed"
        case runbookCompleted = "runbook.completed"
        case runbookFailed = "runbook.failed"
        /// A runbook's own `notify` step; `details.event` holds the name the runbook gave.
        case runbookNotice = "runbook.notice"
        /// A run (drill or real) did not meet one of its runbook's objectives; `details` name
        /// the objective and carry `objective_seconds` and `achieved_seconds`. The run's own
        /// outcome is unchanged.
        case runbookObjectiveMissed = "runbook.objective_missed"
        /// A drill's RTO was at least 1.5× the median of the scenario's previous (up to five)
        /// drills: `rto_seconds`, `median_seconds`, `factor`, `compared` (their run ids).
        case drillRegressed = "drill.regressed"
    }

    public let name: Name
    public let time: Date
    /// The machine the event happened on, so one channel can serve several hosts.
    public let host: String
    public var details: [String: EventValue]

    public init(
        _ name: Name, details: [String: EventValue] = [:], time: Date = Date(), host: String = LifeboatEvent.localHost
    ) {
        self.name = name
        self.time = time
        self.host = host
        self.details = details
    }

    public static let localHost: String = ProcessInfo.processInfo.hostName
}
