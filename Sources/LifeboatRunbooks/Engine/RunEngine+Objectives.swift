import Foundation
import LifeboatCore

extension RunEngine {
    /// A finished run against its runbook's objectives: the verdicts go on `run_finished`, and
    /// each miss is raised as `runbook.objective_missed`. A miss does not fail the run: the
    /// recovery worked, it was slower (or lost more) than promised, and people should hear it.
    /// A drill is also compared with the scenario's recent drills (`drill.regressed`).
    func judgeRecovery(_ runbook: Runbook, runID: String, state: RunState, drill: Bool) -> [ObjectiveVerdict]? {
        let measures = DrillMeasures(state: state, runbook: runbook)
        if drill, let rto = measures.rtoSeconds, let started = state.startedAt,
            let regression = DrillRegression.check(
                rtoSeconds: rto, scenario: runbook.name, runID: runID, startedAt: started,
                runs: stateDirectory.appendingPathComponent("runs"))
        {
            note(
                "drill regressed: RTO \(String(format: "%.1fs", rto)) is \(String(format: "%.1f", rto / regression.medianSeconds))× "
                    + "the median of the last \(regression.compared.count) drill(s) of \(runbook.name) (\(String(format: "%.1fs", regression.medianSeconds)))"
            )
            onEvent?(
                RunEvent(
                    name: LifeboatEvent.Name.drillRegressed.rawValue,
                    details: regression.details(runID: runID, runbook: runbook.name)))
        }
        let verdicts = measures.objectives
        guard !verdicts.isEmpty else { return nil }
        for verdict in verdicts where !verdict.met {
            onEvent?(
                RunEvent(
                    name: LifeboatEvent.Name.runbookObjectiveMissed.rawValue,
                    details: verdict.missedDetails(runID: runID, runbook: runbook.name, drill: drill)))
        }
        return verdicts
    }
}
