import Foundation

/// The geometry of one scenario's chart on the HTML history page: a panel for RTO above a
/// panel for RPO, sharing a time axis, each with the runs' achieved values as points joined by
/// a line and the objective as a dashed step line (a runbook's objective can change between
/// runs, so each run is drawn against the objective it was judged by). A point that missed
/// its objective is red with a white cross, one that met it green, one not judged grey. RTO and RPO
/// get a panel each because they differ by orders of magnitude (minutes against a day): on one
/// axis the RTO would lie flat on zero. Numbers are computed here so the template only places them.
struct HistoryChart {
    /// Every name the template reads inside a point is here: Mustache would otherwise find the panel's.
    struct Point {
        let pointX: String
        let pointY: String
        let pointColour: String
        let missed: Bool
        /// The white cross inside a missed point (so a miss reads without colour too), as an SVG path.
        let cross: String
        let pointTooltip: String
    }

    struct GridLine {
        let gridY: String
        let gridLabel: String
        let gridLabelY: String
    }

    struct Panel {
        let measure: String
        let panelTitle: String
        let panelTitleY: String
        let points: [Point]
        let hasLine: Bool
        let line: String
        let hasObjective: Bool
        /// The objective as a step path across the panel.
        let objectivePath: String
        let objectiveTooltip: String
        let noObjective: String
        let noObjectiveY: String
        let grid: [GridLine]
        let frameY: String
        let frameHeight: String
    }

    struct Tick {
        let tickX: String
        let tickLabel: String
    }

    static let width = 960.0
    static let left = 90.0
    static let right = 930.0
    static let panelHeight = 150.0
    static let panelGap = 44.0
    static let top = 26.0
    /// The dashed objective line: a blue that no point has, so it reads as the promise, not a run.
    static let objectiveColour = "#1565c0"
    static let metColour = StatusColour.hex(.succeeded)
    static let missedColour = StatusColour.hex(.failed)
    static let unjudgedColour = StatusColour.hex(.skipped)

    let scenario: String
    let panels: [Panel]
    let ticks: [Tick]
    let axisY: String
    let tickLabelY: String
    let height: String
    let axisTitle: String
    let axisTitleY: String
    let summary: String

    /// `rows`: the runs of one scenario, oldest first.
    init(scenario: String, rows: [RunHistory.Row]) {
        self.scenario = scenario
        let times = rows.compactMap(\.startedAt)
        let first = times.min() ?? Date(timeIntervalSince1970: 0)
        let last = times.max() ?? first
        // A single run (or runs within a second) sits in the middle instead of on the frame.
        let span = last.timeIntervalSince(first)
        let inset = 24.0
        func x(_ date: Date) -> Double {
            span < 1
                ? (Self.left + Self.right) / 2
                : Self.left + inset + date.timeIntervalSince(first) / span * (Self.right - Self.left - 2 * inset)
        }
        let measures: [(kind: String, label: String, value: (RunHistory.Row) -> Double?)] = [
            ("rto", "RTO (start to validated data)", { $0.rtoSeconds }),
            ("rpo", "RPO (data lost: target time minus the restored data's time)", { $0.rpoSeconds })
        ]
        panels = measures.enumerated().map { index, measure in
            Self.panel(
                measure.kind, measure.label, top: Self.top + Double(index) * (Self.panelHeight + Self.panelGap),
                rows: rows, value: measure.value, x: x)
        }
        let bottom = Self.top + Double(measures.count) * Self.panelHeight + Double(measures.count - 1) * Self.panelGap
        axisY = Self.number(bottom)
        tickLabelY = Self.number(bottom + 16)
        axisTitleY = Self.number(bottom + 34)
        height = Self.number(bottom + 44)
        let labels = span < 86_400 ? "HH:mm:ss" : span < 7 * 86_400 ? "MM-dd HH:mm" : "yyyy-MM-dd"
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = labels
        let count = span < 1 ? 1 : 5
        ticks = (0..<count).map { step in
            let date = count == 1 ? first : first.addingTimeInterval(span * Double(step) / Double(count - 1))
            return Tick(tickX: Self.number(x(date)), tickLabel: formatter.string(from: date))
        }
        axisTitle = "when the run started (UTC), \(ReportText.timestamp(first)) to \(ReportText.timestamp(last))"
        let drills = rows.filter(\.drill).count
        let missed = rows.filter { $0.objectivesMet == false }.count
        summary =
            "\(rows.count) run\(rows.count == 1 ? "" : "s") (\(drills) drill\(drills == 1 ? "" : "s")), "
            + (missed == 0 ? "no objective missed" : "\(missed) missed an objective")
    }

    private static func panel(
        _ kind: String, _ label: String, top: Double, rows: [RunHistory.Row],
        value: (RunHistory.Row) -> Double?, x: (Date) -> Double
    ) -> Panel {
        let measured = rows.compactMap { row -> (row: RunHistory.Row, at: Date, value: Double)? in
            guard let at = row.startedAt, let achieved = value(row) else { return nil }
            return (row, at, achieved)
        }
        let judged = rows.compactMap { row -> (at: Date, objective: ReportObjective)? in
            guard let at = row.startedAt, let objective = row.objectives.first(where: { $0.objective == kind }) else {
                return nil
            }
            return (at, objective)
        }
        let values = measured.map(\.value) + judged.map(\.objective.objectiveSeconds)
        let low = min(0, values.min() ?? 0)
        let high = max(values.max() ?? 1, low + 0.001) * 1.1
        let bottom = top + panelHeight
        func y(_ seconds: Double) -> Double { bottom - (seconds - low) / (high - low) * panelHeight }

        let points = measured.map { entry -> Point in
            let verdict = entry.row.objectives.first { $0.objective == kind }
            let px = x(entry.at), py = y(entry.value)
            var tip =
                "\(entry.row.drill ? "drill" : "real run") \(entry.row.runID), \(ReportText.timestamp(entry.at)): "
                + "\(kind.uppercased()) \(ReportText.duration(entry.value))"
            if let verdict { tip += " against \(verdict.promised): \(verdict.met ? "met" : "MISSED")" }
            let missed = verdict?.met == false
            return Point(
                pointX: number(px), pointY: number(py),
                pointColour: verdict.map { $0.met ? metColour : missedColour } ?? unjudgedColour, missed: missed,
                cross:
                    "M\(number(px - 4)) \(number(py - 4)) L\(number(px + 4)) \(number(py + 4)) M\(number(px - 4)) \(number(py + 4)) L\(number(px + 4)) \(number(py - 4))",
                pointTooltip: tip)
        }
        let line = measured.map { "\(number(x($0.at))),\(number(y($0.value)))" }.joined(separator: " ")

        // The objective: from the left edge at the first judged run's objective, stepping at each run.
        var objectivePath = ""
        if let first = judged.first {
            objectivePath = "M\(number(left)) \(number(y(first.objective.objectiveSeconds)))"
            for entry in judged.dropFirst() {
                objectivePath += " H\(number(x(entry.at))) V\(number(y(entry.objective.objectiveSeconds)))"
            }
            objectivePath += " H\(number(right))"
        }
        var promised: [String] = []
        for objective in judged.map(\.objective.promised) where promised.last != objective {
            promised.append(objective)
        }
        let grid = (0...3).map { step -> GridLine in
            let seconds = low + (high - low) * Double(step) / 3
            return GridLine(
                gridY: number(y(seconds)), gridLabel: ReportText.duration(seconds), gridLabelY: number(y(seconds) + 4))
        }
        return Panel(
            measure: kind, panelTitle: label, panelTitleY: number(top - 8), points: points, hasLine: measured.count > 1,
            line: line,
            hasObjective: !judged.isEmpty, objectivePath: objectivePath,
            objectiveTooltip: "\(kind.uppercased()) objective: \(promised.joined(separator: ", then "))",
            noObjective: "no \(kind.uppercased()) objective declared", noObjectiveY: number(top + 14),
            grid: grid, frameY: number(top), frameHeight: number(panelHeight))
    }

    /// SVG coordinates with one decimal, in the C locale whatever the machine's.
    static func number(_ value: Double) -> String { TimelineChart.number(value) }
}
