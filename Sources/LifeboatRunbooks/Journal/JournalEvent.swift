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
        /// The person at the terminal answered no: the run stops there, resumable, and the
        /// gate asks again on resume.
        case approvalDeclined = "approval_declined"
        case runFinished = "run_finished"
        /// The preflight checks, right after `run_started`, with any failed check the
        /// operator overrode (`--ignore-preflight`).
        case preflight
        /// `runbook ack`: a person has seen the failed run (`by`, the OS `user`, an optional
        /// `message`); `status` stops counting it as a problem until the run fails again.
        case acknowledged
        /// The run stopped without an end: a signal (`signal`); written by the resume that found
        /// it, a process that died (`lastEventAt`: the last moment it was known alive); or, with
        /// neither, the engine stopping by itself (a step it would not repeat). `message` says
        /// what state things were left in.
        case interrupted
        /// A run continued: who (the OS user), where, and with which flags.
        case resumed
        /// An interrupted step run again: by the operator (`--retry-step`, `by`), or by the
        /// engine when its action's work can be redone safely (`message` says why).
        case stepRetried = "step_retried"
        /// An interrupted step the operator marked as done without running it (`--skip-step`).
        case stepSkipped = "step_skipped"
        /// Where a step's work stands, journaled before the part it names begins: a restore's
        /// scratch database (`outputs`), so a resume can tell whether redoing it is safe.
        case stepCheckpoint = "step_checkpoint"
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
    /// run_started, a drill's `--keep`: its scratch databases and clusters outlive the run, also
    /// when a resume finishes it (the resume reads it from here, not from its own flags).
    public var keepScratch: Bool?
    /// approval, approval_declined, step_retried, step_skipped: who, as they named themselves
    /// (`--by`) or the OS user at the terminal.
    public var by: String?
    /// approval, approval_declined, resumed, step_retried, step_skipped: the OS user who ran the command.
    public var osUser: String?
    /// approval, approval_declined: why, in the approver's words (`--reason`).
    public var reason: String?
    /// resumed: the flags the resume was given (`--yes`, `--retry-step`, …).
    public var flags: [String]?
    /// interrupted: the signal that stopped the run (SIGINT, SIGTERM); nil for a process found dead.
    public var signal: String?
    /// interrupted, found at resume: the journal's last event before it, when the process was last known alive.
    public var lastEventAt: Date?
    public var durationSeconds: Double?
    /// preflight: every check's verdict, and the failed ones let through by name.
    public var checks: [PreflightCheck]?
    public var overridden: [String]?
    /// run_finished (succeeded): each of the runbook's objectives against what the run achieved.
    public var objectives: [ObjectiveVerdict]?

    public init(kind: Kind, at: Date = Date(), step: String? = nil) {
        self.kind = kind
        self.at = at
        self.step = step
    }
}
