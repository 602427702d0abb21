import Foundation

/// Everything a post-incident report says about one run, built from the run's journal alone
/// (see `RunReport+Journal.swift`), so a report can be written for a run that crashed, on a
/// machine that never saw the runbook file. The renderers only format this value; the JSON
/// renderer encodes it as it is, documented by `docs/report.schema.json`.
public struct RunReport: Codable, Sendable, Equatable {
    /// Bumped when a key changes meaning or goes away; new keys do not bump it.
    public static let schemaVersion = 1

    public var schemaVersion: Int
    public var generatedAt: Date
    public var runID: String
    public var scenario: ReportScenario
    public var inputs: [String: String]
    /// Who ran it (the sudo caller first) and on which machine.
    public var user: String?
    public var host: String?
    /// The database the run acted on (a drill's scratch database for drills).
    public var target: String?
    public var drill: Bool
    public var startedAt: Date?
    /// When the run ended; nil when the journal has no end.
    public var finishedAt: Date?
    /// The newest event of the journal: where an unfinished run's story stops.
    public var lastEventAt: Date?
    /// Start to end, or to the last event for a run that never ended.
    public var durationSeconds: Double?
    public var outcome: RunOutcome
    /// The run end's message, or for a run without an end, what that means.
    public var outcomeMessage: String?
    /// The step that stopped a failed run.
    public var failedStep: String?
    /// Steps that started and never finished: what a crash interrupted.
    public var interruptedSteps: [String]
    public var measures: ReportMeasures
    public var backup: ReportBackup?
    public var steps: [ReportStep]
    public var validations: [ReportValidation]
    /// What to do now, for a run that did not succeed.
    public var nextSteps: [String]
    /// The physical restore (pgBackRest, WAL replayed), for runs that did one.
    public var recovery: ReportRecovery? = nil
    /// Every stop without an end, each with the resume that followed it.
    public var interruptions: [ReportInterruption] = []
    /// The time the run stood still between interruptions and resumes, added up.
    public var interruptedSeconds: Double? = nil
    public var resumes: [ReportResume] = []
    /// Declined approvals, and interrupted steps retried or skipped, in the order they happened.
    public var decisions: [ReportDecision] = []
    /// The runbook's objectives against this run's measures, as judged at its end; empty for a
    /// runbook without objectives or a run that did not succeed.
    public var objectives: [ReportObjective] = []

    enum CodingKeys: String, CodingKey {
        case schemaVersion = "schema_version", generatedAt = "generated_at", runID = "run_id", scenario, inputs, user,
            host
        case target, drill, startedAt = "started_at", finishedAt = "finished_at", lastEventAt = "last_event_at"
        case durationSeconds = "duration_seconds", outcome, outcomeMessage = "outcome_message", failedStep =
            "failed_step"
        case interruptedSteps = "interrupted_steps", measures, backup, steps, validations, nextSteps = "next_steps",
            recovery
        case interruptions, interruptedSeconds = "interrupted_seconds", resumes, decisions, objectives
    }

    /// Unknown values are written as null rather than left out, so every report has every key.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(schemaVersion, forKey: .schemaVersion)
        try container.encode(generatedAt, forKey: .generatedAt)
        try container.encode(runID, forKey: .runID)
        try container.encode(scenario, forKey: .scenario)
        try container.encode(inputs, forKey: .inputs)
        try container.encode(user, forKey: .user)
        try container.encode(host, forKey: .host)
        try container.encode(target, forKey: .target)
        try container.encode(drill, forKey: .drill)
        try container.encode(startedAt, forKey: .startedAt)
        try container.encode(finishedAt, forKey: .finishedAt)
        try container.encode(lastEventAt, forKey: .lastEventAt)
        try container.encode(durationSeconds, forKey: .durationSeconds)
        try container.encode(outcome, forKey: .outcome)
        try container.encode(outcomeMessage, forKey: .outcomeMessage)
        try container.encode(failedStep, forKey: .failedStep)
        try container.encode(interruptedSteps, forKey: .interruptedSteps)
        try container.encode(measures, forKey: .measures)
        try container.encode(backup, forKey: .backup)
        try container.encode(steps, forKey: .steps)
        try container.encode(validations, forKey: .validations)
        try container.encode(nextSteps, forKey: .nextSteps)
        try container.encode(recovery, forKey: .recovery)
        try container.encode(interruptions, forKey: .interruptions)
        try container.encode(interruptedSeconds, forKey: .interruptedSeconds)
        try container.encode(resumes, forKey: .resumes)
        try container.encode(decisions, forKey: .decisions)
        try container.encode(objectives, forKey: .objectives)
    }

    public func step(_ id: String) -> ReportStep? { steps.first { $0.id == id } }
}

extension RunReport {
    /// Reports written before objectives existed have no `objectives` key: they had none.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        schemaVersion = try container.decode(Int.self, forKey: .schemaVersion)
        generatedAt = try container.decode(Date.self, forKey: .generatedAt)
        runID = try container.decode(String.self, forKey: .runID)
        scenario = try container.decode(ReportScenario.self, forKey: .scenario)
        inputs = try container.decode([String: String].self, forKey: .inputs)
        user = try container.decodeIfPresent(String.self, forKey: .user)
        host = try container.decodeIfPresent(String.self, forKey: .host)
        target = try container.decodeIfPresent(String.self, forKey: .target)
        drill = try container.decode(Bool.self, forKey: .drill)
        startedAt = try container.decodeIfPresent(Date.self, forKey: .startedAt)
        finishedAt = try container.decodeIfPresent(Date.self, forKey: .finishedAt)
        lastEventAt = try container.decodeIfPresent(Date.self, forKey: .lastEventAt)
        durationSeconds = try container.decodeIfPresent(Double.self, forKey: .durationSeconds)
        outcome = try container.decode(RunOutcome.self, forKey: .outcome)
        outcomeMessage = try container.decodeIfPresent(String.self, forKey: .outcomeMessage)
        failedStep = try container.decodeIfPresent(String.self, forKey: .failedStep)
        interruptedSteps = try container.decode([String].self, forKey: .interruptedSteps)
        measures = try container.decode(ReportMeasures.self, forKey: .measures)
        backup = try container.decodeIfPresent(ReportBackup.self, forKey: .backup)
        steps = try container.decode([ReportStep].self, forKey: .steps)
        validations = try container.decode([ReportValidation].self, forKey: .validations)
        nextSteps = try container.decode([String].self, forKey: .nextSteps)
        recovery = try container.decodeIfPresent(ReportRecovery.self, forKey: .recovery)
        interruptions = try container.decodeIfPresent([ReportInterruption].self, forKey: .interruptions) ?? []
        interruptedSeconds = try container.decodeIfPresent(Double.self, forKey: .interruptedSeconds)
        resumes = try container.decodeIfPresent([ReportResume].self, forKey: .resumes) ?? []
        decisions = try container.decodeIfPresent([ReportDecision].self, forKey: .decisions) ?? []
        objectives = try container.decodeIfPresent([ReportObjective].self, forKey: .objectives) ?? []
    }
}
