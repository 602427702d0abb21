import Foundation
import Mustache

/// The formats `lifeboat history` writes.
public enum HistoryFormat: String, CaseIterable, Sendable {
    case markdown = "md"
    case html
    case json
}

extension RunHistory {
    /// The history as a document in `format`, ending with a newline. JSON follows
    /// `docs/history.schema.json`; HTML is one self-contained page with a chart per scenario.
    public func render(_ format: HistoryFormat) throws -> String {
        switch format {
        case .json: return String(decoding: try JSONReportRenderer.encoder.encode(self), as: UTF8.self) + "\n"
        case .markdown: return markdown
        case .html: return try html()
        }
    }

    /// The page of `HistoryHTMLTemplate`, with the run report's style sheet.
    private func html() throws -> String {
        let library: MustacheLibrary
        do {
            library = MustacheLibrary(templates: [
                "history": try MustacheTemplate(string: HistoryHTMLTemplate.page),
                "style": try MustacheTemplate(string: HTMLReportTemplate.style),
                "head": try MustacheTemplate(string: HTMLReportTemplate.head)
            ])
        } catch {
            throw ReportError(
                .template, "the HTML history template does not parse: \(error)",
                hint: "this is a bug in Lifeboat: write the history with --format md or json meanwhile")
        }
        guard let page = library.render(HistoryHTMLView(self), withTemplate: "history") else {
            throw ReportError(.template, "the HTML history template is missing", hint: "this is a bug in Lifeboat")
        }
        return page
    }

    private var markdown: String {
        var lines = ["# Recovery history", ""]
        guard !rows.isEmpty else {
            return
                (lines + [
                    "No run matches. Drills (`lifeboat drill`) and runs (`lifeboat runbook run`) appear here once they have started.",
                    ""
                ])
                .joined(separator: "\n")
        }
        let drills = rows.filter(\.drill).count
        let judged = rows.filter { $0.objectivesMet != nil }
        let missed = judged.filter { $0.objectivesMet == false }.count
        lines.append(
            "\(rows.count) run\(rows.count == 1 ? "" : "s") (\(drills) drill\(drills == 1 ? "" : "s")), oldest first; times are UTC. "
                + (judged.isEmpty
                    ? "No run was judged against objectives."
                    : "\(missed) of \(judged.count) judged missed an objective."))
        lines += [
            "", "| started | scenario | kind | outcome | backup | RTO | RPO | downtime | objectives | run |",
            "|---|---|---|---|---|---|---|---|---|---|"
        ]
        for row in rows {
            let cells = [
                ReportText.timestamp(row.startedAt), MarkdownReportRenderer.cell(row.scenario),
                row.drill ? "drill" : "real",
                row.outcome == .succeeded ? ReportText.outcome(row.outcome) : "**\(ReportText.outcome(row.outcome))**",
                MarkdownReportRenderer.cell(row.backup ?? "—"), ReportText.duration(row.rtoSeconds),
                ReportText.duration(row.rpoSeconds),
                ReportText.duration(row.downtimeSeconds), Self.objectivesCell(row), "`\(row.runID)`"
            ]
            lines.append("| " + cells.joined(separator: " | ") + " |")
        }
        lines.append("")
        return lines.joined(separator: "\n") + "\n"
    }

    /// `✅ all 3 met`, or each miss with its numbers: `❌ RTO 1ms missed (41s)`.
    static func objectivesCell(_ row: Row) -> String {
        guard !row.objectives.isEmpty else { return "—" }
        let missed = row.objectives.filter { !$0.met }
        guard !missed.isEmpty else { return "✅ all \(row.objectives.count) met" }
        return "❌ " + missed.map { "\($0.label) \($0.promised) missed (\($0.achieved))" }.joined(separator: "; ")
    }
}
