import Foundation

/// The geometry of the HTML report's SVG timeline: one row per step on a time axis that runs
/// from the start of the run to its end (or its journal's last event), a bar per step coloured
/// by status, and the approval wait as a hatched segment before the bar. Numbers are computed
/// here so the template only places them.
struct TimelineChart {
    struct Row {
        let label: String
        let labelY: String
        let barX: String
        let barY: String
        let barWidth: String
        let barHeight: String
        let hasBar: Bool
        let colour: String
        let status: String
        /// Interrupted: the bar runs to the journal's end with a dashed edge, since its real end is unknown.
        let openEnded: Bool
        let hasWait: Bool
        let waitX: String
        let waitWidth: String
        let tooltip: String
    }

    struct Tick {
        let x: String
        let label: String
    }

    let width = 960.0
    let labelWidth = 170.0
    let rightMargin = 24.0
    let rowHeight = 26.0
    let barHeight = 16.0
    let top = 8.0

    let rows: [Row]
    let ticks: [Tick]
    let axisY: Double
    let height: Double
    let axisTitle: String

    init(_ report: RunReport) {
        let steps = report.steps
        let moments = steps.flatMap { [$0.startedAt, $0.finishedAt, $0.approval?.requestedAt, $0.approval?.approvedAt] }.compactMap { $0 }
        let origin = report.startedAt ?? moments.min() ?? report.generatedAt
        let end = ([report.finishedAt, report.lastEventAt].compactMap { $0 } + moments).max() ?? origin
        let span = max(end.timeIntervalSince(origin), 1)
        let left = labelWidth, right = width - rightMargin
        func x(_ date: Date) -> Double { left + (date.timeIntervalSince(origin) / span) * (right - left) }

        var rows: [Row] = []
        for (index, step) in steps.enumerated() {
            let rowTop = top + Double(index) * rowHeight
            let barTop = rowTop + (rowHeight - barHeight) / 2
            var barX = right, barWidth = 0.0
            let openEnded = step.status == .interrupted && step.finishedAt == nil
            if let start = step.startedAt {
                barX = x(start)
                barWidth = max(x(step.finishedAt ?? end) - barX, 3)
            } else if let finished = step.finishedAt {
                barX = x(finished) - 2  // ended without starting (skipped, recorded): a mark
                barWidth = 4
            } else if let asked = step.approval?.requestedAt {
                barX = x(asked)
            }
            var waitX = 0.0, waitWidth = 0.0
            if let asked = step.approval?.requestedAt {
                waitX = x(asked)
                waitWidth = max(x(step.approval?.approvedAt ?? end) - waitX, 2)
            }
            var tooltip = "\(step.id) (\(step.actionLabel)): \(ReportText.status(step.status))"
            if let duration = step.durationSeconds { tooltip += ", \(ReportText.duration(duration))" }
            if let wait = step.approval?.waitSeconds { tooltip += ", waited \(ReportText.duration(wait)) for approval" }
            if let message = step.message { tooltip += " — \(message)" }
            rows.append(Row(
                label: Self.shorten(step.id), labelY: Self.number(rowTop + rowHeight / 2 + 4),
                barX: Self.number(barX), barY: Self.number(barTop), barWidth: Self.number(barWidth), barHeight: Self.number(barHeight),
                hasBar: barWidth > 0, colour: StatusColour.hex(step.status), status: step.status.rawValue, openEnded: openEnded,
                hasWait: waitWidth > 0, waitX: Self.number(waitX), waitWidth: Self.number(waitWidth), tooltip: tooltip))
        }
        self.rows = rows
        axisY = top + Double(max(steps.count, 1)) * rowHeight + 4
        height = axisY + 40
        let step = Self.tickStep(span)
        ticks = stride(from: 0.0, through: span + 0.001, by: step).map { offset in
            Tick(x: Self.number(left + offset / span * (right - left)), label: Self.tickLabel(offset))
        }
        axisTitle = "time since the run started, \(ReportText.timestamp(origin)) (UTC)"
    }

    /// A round interval giving at most eight ticks across the run.
    static func tickStep(_ span: Double) -> Double {
        let candidates: [Double] = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400]
        return candidates.first { span / $0 <= 8 } ?? (span / 8).rounded(.up)
    }

    static func tickLabel(_ seconds: Double) -> String {
        let whole = Int(seconds.rounded())
        if whole < 60 { return "\(whole)s" }
        if whole < 3600 { return whole % 60 == 0 ? "\(whole / 60)m" : "\(whole / 60)m\(whole % 60)s" }
        return whole % 3600 == 0 ? "\(whole / 3600)h" : "\(whole / 3600)h\(whole % 3600 / 60)m"
    }

    /// SVG coordinates with one decimal, in the C locale whatever the machine's.
    static func number(_ value: Double) -> String { String(format: "%.1f", value) }

    /// Labels longer than the label column are cut (the tables carry the full id).
    static func shorten(_ id: String) -> String { id.count <= 22 ? id : String(id.prefix(21)) + "…" }
}
