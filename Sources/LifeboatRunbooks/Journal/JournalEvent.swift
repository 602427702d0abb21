import Foundation
import LifeboatCore

/// One line of a run's `journal.jsonl`. The journal alone is enough to resume a run and to
/// write its report, so every fact a report needs is recorded here as it happens.
public struct JournalEvent: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable {
        case runStarted = "run_started"
        case stepStarted = "step_started"
        case stepFinished = "step_finished"
        /// A gate started waiting: with `approval`, how long it held the run.
        case approvalRequested = "approval_requested"
        case approval
        case runFinished = "run_finished"
        /// The preflight checks, right after `run_started`, with any failed check the
        /// operator overrode (`--ignore-preflight`).
        case preflight
        /// `runbook ack`: a person has seen the failed run (`by`, the OS `user`, an optional
        /// `message`); `status` stops counting it as a problem until the run fails again.
        case acknowledged
    }

    public enum Status: String, Codable, Sendable {
        case succeeded, failed, skipped, recorded, interrupted, aborted
    }

    public var kind: Kind
    public var at: Date
    public var step: String?
    /// step events: the step's action, so a report needs no runbook file.
    public var action: String?
    public var attempt: Int?
    public var status: Status?
    public var outputs: [String: String]?
    public var message: String?
    /// run_started: the runbook, its SHA-256, inputs, who and where.
    public var runbook: String?
    public var runbookSha256: String?
    public var runbookName: String?
    public var runbookDescription: String?
    public var inputs: [String: String]?
    public var user: String?
    public var host: String?
    public var target: String?
    public var drill: Bool?
    /// approval: who approved.
    public var by: String?
    public var durationSeconds: Double?
    /// preflight: every check's verdict, and the failed ones let through by name.
    public var checks: [PreflightCheck]?
    public var overridden: [String]?

    public init(kind: Kind, at: Date = Date(), step: String? = nil) {
        self.kind = kind
        self.at = at
        self.step = step
    }
}
