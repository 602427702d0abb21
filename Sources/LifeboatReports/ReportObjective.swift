import LifeboatRunbooks

/// One objective of the runbook against what the run achieved, as the run itself judged it at
/// its end (journaled on `run_finished`).
public struct ReportObjective: Codable, Sendable, Equatable {
    /// rto, rpo or downtime.
    public var objective: String
    public var objectiveSeconds: Double
    /// nil when the run never reached what is measured: a miss.
    public var achievedSeconds: Double?
    public var met: Bool

    enum CodingKeys: String, CodingKey {
        case objective, objectiveSeconds = "objective_seconds", achievedSeconds = "achieved_seconds", met
    }

    init(_ verdict: ObjectiveVerdict) {
        objective = verdict.objective.rawValue
        objectiveSeconds = verdict.objectiveSeconds
        achievedSeconds = verdict.achievedSeconds.map { ($0 * 1000).rounded() / 1000 }
        met = verdict.met
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(objective, forKey: .objective)
        try container.encode(objectiveSeconds, forKey: .objectiveSeconds)
        try container.encode(achievedSeconds, forKey: .achievedSeconds)
        try container.encode(met, forKey: .met)
    }

    /// The objective's name as people write it: RTO, RPO, Downtime.
    public var label: String { objective == "downtime" ? "Downtime" : objective.uppercased() }

    /// The objective as the runbook wrote it (`30m`, `26h`, `1ms`).
    public var promised: String { DurationValue(seconds: objectiveSeconds).description }

    /// What the run achieved, or why it has no figure.
    public var achieved: String { achievedSeconds.map { ReportText.duration($0) } ?? "not reached" }

    /// The mark every format shows, in words as well as a sign so that it survives plain text.
    public var mark: String { met ? "✅ met" : "❌ missed" }
}
