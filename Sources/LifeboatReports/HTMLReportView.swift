import Foundation
import LifeboatRunbooks

/// What the HTML template shows, flattened to text, flags and lists. Nothing here is optional:
/// a Mustache name that is missing (or nil) on an inner object is looked up on the outer ones,
/// which would show a parent's value in the wrong place.
struct HTMLReportView {
    struct Field {
        let label: String
        let value: String
    }

    struct StepRow {
        let id: String
        let action: String
        let status: String
        let statusText: String
        let colour: String
        let start: String
        let end: String
        let duration: String
        let attempts: String
        let approval: String
        let outputs: String
        let message: String
        let hasMessage: Bool
        /// Its attempts, listed only when there were several.
        let tries: [TryRow]
    }

    /// Names differ from StepRow's so that none falls through to the step around it.
    struct TryRow {
        let number: String
        let tryStatus: String
        let tryColour: String
        let tryStart: String
        let tryEnd: String
        let tryDuration: String
        let tryMessage: String
    }

    struct ApprovalRow {
        let step: String
        let requested: String
        let approved: String
        let by: String
        let osUser: String
        let reason: String
        let waited: String
        let gateMessage: String
    }

    struct InterruptionRow {
        let stopped: String
        let cause: String
        let cut: String
        let state: String
        let resumed: String
        let resumedBy: String
        let resumeFlags: String
        let lost: String
    }

    struct DecisionRow {
        let decidedAt: String
        let decidedStep: String
        let kind: String
        let decidedBy: String
        let decidedOSUser: String
        let why: String
    }

    /// Names differ from the other rows' so that none falls through to an outer value.
    struct ObjectiveRow {
        let objectiveLabel: String
        let promised: String
        let achieved: String
        let verdict: String
        let verdictColour: String
    }

    struct ValidationRow {
        let step: String
        let action: String
        let checks: String
        let status: String
        let statusText: String
        let colour: String
        let result: String
    }

    /// Text with its `backticked` commands set as code, so they stand out and copy cleanly.
    struct Span {
        let text: String
        let code: Bool
    }

    struct Advice {
        let spans: [Span]
    }

    struct LegendEntry {
        let name: String
        let colour: String
    }

    let title: String
    let scenarioName: String
    let outcome: String
    let outcomeText: String
    let outcomeColour: String
    let hasOutcomeMessage: Bool
    let outcomeMessage: [Span]
    let drill: Bool
    let hasDescription: Bool
    let description: String
    let summary: [Field]
    let hasObjectives: Bool
    let objectiveSummary: String
    let objectives: [ObjectiveRow]
    let chartWidth: String
    let chartHeight: String
    let axisY: String
    let axisLabelY: String
    let axisTitleY: String
    let axisLeft: String
    let axisRight: String
    let axisMiddle: String
    let axisTitle: String
    let rows: [TimelineChart.Row]
    let gaps: [TimelineChart.Gap]
    let hasGaps: Bool
    let hasInterruptions: Bool
    let interruptionSummary: String
    let interruptions: [InterruptionRow]
    let hasDecisions: Bool
    let decisions: [DecisionRow]
    let ticks: [TimelineChart.Tick]
    /// The statuses this run's steps have, so a colour in the picture means a step had it.
    let legend: [LegendEntry]
    let hasApprovalWait: Bool
    let steps: [StepRow]
    let hasApprovals: Bool
    let approvals: [ApprovalRow]
    let hasValidations: Bool
    let validations: [ValidationRow]
    let hasBackup: Bool
    /// The physical restore's fields; empty when the run did none (the section is left out).
    let recovery: [Field]
    let hasRecovery: Bool
    let backup: [Field]
    let hasNextSteps: Bool
    let nextSteps: [Advice]
    let generated: String

    init(_ report: RunReport) {
        let start = report.startedAt
        let outcomeText = ReportText.outcome(report.outcome)
        title = "\(report.scenario.name) — \(outcomeText) — run \(report.runID)"
        scenarioName = report.scenario.name
        outcome = report.outcome.rawValue
        self.outcomeText = outcomeText
        outcomeColour = Self.colour(report.outcome)
        outcomeMessage = Self.spans(report.outcomeMessage ?? "")
        hasOutcomeMessage = !outcomeMessage.isEmpty
        drill = report.drill
        description = report.scenario.description?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        hasDescription = !description.isEmpty

        var summary = [
            Field(label: "Run", value: report.runID),
            Field(label: "Outcome", value: outcomeText)
        ]
        if let failed = report.failedStep { summary.append(Field(label: "Failed step", value: failed)) }
        if !report.interruptedSteps.isEmpty {
            summary.append(Field(label: "Interrupted step", value: report.interruptedSteps.joined(separator: ", ")))
        }
        if !report.interruptions.isEmpty {
            summary.append(
                Field(
                    label: "Interruptions",
                    value: "\(report.interruptions.count), \(ReportText.duration(report.interruptedSeconds)) lost"))
        }
        if !report.resumes.isEmpty {
            summary.append(
                Field(
                    label: "Resumed by",
                    value: report.resumes.map { "\($0.user ?? "?") (\(ReportText.flags($0.flags)))" }.joined(
                        separator: ", ")))
        }
        summary += [
            Field(label: "Scenario", value: report.scenario.name + (report.scenario.file.map { " (\($0))" } ?? "")),
            Field(label: "Runbook SHA-256", value: report.scenario.sha256 ?? "—"),
            Field(label: "Kind", value: report.drill ? "drill (scratch database, services recorded)" : "real run"),
            Field(label: "Target", value: report.target ?? "—"),
            Field(label: "Ran by", value: "\(report.user ?? "?") on \(report.host ?? "?")"),
            Field(label: "Started", value: ReportText.timestamp(report.startedAt)),
            Field(
                label: "Finished",
                value: report.finishedAt.map { ReportText.timestamp($0) }
                    ?? "— (last event \(ReportText.timestamp(report.lastEventAt)))"),
            Field(label: "Duration", value: ReportText.duration(report.durationSeconds)),
            Field(
                label: "RTO",
                value: report.measures.rtoSeconds.map { "\(ReportText.duration($0)) (\(ReportText.rtoMeaning))" }
                    ?? "not reached"),
            Field(
                label: "RPO",
                value: report.measures.rpoSeconds.map {
                    "\(ReportText.duration($0)) (\(ReportText.rpoMeaning(report.measures)))"
                } ?? "unknown (no backup chosen)"),
            Field(
                label: "Downtime",
                value: report.measures.downtimeSeconds.map {
                    "\(ReportText.duration($0)) (\(ReportText.downtimeMeaning))"
                } ?? "not measured (stopped and never started again)"),
            Field(label: "Inputs", value: ReportText.pairs(report.inputs))
        ]
        self.summary = summary
        objectives = report.objectives.map { objective in
            ObjectiveRow(
                objectiveLabel: objective.label, promised: objective.promised, achieved: objective.achieved,
                verdict: objective.mark,
                verdictColour: StatusColour.hex(objective.met ? .succeeded : .failed))
        }
        hasObjectives = !objectives.isEmpty
        let missed = report.objectives.filter { !$0.met }.count
        objectiveSummary =
            missed == 0 ? "Every objective was met." : "\(missed) of \(report.objectives.count) objectives missed."

        let chart = TimelineChart(report)
        chartWidth = TimelineChart.number(chart.width)
        chartHeight = TimelineChart.number(chart.height)
        axisY = TimelineChart.number(chart.axisY)
        axisLabelY = TimelineChart.number(chart.axisY + 16)
        axisTitleY = TimelineChart.number(chart.axisY + 34)
        axisLeft = TimelineChart.number(chart.labelWidth)
        axisRight = TimelineChart.number(chart.width - chart.rightMargin)
        axisMiddle = TimelineChart.number((chart.labelWidth + chart.width - chart.rightMargin) / 2)
        axisTitle = chart.axisTitle
        rows = chart.rows
        gaps = chart.gaps
        hasGaps = !gaps.isEmpty
        hasInterruptions = !report.interruptions.isEmpty
        interruptionSummary =
            "\(report.interruptions.count) interruption\(report.interruptions.count == 1 ? "" : "s"), "
            + "\(ReportText.duration(report.interruptedSeconds)) lost in all."
        interruptions = report.interruptions.map { stop in
            let resume = report.resumes.first { $0.at == stop.resumedAt }
            return InterruptionRow(
                stopped: ReportText.clock(stop.at, runStart: start), cause: stop.cause,
                cut: stop.steps.isEmpty ? "—" : stop.steps.joined(separator: ", "), state: stop.message ?? "—",
                resumed: stop.resumedAt == nil ? "not yet" : ReportText.clock(stop.resumedAt, runStart: start),
                resumedBy: resume?.user ?? "—", resumeFlags: resume.map { ReportText.flags($0.flags) } ?? "—",
                lost: ReportText.duration(stop.lostSeconds))
        }
        decisions = report.decisions.map { decision in
            DecisionRow(
                decidedAt: ReportText.clock(decision.at, runStart: start), decidedStep: decision.step,
                kind: decision.kind.rawValue,
                decidedBy: decision.by ?? "lifeboat (safe to redo)", decidedOSUser: decision.osUser ?? "—",
                why: decision.reason ?? "—")
        }
        hasDecisions = !decisions.isEmpty
        ticks = chart.ticks
        // The attempts' colours too: a step redone after an interruption ends succeeded, its first bar is not.
        let shown = Set(report.steps.map(\.status) + report.steps.flatMap { $0.attemptHistory.compactMap(\.status) })
        hasApprovalWait = chart.rows.contains { $0.hasWait }
        legend = ReportStep.Status.allCases.filter { shown.contains($0) }
            .map { LegendEntry(name: ReportText.status($0), colour: StatusColour.hex($0)) }

        steps = report.steps.map { step in
            var approval = "—"
            if let gate = step.approval {
                approval = gate.approvedBy.map { "by \($0)" } ?? "waiting"
                if let wait = gate.waitSeconds { approval += ", waited \(ReportText.duration(wait))" }
            }
            let tries =
                step.attemptHistory.count < 2
                ? []
                : step.attemptHistory.map { attempt in
                    TryRow(
                        number: String(attempt.number), tryStatus: attempt.status.map(ReportText.status) ?? "running",
                        tryColour: StatusColour.hex(attempt.status ?? .interrupted),
                        tryStart: ReportText.clock(attempt.startedAt, runStart: start),
                        tryEnd: ReportText.clock(attempt.finishedAt, runStart: start),
                        tryDuration: ReportText.duration(attempt.durationSeconds),
                        tryMessage: attempt.message ?? "")
                }
            return StepRow(
                id: step.id, action: step.actionLabel, status: step.status.rawValue,
                statusText: ReportText.status(of: step),
                colour: StatusColour.hex(step.status), start: ReportText.clock(step.startedAt, runStart: start),
                end: ReportText.clock(step.finishedAt, runStart: start),
                duration: ReportText.duration(step.durationSeconds),
                attempts: String(step.attempts), approval: approval, outputs: ReportText.pairs(step.outputs),
                message: step.message ?? "", hasMessage: step.message != nil, tries: tries)
        }
        approvals = report.steps.compactMap { step in
            step.approval.map { gate in
                ApprovalRow(
                    step: step.id, requested: ReportText.clock(gate.requestedAt, runStart: start),
                    approved: gate.approvedAt.map { ReportText.clock($0, runStart: start) }
                        ?? (step.status == .declined
                            ? "declined" : gate.waitingSince.map { ApprovalGate.waiting(since: $0) } ?? "not yet"),
                    by: gate.approvedBy ?? "—", osUser: gate.approvedByOSUser ?? "—", reason: gate.reason ?? "—",
                    waited: ReportText.duration(gate.waitSeconds), gateMessage: gate.message ?? "—")
            }
        }
        hasApprovals = !approvals.isEmpty
        validations = report.validations.map { check in
            ValidationRow(
                step: check.step, action: check.action, checks: check.checks, status: check.status.rawValue,
                statusText: ReportText.status(check.status), colour: StatusColour.hex(check.status),
                result: check.status == .succeeded
                    ? ReportText.pairs(check.outputs) : (check.message ?? ReportText.pairs(check.outputs)))
        }
        hasValidations = !validations.isEmpty
        if let chosen = report.backup {
            var fields = [
                Field(label: "Name", value: chosen.name), Field(label: "Type", value: chosen.type ?? "—"),
                Field(label: "Snapshot", value: ReportText.timestamp(chosen.snapshotAt)),
                Field(label: "Size", value: chosen.bytes.map { "\(ReportText.bytes($0)) (\($0) bytes)" } ?? "—"),
                Field(label: "SHA-256", value: chosen.sha256 ?? "—"),
                Field(label: "Source", value: [chosen.source, chosen.path].compactMap { $0 }.joined(separator: ": ")),
                Field(label: "Chosen by step", value: chosen.step)
            ]
            if let fetched = chosen.fetchedPath { fields.append(Field(label: "Fetched to", value: fetched)) }
            if let decrypted = chosen.decryptedPath { fields.append(Field(label: "Decrypted to", value: decrypted)) }
            backup = fields
        } else {
            backup = []
        }
        hasBackup = !backup.isEmpty
        recovery = report.recovery?.fields.map { Field(label: $0.0, value: $0.1) } ?? []
        hasRecovery = !recovery.isEmpty
        nextSteps = report.nextSteps.map { Advice(spans: Self.spans($0)) }
        hasNextSteps = !nextSteps.isEmpty
        generated = ReportText.timestamp(report.generatedAt)
    }

    /// Splits at backticks: every other piece is code.
    static func spans(_ text: String) -> [Span] {
        text.split(separator: "`", omittingEmptySubsequences: false).enumerated().compactMap { index, piece in
            piece.isEmpty ? nil : Span(text: String(piece), code: index % 2 == 1)
        }
    }

    static func colour(_ outcome: RunOutcome) -> String {
        switch outcome {
        case .succeeded: return StatusColour.hex(.succeeded)
        case .failed: return StatusColour.hex(.failed)
        case .aborted: return StatusColour.hex(.aborted)
        case .interrupted: return StatusColour.hex(.interrupted)
        }
    }
}
