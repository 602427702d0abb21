import Foundation
import LifeboatCore

extension RunEngine {
    /// A finished run against its runbook's objectives: the verdicts go on `run_finished`, and
    /// each miss is raised as `runbook.objective_missed`. A miss does not fail the run: the
    /// recovery worked, it was slower (or lost more) than promised, and people should hear it.
    func judgeObjectives(_ runbook: Runbook, runID: String, state: RunState, drill: Bool) -> [ObjectiveVerdict]? {
        let verdicts = DrillMeasures(state: state, runbook: runbook).objectives
        guard !verdicts.isEmpty else { return nil }
        for verdict in verdicts where !verdict.met {
            onEvent?(RunEvent(name: LifeboatEvent.Name.runbookObjectiveMissed.rawValue,
                              details: verdict.missedDetails(runID: runID, runbook: runbook.name, drill: drill)))
        }
        return verdicts
    }
}
