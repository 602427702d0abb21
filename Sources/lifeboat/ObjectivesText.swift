import Foundation
import LifeboatRunbooks

/// The end of `drill` and `runbook run`/`resume`: each of the runbook's objectives against what
/// the run achieved. Kept here, not in the commands, so both say it the same way.
enum ObjectivesText {
    /// `objectives: RTO objective 30m: achieved 41.2s — met`, one line each; nothing for a
    /// runbook without objectives. A miss is said plainly, and that it did not fail the run.
    static func lines(_ verdicts: [ObjectiveVerdict]) -> [String] {
        guard !verdicts.isEmpty else { return [] }
        let missed = verdicts.filter { !$0.met }.count
        let head =
            missed == 0
            ? "objectives: all \(verdicts.count) met"
            : "objectives: \(missed) of \(verdicts.count) MISSED (the run's outcome stands; runbook.objective_missed was raised)"
        return [head] + verdicts.map { "  " + $0.summary }
    }

    static func print(_ verdicts: [ObjectiveVerdict]) {
        for line in lines(verdicts) { Swift.print(line) }
    }

    /// `runbook run` and `resume`: what `RunbookCommand.printResult` prints, then the objectives.
    /// `--json` adds the run's `measures` beside `run_id` and `status`, in the very shape
    /// `drill --json` gives them (`DrillMeasures`: RTO, RPO, downtime and, per objective,
    /// objective seconds, achieved seconds and met), so a script reads a drill and a real run alike.
    static func printResult(_ runID: String, _ state: RunState, runbook: Runbook, json: Bool) throws {
        if json {
            let measures = state.finished.map { _ in DrillMeasures(state: state, runbook: runbook) }
            try Terminal.printJSON(
                RunResult(runID: runID, status: state.finished?.rawValue ?? "open", measures: measures))
            return
        }
        try RunbookCommand.printResult(runID, state, json: false)
        guard state.finished == .succeeded else { return }
        print(DrillMeasures(state: state, runbook: runbook).objectives)
    }

    /// `runbook run --json`/`resume --json`: `run_id` and `status` as before, and the measures
    /// once the run has ended (null while it is open).
    struct RunResult: Encodable {
        let runID: String
        let status: String
        let measures: DrillMeasures?

        enum CodingKeys: String, CodingKey { case runID, status, measures }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(runID, forKey: .runID)
            try container.encode(status, forKey: .status)
            try container.encode(measures, forKey: .measures)
        }
    }
}
