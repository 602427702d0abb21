import Foundation

/// A drill that recovered much more slowly than the scenario's recent drills: the early
/// warning that recovery is growing with the database (or a dependency got slower) before an
/// objective is missed. Told from the journals under `runs/`, like everything else.
public struct DrillRegression: Sendable, Equatable {
    /// How many earlier drills the median is taken over, newest first.
    public static let window = 5
    /// A drill whose RTO is at least this many times the median has regressed.
    public static let factor = 1.5

    public let rtoSeconds: Double
    public let medianSeconds: Double
    /// The earlier drills compared with (run ids, newest first): between 1 and `window`.
    public let compared: [String]

    /// The regression of a drill of `scenario` with `rtoSeconds`, started at `startedAt`, against
    /// the succeeded drills of the same scenario that started before it; nil when it did not
    /// regress or no earlier drill measured an RTO.
    public static func check(rtoSeconds: Double, scenario: String, runID: String, startedAt: Date, runs: URL)
        -> DrillRegression?
    {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: runs.path)) ?? []
        let earlier = names.filter { $0 != runID && !$0.hasPrefix(".") }.compactMap { name -> (String, Date, Double)? in
            guard
                let events = try? RunJournal.read(
                    runs.appendingPathComponent(name).appendingPathComponent("journal.jsonl"))
            else { return nil }
            let state = RunState(events: events)
            guard state.drill, state.finished == .succeeded, state.runbookName == scenario,
                let started = state.startedAt, started < startedAt, let rto = DrillMeasures(state: state).rtoSeconds
            else { return nil }
            return (name, started, rto)
        }.sorted { $0.1 > $1.1 }.prefix(window)
        guard !earlier.isEmpty else { return nil }
        let median = Self.median(earlier.map(\.2))
        guard median > 0, rtoSeconds >= factor * median else { return nil }
        return DrillRegression(rtoSeconds: rtoSeconds, medianSeconds: median, compared: earlier.map(\.0))
    }

    static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        let middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }

    /// The details of a `drill.regressed` event.
    public func details(runID: String, runbook: String) -> [String: String] {
        [
            "run_id": runID, "runbook": runbook, "rto_seconds": String(format: "%.3f", rtoSeconds),
            "median_seconds": String(format: "%.3f", medianSeconds),
            "factor": String(format: "%.2f", rtoSeconds / medianSeconds),
            "compared": compared.joined(separator: ",")
        ]
    }
}
