import Foundation

/// What the history page's template shows: a chart per scenario (`HistoryChart`) and the runs'
/// table, flattened to text. Nothing is optional, and names differ between levels, so that
/// Mustache never shows an outer value where an inner one is missing (see `HTMLReportView`).
struct HistoryHTMLView {
    struct RunRow {
        let started: String
        let rowScenario: String
        let kind: String
        let outcome: String
        let outcomeSwatch: String
        let backup: String
        let rto: String
        let rpo: String
        let downtime: String
        let objectives: String
        let runID: String
    }

    let headline: String
    let outcomeColour: String
    let hasRows: Bool
    let charts: [HistoryChart]
    let rows: [RunRow]
    let generated: String
    let chartWidth = HistoryChart.number(HistoryChart.width)
    let axisLeft = HistoryChart.number(HistoryChart.left)
    let axisRight = HistoryChart.number(HistoryChart.right)
    let axisMiddle = HistoryChart.number((HistoryChart.left + HistoryChart.right) / 2)
    let plotWidth = HistoryChart.number(HistoryChart.right - HistoryChart.left)
    let gridLabelX = HistoryChart.number(HistoryChart.left - 6)
    let noObjectiveX = HistoryChart.number(HistoryChart.left + 8)
    let objectiveColour = HistoryChart.objectiveColour
    let metColour = HistoryChart.metColour
    let missedColour = HistoryChart.missedColour
    let unjudgedColour = HistoryChart.unjudgedColour

    init(_ history: RunHistory) {
        let rows = history.rows
        hasRows = !rows.isEmpty
        var scenarios: [String] = []
        for row in rows where !scenarios.contains(row.scenario) { scenarios.append(row.scenario) }
        charts = scenarios.sorted().map { name in
            HistoryChart(scenario: name, rows: rows.filter { $0.scenario == name })
        }
        let missed = rows.filter { $0.objectivesMet == false }.count
        let judged = rows.filter { $0.objectivesMet != nil }.count
        if rows.isEmpty {
            headline =
                "No run matches. Drills (lifeboat drill) and runs (lifeboat runbook run) appear here once they have started."
        } else {
            let drills = rows.filter(\.drill).count
            headline =
                "\(rows.count) run\(rows.count == 1 ? "" : "s") (\(drills) drill\(drills == 1 ? "" : "s")) of \(scenarios.count) scenario\(scenarios.count == 1 ? "" : "s"); "
                + (judged == 0
                    ? "none was judged against objectives." : "\(missed) of \(judged) judged missed an objective.")
        }
        outcomeColour = missed > 0 ? HistoryChart.missedColour : HistoryChart.metColour
        self.rows = rows.map { row in
            RunRow(
                started: ReportText.timestamp(row.startedAt), rowScenario: row.scenario,
                kind: row.drill ? "drill" : "real",
                outcome: ReportText.outcome(row.outcome), outcomeSwatch: HTMLReportView.colour(row.outcome),
                backup: row.backup ?? "—",
                rto: ReportText.duration(row.rtoSeconds), rpo: ReportText.duration(row.rpoSeconds),
                downtime: ReportText.duration(row.downtimeSeconds), objectives: RunHistory.objectivesCell(row),
                runID: row.runID)
        }
        generated = ReportText.timestamp(history.generatedAt)
    }
}
