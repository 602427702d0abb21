import Foundation

/// One objective of a run judged: what the runbook promised, what the run achieved, and
/// whether the promise was kept. Journaled on `run_finished`, so a report and `history` read
/// the verdict the run itself reached, even after the runbook's objectives change.
public struct ObjectiveVerdict: Sendable, Codable, Equatable {
    public let objective: RecoveryObjectives.Kind
    public let objectiveSeconds: Double
    /// nil when the run never reached the point measured (no validated data, no backup chosen,
    /// services never started again): a miss.
    public let achievedSeconds: Double?
    public let met: Bool

    public init(objective: RecoveryObjectives.Kind, objectiveSeconds: Double, achievedSeconds: Double?) {
        self.objective = objective
        self.objectiveSeconds = objectiveSeconds
        self.achievedSeconds = achievedSeconds
        met = achievedSeconds.map { $0 <= objectiveSeconds } ?? false
    }

    /// Every declared objective against what `measures` achieved, in `RecoveryObjectives.Kind` order.
    public static func judge(_ objectives: RecoveryObjectives, _ measures: DrillMeasures) -> [ObjectiveVerdict] {
        objectives.declared.map { kind, value in
            ObjectiveVerdict(objective: kind, objectiveSeconds: value.seconds, achievedSeconds: measures.achieved(kind))
        }
    }

    /// One line for a terminal: `RTO objective 30m: achieved 41.2s — met`.
    public var summary: String {
        let promised = DurationValue(seconds: objectiveSeconds)
        let achieved = achievedSeconds.map { String(format: "%.1fs", $0) } ?? "not reached"
        return
            "\(objective.rawValue.uppercased()) objective \(promised): achieved \(achieved) — \(met ? "met" : "MISSED")"
    }

    /// The details of a `runbook.objective_missed` event: which objective, and both numbers.
    public func missedDetails(runID: String, runbook: String, drill: Bool) -> [String: String] {
        [
            "run_id": runID, "runbook": runbook, "drill": String(drill), "objective": objective.rawValue,
            "objective_seconds": Self.number(objectiveSeconds),
            "achieved_seconds": achievedSeconds.map(Self.number) ?? "not reached"
        ]
    }

    private static func number(_ seconds: Double) -> String { String(format: "%.3f", seconds) }
}
