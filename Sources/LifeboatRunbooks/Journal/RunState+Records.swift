import Foundation

/// The records a run's state is made of: each step's attempts and answers, and the run's
/// interruptions, resumes and the operator's decisions about interrupted steps.
extension RunState {
    /// One try of a step, with its own start and end: a step interrupted and run again, or
    /// retried after a failure, has several, and each is measured on its own.
    public struct Attempt: Sendable, Equatable {
        public var number: Int
        public var startedAt: Date
        /// Nil while it runs, or when it was interrupted and its end is unknown.
        public var finishedAt: Date?
        /// Nil while it runs; `.interrupted` once the journal says it never finished.
        public var status: JournalEvent.Status?
        public var message: String?
        /// The engine's own measure of the attempt, when it ended normally.
        public var durationSeconds: Double?
    }

    public struct StepRecord: Sendable {
        public var status: JournalEvent.Status?
        public var outputs: [String: String] = [:]
        /// How many times the step started.
        public var attempts = 0
        public var tries: [Attempt] = []
        public var startedAt: Date?
        public var finishedAt: Date?
        public var message: String?
        public var approvedBy: String?
        public var approvedByOSUser: String?
        public var approvalReason: String?
        public var action: String?
        public var approvalRequestedAt: Date?
        public var approvedAt: Date?
        public var approvalMessage: String?
        /// Since when its gate waits: set by each request, cleared by an answer or a start.
        public var waitingForApprovalSince: Date?
        /// Every "no" its gate got, oldest first.
        public var declines: [Decision] = []
        /// The last checkpoint the step journaled in its current attempt (a restore's scratch database).
        public var checkpoint: [String: String]?

        /// The try running now (or interrupted without an end).
        public var openAttempt: Attempt? { tries.last.flatMap { $0.status == nil ? $0 : nil } }
    }

    /// Someone's answer at a gate, or their decision about an interrupted step.
    public struct Decision: Sendable, Equatable {
        public var at: Date
        public var by: String?
        public var osUser: String?
        public var reason: String?
    }

    /// A stop without an end: when, why (a signal, or a process found dead at resume), which
    /// steps it cut short, and when a resume picked the run up again.
    public struct Interruption: Sendable, Equatable {
        /// When the run stopped: the signal's time, or the last event of a process found dead.
        public var at: Date
        /// When it was noticed (the signal, or the resume that found it).
        public var recordedAt: Date
        public var signal: String?
        public var message: String?
        public var steps: [String]
        public var resumedAt: Date?
        /// Neither a signal nor a dead process: the engine stopped by itself (a step it would not repeat).
        public var byEngine: Bool
        /// What stopped it, in a few words.
        public var cause: String {
            signal ?? (byEngine ? "stopped by Lifeboat" : "process gone (killed, crashed or host down)")
        }
        /// The time the run stood still: from the stop to the resume.
        public var lostSeconds: Double? { resumedAt.map { max($0.timeIntervalSince(at), 0) } }
    }

    /// A decision about an interrupted step: run it again, or mark it done.
    public struct StepDecision: Sendable, Equatable {
        public var step: String
        public var decision: Decision
        /// Why, or (for a safe redo) what the engine found and did.
        public var message: String?
    }

    public struct Resume: Sendable, Equatable {
        public var at: Date
        public var user: String?
        public var host: String?
        public var flags: [String]
    }
}
