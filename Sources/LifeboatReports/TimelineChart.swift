import Foundation

/// The geometry of the HTML report's SVG timeline: one row per step on a time axis that runs
/// from the start of the run to its end (or its journal's last event), a bar per attempt
/// coloured by how it ended (so a step redone after an interruption shows its tries side by
/// side, not one bar spanning the others), the approval wait as a hatched segment, and the
/// time the run stood still after an interruption as a band across all rows. Numbers are
/// computed here so the template only places them.
struct TimelineChart {
    /// Every name the template reads inside a bar is here: Mustache would otherwise find the row's.
    struct Bar {
        let barX: String
        let barY: String
        let barWidth: String
        let barHeight: String
        let colour: String
        /// Interrupted or still running: a dashed edge, since its real end is unknown.
        let openEnded: Bool
        let tooltip: String
    }

    struct Row {
        let label: String
        let labelY: String
        let barY: String
        let barHeight: String
        let bars: [Bar]
        let hasBar: Bool
        let colour: String
        let status: String
        let openEnded: Bool
        let hasWait: Bool
        let waitX: String
        let waitWidth: String
        let tooltip: String
    }

    /// The run standing still: from an interruption to the resume (or the journal's end).
    struct Gap {
        let gapX: String
        let gapWidth: String
        let gapHeight: String
        let gapTooltip: String
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
    let gaps: [Gap]
    let ticks: [Tick]
    let axisY: Double
    let height: Double
    let axisTitle: String

    init(_ report: RunReport) {
        let steps = report.steps
        let moments =
            steps.flatMap { [$0.startedAt, $0.finishedAt, $0.approval?.requestedAt, $0.approval?.approvedAt] }
            .compactMap { $0 }
            + steps.flatMap { $0.attemptHistory.flatMap { [$0.startedAt, $0.finishedAt] } }.compactMap { $0 }
        let origin = report.startedAt ?? moments.min() ?? report.generatedAt
        let end = ([report.finishedAt, report.lastEventAt].compactMap { $0 } + moments).max() ?? origin
        let span = max(end.timeIntervalSince(origin), 1)
        let left = labelWidth, right = width - rightMargin
        func x(_ date: Date) -> Double { left + (date.timeIntervalSince(origin) / span) * (right - left) }

        var rows: [Row] = []
        for (index, step) in steps.enumerated() {
            let rowTop = top + Double(index) * rowHeight
            let barTop = rowTop + (rowHeight - barHeight) / 2
            let openEnded = step.status == .interrupted && step.finishedAt == nil
            var bars: [Bar] = []
            let height = Self.number(barHeight)
            func bar(_ from: Double, _ width: Double, _ status: ReportStep.Status, open: Bool, _ tip: String) {
                bars.append(
                    Bar(
                        barX: Self.number(from), barY: Self.number(barTop), barWidth: Self.number(width),
                        barHeight: height,
                        colour: StatusColour.hex(status), openEnded: open, tooltip: tip))
            }
            for (index, attempt) in step.attemptHistory.enumerated() {
                // An attempt's end; one with none (a journal from before interruptions were recorded) ends where the next begins.
                let next = index + 1 < step.attemptHistory.count ? step.attemptHistory[index + 1].startedAt : nil
                // Killed: its end is unknown, so the bar stops at the last moment the run was known alive.
                let stop =
                    attempt.finishedAt ?? report.interruptions.first { $0.at >= attempt.startedAt }?.at ?? next ?? end
                let status = attempt.status ?? (step.status == .interrupted ? .interrupted : step.status)
                let from = x(attempt.startedAt)
                var tip = "\(step.id) attempt \(attempt.number): \(ReportText.status(status))"
                if let duration = attempt.durationSeconds { tip += ", \(ReportText.duration(duration))" }
                if let message = attempt.message { tip += " — \(message)" }
                bar(
                    from, max(x(stop) - from, 3), status, open: attempt.status == nil || attempt.status == .interrupted,
                    tip)
            }
            if bars.isEmpty, let start = step.startedAt {  // a report built without attempts
                bar(x(start), max(x(step.finishedAt ?? end) - x(start), 3), step.status, open: openEnded, step.id)
            } else if bars.isEmpty, let finished = step.finishedAt {
                // ended without starting (skipped, recorded): a mark
                bar(x(finished) - 2, 4, step.status, open: false, step.id)
            }
            var waitX = 0.0, waitWidth = 0.0
            if let asked = step.approval?.requestedAt {
                waitX = x(asked)
                waitWidth = max(x(step.approval?.approvedAt ?? end) - waitX, 2)
            }
            var tooltip = "\(step.id) (\(step.actionLabel)): \(ReportText.status(of: step))"
            if step.attemptHistory.count > 1 { tooltip += ", \(step.attemptHistory.count) attempts" }
            if let duration = step.durationSeconds { tooltip += ", \(ReportText.duration(duration))" }
            if let wait = step.approval?.waitSeconds { tooltip += ", waited \(ReportText.duration(wait)) for approval" }
            if let message = step.message { tooltip += " — \(message)" }
            rows.append(
                Row(
                    label: Self.shorten(step.id), labelY: Self.number(rowTop + rowHeight / 2 + 4),
                    barY: Self.number(barTop), barHeight: Self.number(barHeight), bars: bars,
                    hasBar: !bars.isEmpty, colour: StatusColour.hex(step.status), status: step.status.rawValue,
                    openEnded: openEnded,
                    hasWait: waitWidth > 0, waitX: Self.number(waitX), waitWidth: Self.number(waitWidth),
                    tooltip: tooltip))
        }
        self.rows = rows
        axisY = top + Double(max(steps.count, 1)) * rowHeight + 4
        let axis = axisY
        gaps = report.interruptions.map { stop in
            let from = x(stop.at)
            var tip = "interrupted: \(stop.cause)"
            if let lost = stop.lostSeconds { tip += ": \(ReportText.duration(lost)) until the resume" }
            if let message = stop.message { tip += " — \(message)" }
            return Gap(
                gapX: Self.number(from), gapWidth: Self.number(max(x(stop.resumedAt ?? end) - from, 2)),
                gapHeight: Self.number(axis), gapTooltip: tip)
        }
        height = axisY + 40
        let step = Self.tickStep(span)
        ticks = stride(from: 0.0, through: span + 0.001, by: step).map { offset in
            Tick(x: Self.number(left + offset / span * (right - left)), label: Self.tickLabel(offset))
        }
        axisTitle = "time since the run started, \(ReportText.timestamp(origin)) (UTC)"
    }

    /// A round interval giving at most eight ticks across the run.
    static func tickStep(_ span: Double) -> Double {
        let candidates: [Double] = [
            1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400
        ]
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
