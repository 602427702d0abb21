import Foundation
import LifeboatCore

/// The drills' lines of `lifeboat status`: per scenario its last drill, outcome, objectives and
/// whether it is stale under LIFEBOAT_DRILL_MAX_AGE.
extension StatusText {
    static func drills(_ drills: DrillFreshness, now: Date, time: (Date?) -> String) -> [String] {
        let limit = DrillFreshness.age(drills.maxAgeSeconds)
        var lines = [
            drills.scheduled
                ? "drills     each scenario the schedule drills is due every \(limit) (LIFEBOAT_DRILL_MAX_AGE)"
                : "drills     none scheduled (LIFEBOAT_DRILL_SCHEDULE unset): none is due"
        ]
        guard !drills.scenarios.isEmpty else {
            lines.append("  no drill yet" + (drills.scheduled ? " and no scenario can be drilled here" : ""))
            return lines
        }
        var rows = [["SCENARIO", "LAST DRILL", "AGE", "OUTCOME", "OBJECTIVES", "STATE"]]
        for scenario in drills.scenarios {
            let last = scenario.lastDrill
            let objectives: String
            switch last?.objectivesMet {
            case true?: objectives = "all met"
            case false?: objectives = "MISSED " + (last?.missed ?? []).map { $0.uppercased() }.joined(separator: ", ")
            case nil: objectives = last == nil ? "-" : "not judged"
            }
            let state: String
            if !scenario.watched {
                state = "not scheduled"
            } else if scenario.stale {
                state = last == nil ? "STALE: never drilled" : "STALE since \(time(scenario.staleAfter))"
            } else {
                state = "ok until \(time(scenario.staleAfter))"
            }
            rows.append([
                scenario.name, last.map { "\(time($0.startedAt)) (\($0.runId))" } ?? "never",
                last.map { Terminal.age(since: $0.startedAt, now: now) } ?? "-", last?.outcome ?? "-", objectives, state
            ])
        }
        return lines + table(rows, indent: "  ")
    }
}
