import Foundation
import LifeboatRunbooks

/// The report as Markdown: for the incident ticket, the post-mortem document, or a terminal.
enum MarkdownReportRenderer {
    static func render(_ report: RunReport) -> String {
        var lines: [String] = []
        let start = report.startedAt
        lines.append("# Run report: \(text(report.scenario.name)) — \(ReportText.outcome(report.outcome))")
        lines.append("")
        if let description = report.scenario.description?.trimmingCharacters(in: .whitespacesAndNewlines),
            !description.isEmpty
        {
            lines += description.split(separator: "\n", omittingEmptySubsequences: false).map {
                "> " + text(String($0))
            }
            lines.append("")
        }

        lines += ["| | |", "|---|---|"]
        var summary: [(String, String)] = [
            ("Run", "`\(report.runID)`"),
            (
                "Outcome",
                "**\(ReportText.outcome(report.outcome))**" + (report.outcomeMessage.map { " — " + cell($0) } ?? "")
            ),
            ("Scenario", cell(report.scenario.name) + (report.scenario.file.map { " (" + cell($0) + ")" } ?? "")),
            ("Runbook SHA-256", cell(report.scenario.sha256 ?? "—")),
            ("Kind", report.drill ? "drill (scratch database, services recorded)" : "real run"),
            ("Target", cell(report.target ?? "—")),
            ("Ran by", cell(report.user ?? "?") + " on " + cell(report.host ?? "?")),
            ("Started", ReportText.timestamp(report.startedAt)),
            (
                "Finished",
                report.finishedAt.map { ReportText.timestamp($0) }
                    ?? "— (last event \(ReportText.timestamp(report.lastEventAt)))"
            ),
            ("Duration", ReportText.duration(report.durationSeconds)),
            (
                "RTO",
                report.measures.rtoSeconds.map { "\(ReportText.duration($0)) (\(ReportText.rtoMeaning))" }
                    ?? "not reached"
            ),
            (
                "RPO",
                report.measures.rpoSeconds.map {
                    "\(ReportText.duration($0)) (\(ReportText.rpoMeaning(report.measures)))"
                } ?? "unknown (no backup chosen)"
            ),
            (
                "Downtime",
                report.measures.downtimeSeconds.map { "\(ReportText.duration($0)) (\(ReportText.downtimeMeaning))" }
                    ?? "not measured (stopped and never started again)"
            ),
            ("Inputs", cell(ReportText.pairs(report.inputs)))
        ]
        if let failed = report.failedStep { summary.insert(("Failed step", cell(failed)), at: 2) }
        if !report.interruptedSteps.isEmpty {
            summary.insert(("Interrupted step", cell(report.interruptedSteps.joined(separator: ", "))), at: 2)
        }
        if !report.interruptions.isEmpty {
            summary.append(
                (
                    "Interruptions",
                    "\(report.interruptions.count), \(ReportText.duration(report.interruptedSeconds)) lost"
                ))
        }
        if !report.resumes.isEmpty {
            summary.append(
                (
                    "Resumed by",
                    cell(
                        report.resumes.map { "\($0.user ?? "?") (\(ReportText.flags($0.flags)))" }.joined(
                            separator: ", "))
                ))
        }
        lines += summary.map { "| \($0.0) | \($0.1) |" }
        lines.append("")

        if !report.objectives.isEmpty {
            let missed = report.objectives.filter { !$0.met }.count
            lines += [
                "## Objectives", "",
                missed == 0
                    ? "Every objective was met." : "**\(missed) of \(report.objectives.count) objectives missed.**", ""
            ]
            lines += ["| objective | promised | achieved | verdict |", "|---|---|---|---|"]
            for objective in report.objectives {
                lines.append(
                    "| \(objective.label) | \(objective.promised) | \(objective.achieved) | \(objective.met ? objective.mark : "**\(objective.mark)**") |"
                )
            }
            lines.append("")
        }

        lines += ["## Timeline", "", "Times are UTC\(start.map { ", on \(dayFormatter.string(from: $0))" } ?? "").", ""]
        lines += ["| step | action | status | start | end | duration | attempts |", "|---|---|---|---|---|---|---|"]
        for step in report.steps {
            let plain = ReportText.status(of: step)
            let status = step.status == .failed || step.status == .interrupted ? "**\(plain)**" : plain
            lines.append(
                "| \(cell(step.id)) | \(cell(step.actionLabel)) | \(status) | \(ReportText.clock(step.startedAt, runStart: start)) | "
                    + "\(ReportText.clock(step.finishedAt, runStart: start)) | \(ReportText.duration(step.durationSeconds)) | \(step.attempts) |"
            )
            // Several tries: each with its own times, so a redone step's duration is its work, not the wait.
            guard step.attemptHistory.count > 1 else { continue }
            for attempt in step.attemptHistory {
                lines.append(
                    "| ↳ attempt \(attempt.number) | | \(attempt.status.map(ReportText.status) ?? "running") | \(ReportText.clock(attempt.startedAt, runStart: start)) | "
                        + "\(ReportText.clock(attempt.finishedAt, runStart: start)) | \(ReportText.duration(attempt.durationSeconds)) | |"
                )
            }
        }
        lines.append("")
        if !report.interruptions.isEmpty {
            lines += [
                "### Interruptions", "",
                "\(report.interruptions.count) interruption\(report.interruptions.count == 1 ? "" : "s"), \(ReportText.duration(report.interruptedSeconds)) lost in all.",
                ""
            ]
            lines += [
                "| stopped | cause | steps cut short | state left | resumed | by | flags | lost |",
                "|---|---|---|---|---|---|---|---|"
            ]
            for stop in report.interruptions {
                let resume = report.resumes.first { $0.at == stop.resumedAt }
                lines.append(
                    "| \(ReportText.clock(stop.at, runStart: start)) | \(cell(stop.cause)) | "
                        + "\(cell(stop.steps.isEmpty ? "—" : stop.steps.joined(separator: ", "))) | \(cell(stop.message ?? "—")) | "
                        + "\(stop.resumedAt == nil ? "**not yet**" : ReportText.clock(stop.resumedAt, runStart: start)) | \(cell(resume?.user ?? "—")) | "
                        + "\(cell(resume.map { ReportText.flags($0.flags) } ?? "—")) | \(ReportText.duration(stop.lostSeconds)) |"
                )
            }
            lines.append("")
        }
        if !report.decisions.isEmpty {
            lines += ["### Decisions", "", "| at | step | decision | by | OS user | why |", "|---|---|---|---|---|---|"]
            for decision in report.decisions {
                lines.append(
                    "| \(ReportText.clock(decision.at, runStart: start)) | \(cell(decision.step)) | \(decision.kind.rawValue) | "
                        + "\(cell(decision.by ?? "lifeboat (safe to redo)")) | \(cell(decision.osUser ?? "—")) | \(cell(decision.reason ?? "—")) |"
                )
            }
            lines.append("")
        }
        let details = report.steps.filter { !$0.outputs.isEmpty || $0.message != nil }
        if !details.isEmpty {
            lines += ["### Step details", ""]
            for step in details {
                var line = "- **\(text(step.id))** (\(text(ReportText.status(step.status))))"
                if let message = step.message { line += ": " + text(message) }
                lines.append(line)
                if !step.outputs.isEmpty { lines.append("  - outputs: " + text(ReportText.pairs(step.outputs))) }
            }
            lines.append("")
        }

        let gated = report.steps.filter { $0.approval != nil }
        lines += ["## Approvals", ""]
        if gated.isEmpty {
            lines += ["No step of this run had an approval gate.", ""]
        } else {
            lines += [
                "| step | requested | approved | by | OS user | reason | waited | message |",
                "|---|---|---|---|---|---|---|---|"
            ]
            for step in gated {
                guard let approval = step.approval else { continue }
                let approved =
                    approval.approvedAt.map { ReportText.clock($0, runStart: start) }
                    ?? (step.status == .declined
                        ? "**declined**"
                        : approval.waitingSince.map { "**\(ApprovalGate.waiting(since: $0))**" } ?? "**not yet**")
                lines.append(
                    "| \(cell(step.id)) | \(ReportText.clock(approval.requestedAt, runStart: start)) | \(approved) | "
                        + "\(cell(approval.approvedBy ?? "—")) | \(cell(approval.approvedByOSUser ?? "—")) | \(cell(approval.reason ?? "—")) | "
                        + "\(ReportText.duration(approval.waitSeconds)) | \(cell(approval.message ?? "—")) |")
            }
            lines.append("")
        }

        lines += ["## Validation", ""]
        if report.validations.isEmpty {
            lines += ["No validation step ran (backup.verify, validate.row_counts, sql.check).", ""]
        } else {
            lines += ["| step | action | checks | status | result |", "|---|---|---|---|---|"]
            for check in report.validations {
                let result =
                    check.status == .succeeded
                    ? ReportText.pairs(check.outputs) : (check.message ?? ReportText.pairs(check.outputs))
                lines.append(
                    "| \(cell(check.step)) | \(cell(check.action)) | \(cell(check.checks)) | \(ReportText.status(check.status)) | \(cell(result)) |"
                )
            }
            lines.append("")
        }

        lines += ["## Backup", ""]
        if let backup = report.backup {
            lines += ["| | |", "|---|---|"]
            var rows: [(String, String)] = [
                ("Name", cell(backup.name)), ("Type", cell(backup.type ?? "—")),
                ("Snapshot", ReportText.timestamp(backup.snapshotAt)),
                ("Size", backup.bytes.map { "\(ReportText.bytes($0)) (\($0) bytes)" } ?? "—"),
                ("SHA-256", cell(backup.sha256 ?? "—")),
                ("Source", cell([backup.source, backup.path].compactMap { $0 }.joined(separator: ": "))),
                ("Chosen by step", cell(backup.step))
            ]
            if let fetched = backup.fetchedPath { rows.append(("Fetched to", cell(fetched))) }
            if let decrypted = backup.decryptedPath { rows.append(("Decrypted to", cell(decrypted))) }
            lines += rows.map { "| \($0.0) | \($0.1) |" }
        } else {
            lines.append("The run chose no backup (no backup.select step succeeded).")
        }
        lines.append("")

        if let recovery = report.recovery {
            lines += ["## Recovery", "", "| | |", "|---|---|"]
            lines += recovery.fields.map { "| \($0.0) | \(cell($0.1)) |" }
            lines.append("")
        }

        if !report.nextSteps.isEmpty {
            lines += ["## Next steps", ""]
            lines += report.nextSteps.enumerated().map { "\($0.offset + 1). \(text($0.element))" }
            lines.append("")
        }
        lines.append("---")
        lines.append("Written by Lifeboat from the run's journal alone, \(ReportText.timestamp(report.generatedAt)).")
        return lines.joined(separator: "\n") + "\n"
    }

    private static var dayFormatter: DateFormatter {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd"
        return formatter
    }

    /// Journal text is untrusted: it must not open HTML or an entity in renderers that allow
    /// them, nor break a line in two. Backslash escapes do that and still read well as plain
    /// text in a terminal (`\<db>`), unlike `&lt;db&gt;`.
    static func text(_ value: String) -> String {
        value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "<", with: "\\<")
            .replacingOccurrences(of: "&", with: "\\&").replacingOccurrences(of: "\r", with: "")
            .replacingOccurrences(of: "\n", with: " ")
    }

    /// Text for a table cell: a `|` would end the cell.
    static func cell(_ value: String) -> String {
        text(value).replacingOccurrences(of: "|", with: "\\|")
    }
}
