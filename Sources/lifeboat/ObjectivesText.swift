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
        let head = missed == 0 ? "objectives: all \(verdicts.count) met"
            : "objectives: \(missed) of \(verdicts.count) MISSED (the run's outcome stands; runbook.objective_missed was raised)"
        return [head] + verdicts.map { "  " + $0.summary }
    }

    static func print(_ verdicts: [ObjectiveVerdict]) {
        for line in lines(verdicts) { Swift.print(line) }
    }

    /// `runbook run` and `resume`: what `RunbookCommand.printResult` prints, with the measures
    /// and the objectives (in `--json`: `measures`, whose `objectives` hold each verdict).
    static func printResult(_ runID: String, _ state: RunState, runbook: Runbook, json: Bool) throws {
        let measures = DrillMeasures(state: state, runbook: runbook)
        let verdicts = state.finished == .succeeded ? measures.objectives : []
        if json {
            var shown = measures
            shown.objectives = verdicts
            try Terminal.printJSON(RunResult(runID: runID, status: state.finished?.rawValue ?? "open", measures: shown))
        } else {
            RunbookCommand.printStatus(runID, state)
            print(verdicts)
        }
    }

    /// `runbook run --json`: the run id and status as before, and the measures beside them.
    struct RunResult: Encodable {
        let runID: String
        let status: String
        let measures: DrillMeasures
    }
}
