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

    /// `runbook run` and `resume`: what `RunbookCommand.printResult` prints, then the objectives
    /// (text only). `--json` keeps its flat `run_id`/`status` shape, which scripts read as a map
    /// of strings; a run's verdicts are in `lifeboat report RUN_ID --json` (`objectives`).
    static func printResult(_ runID: String, _ state: RunState, runbook: Runbook, json: Bool) throws {
        try RunbookCommand.printResult(runID, state, json: json)
        guard !json, state.finished == .succeeded else { return }
        print(DrillMeasures(state: state, runbook: runbook).objectives)
    }
}
