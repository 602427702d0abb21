import Foundation
import LifeboatCore
import LifeboatRunbooks

/// A succeeded drill's measures and objective verdicts into the metrics ledger, read from its
/// journal (the verdicts as journaled on `run_finished`), so the metrics say what the report says.
enum DrillMetrics {
    static func record(_ event: RunEvent, runs: URL, into ledger: inout MetricsLedger) {
        guard event.details["drill"] == "true", let runID = event.details["run_id"],
            let runbook = event.details["runbook"],
            let events = try? RunJournal.read(
                runs.appendingPathComponent(runID).appendingPathComponent("journal.jsonl"))
        else { return }
        let state = RunState(events: events)
        guard state.finished == .succeeded else { return }
        let measures = DrillMeasures(state: state)
        let verdicts = events.last { $0.kind == .runFinished }?.objectives ?? []
        ledger.drills[runbook] = MetricsLedger.DrillStats(
            at: state.finishedAt ?? Date(), rtoSeconds: measures.rtoSeconds, rpoSeconds: measures.rpoSeconds,
            downtimeSeconds: measures.downtimeSeconds,
            objectivesMet: Dictionary(verdicts.map { ($0.objective.rawValue, $0.met) }, uniquingKeysWith: { $1 }))
    }
}
