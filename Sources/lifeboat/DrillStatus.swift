import Foundation
import LifeboatCore
import LifeboatReports

/// The drills' side of `lifeboat status` and the scenario `drill-next` picks: each scenario's
/// newest drill, read from the run journals through `RunHistory` (so status, history and the
/// reports agree on its outcome and objectives). Here, not in LifeboatCore, because only the
/// layers above the runbooks can read a journal.
enum DrillStatus {
    /// Each scenario's newest drill under `stateDirectory`, whatever its outcome.
    static func lastDrills(stateDirectory: URL) -> [String: DrillFreshness.LastDrill] {
        let rows = RunHistory.read(stateDirectory: stateDirectory, filter: RunHistory.Filter(kind: .drills)).history
            .rows
        var last: [String: DrillFreshness.LastDrill] = [:]
        for row in rows {  // oldest first: each later drill replaces the one before
            guard let startedAt = row.startedAt else { continue }
            last[row.scenario] = DrillFreshness.LastDrill(
                runId: row.runID, startedAt: startedAt, outcome: row.outcome.rawValue,
                objectivesMet: row.objectivesMet,
                missed: row.objectives.filter { !$0.met }.map(\.objective))
        }
        return last
    }

    static func freshness(_ configuration: LifeboatConfiguration, stateDirectory: URL, now: Date) throws
        -> DrillFreshness
    {
        DrillFreshness(
            watched: try DrillRotation.watched(configuration), lastDrills: lastDrills(stateDirectory: stateDirectory),
            maxAge: try DrillRotation.maxAge(configuration), now: now,
            scheduled: configuration.string(.drillSchedule) != nil)
    }
}
