import Foundation
import Testing
import LifeboatRunbooks
@testable import LifeboatReports

/// The three formats: JSON keys and times, Markdown tables, and an HTML page that is
/// self-contained and escapes whatever the journal holds.
@Suite struct ReportRendererTests {
    typealias J = SyntheticJournal

    func report(_ journal: SyntheticJournal) throws -> RunReport {
        try RunReport(runID: J.runID, events: journal.events, generatedAt: J.at(3600))
    }

    /// A journal full of text that would break out of HTML, SVG or a Markdown table.
    func hostile() throws -> RunReport {
        var journal = SyntheticJournal(
            inputs: ["note": "<b>bold</b> & \"quoted\" 'single'"],
            description: "Ends the title </title><script>alert('description')</script>")
        journal.approvalRequested("stop", "services.stop", at: 1, message: "<img src=x onerror=alert(1)>")
        journal.approved("stop", by: "<script>alert('by')</script>", at: 2, message: "<img src=x onerror=alert(1)>")
        journal.step("stop", "services.stop", from: 2, to: 3)
        journal.step(
            "evil", "shell", from: 3, to: 4, .failed, outputs: ["x": "</svg><script>alert('out')</script>"],
            message: "<script>alert('step')</script> & | pipes | and\nnewlines")
        journal.runFinished(.failed, at: 4, message: "step evil failed <script> | x")
        return try report(journal)
    }

    @Test func jsonHasTheDocumentedShape() throws {
        let json = try report(J.completed()).render(.json)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        #expect(object["schema_version"] as? Int == 1)
        #expect(
            Set(object.keys) == [
                "schema_version", "generated_at", "run_id", "scenario", "inputs", "user", "host", "target", "drill",
                "started_at", "finished_at", "last_event_at", "duration_seconds", "outcome", "outcome_message",
                "failed_step", "interrupted_steps", "measures", "backup", "steps", "validations", "next_steps",
                "recovery",
                "interruptions", "interrupted_seconds", "resumes", "decisions", "objectives"
            ])
        #expect(object["recovery"] is NSNull, "a logical run has no physical recovery block")
        #expect(object["started_at"] as? String == "2025-01-18T03:00:00Z")
        #expect(object["outcome"] as? String == "succeeded")
        #expect(object["failed_step"] is NSNull, "unknown values are null, not missing")
        let steps = try #require(object["steps"] as? [[String: Any]])
        #expect(
            Set(steps[0].keys) == [
                "id", "action", "status", "started_at", "finished_at", "duration_seconds", "attempts", "outputs",
                "approval", "message", "attempt_history"
            ])
        let approval = try #require(steps[2]["approval"] as? [String: Any])
        #expect(approval["wait_seconds"] as? Double == 60)
        #expect(approval["approved_by"] as? String == "alice")
        let backup = try #require(object["backup"] as? [String: Any])
        #expect(backup["snapshot_at"] as? String == "2025-01-18T01:00:00Z")
        #expect(backup["bytes"] as? Int == 1_468_006)
        let measures = try #require(object["measures"] as? [String: Any])
        #expect(measures["rto_seconds"] as? Double == 141 && measures["rpo_seconds"] as? Double == 7200)
    }

    @Test func jsonReadsBack() throws {
        let report = try report(J.completed())
        #expect(try RunReport(json: Data(try report.render(.json).utf8)) == report)
    }

    @Test func jsonIsStable() throws {
        let report = try report(J.completed())
        #expect(try report.render(.json) == report.render(.json))
    }

    @Test func markdownHasTheTimelineTable() throws {
        let markdown = try report(J.completed()).render(.markdown)
        #expect(markdown.hasPrefix("# Run report: recent-corruption — succeeded\n"))
        #expect(
            markdown.contains(
                "| step | action | status | start | end | duration | attempts |\n|---|---|---|---|---|---|---|\n"))
        #expect(markdown.contains("| pick | backup.select | succeeded | 03:00:01 | 03:00:02 | 1.0s | 1 |"))
        #expect(markdown.contains("| restore | restore.database | succeeded | 03:01:21 | 03:02:20 | 59s | 1 |"))
        #expect(
            markdown.contains(
                "| stop | 03:00:20 | 03:01:20 | alice | — | — | 1m 00s | Stop the application and restore it? |"))
        for heading in ["## Timeline", "## Approvals", "## Validation", "## Backup"] {
            #expect(markdown.contains("\n\(heading)\n"))
        }
        #expect(!markdown.contains("## Next steps"), "a run that succeeded has none")
        #expect(markdown.contains("| RTO | 2m 21s (start of the run to validated data) |"))
    }

    @Test func markdownOfAFailedRunHasNextSteps() throws {
        var journal = J.recentCorruptionPrefix()
        journal.step("restore", "restore.database", from: 81, to: 95, .failed, message: "disk full")
        journal.runFinished(.failed, at: 95, message: "step restore failed")
        let markdown = try report(journal).render(.markdown)
        #expect(markdown.contains("# Run report: recent-corruption — failed"))
        #expect(markdown.contains("| Failed step | restore |"))
        #expect(markdown.contains("| restore | restore.database | **failed** |"))
        #expect(
            markdown.contains("## Next steps\n\n1. Read the error of step 'restore' (restore.database): disk full."))
    }

    @Test func markdownKeepsHostileTextInItsCell() throws {
        let markdown = try hostile().render(.markdown)
        let bare = markdown.indices.filter {
            markdown[$0] == "<" && ($0 == markdown.startIndex || markdown[markdown.index(before: $0)] != "\\")
        }
        #expect(bare.isEmpty, "every < is escaped, so none opens an HTML tag")
        #expect(markdown.contains("| Outcome | **failed** — step evil failed \\<script> \\| x |"))
        #expect(
            markdown.contains("- **evil** (failed): \\<script>alert('step')\\</script> \\& | pipes | and newlines\n"))
    }

    @Test func htmlEscapesEverythingFromTheJournal() throws {
        let html = try hostile().render(.html)
        #expect(!html.contains("<script"), "no script element, from any field")
        #expect(!html.contains("<img"))
        #expect(!html.contains("<b>"))
        #expect(!html.contains("</svg><"), "outputs cannot close the chart")
        #expect(html.components(separatedBy: "</svg>").count == 2, "one chart, closed once")
        #expect(html.contains("&lt;script&gt;alert(&#39;step&#39;)&lt;/script&gt; &amp; | pipes"))
        // The step message is in the steps table and in the chart bar's SVG <title>.
        let title = try #require(html.range(of: "<title>evil (shell): failed"))
        let tooltip = html[title.lowerBound...].prefix(200)
        #expect(tooltip.contains("&lt;script&gt;alert(&#39;step&#39;)"))
        #expect(html.contains("&lt;script&gt;alert(&#39;by&#39;)&lt;/script&gt;"))
        #expect(html.contains("&lt;b&gt;bold&lt;/b&gt; &amp; &quot;quoted&quot; &#39;single&#39;"))
        #expect(html.contains("<title>recent-corruption — failed — run \(J.runID)</title>"))
        #expect(html.contains("&lt;/title&gt;&lt;script&gt;alert(&#39;description&#39;)"))
    }

    @Test func htmlIsSelfContained() throws {
        for journal in [J.completed(), J.recentCorruptionPrefix()] {
            let html = try report(journal).render(.html)
            #expect(!html.contains("http://") && !html.contains("https://"), "no URL at all")
            #expect(
                !html.contains("src=") && !html.contains("href=") && !html.contains("@import")
                    && !html.contains("<script"))
            #expect(
                !html.contains("url(")
                    || html.components(separatedBy: "url(").dropFirst().allSatisfy { $0.hasPrefix("#") },
                "only references inside the page")
            #expect(html.contains("<style>") && html.contains("@media print"))
            #expect(
                html.contains(
                    "<head>\n<meta charset=\"utf-8\">\n<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'"
                ))
        }
    }

    @Test func htmlChartHasABarPerStepColouredByStatusAndTheApprovalWait() throws {
        var journal = J.recentCorruptionPrefix()
        journal.step("restore", "restore.database", from: 81, to: 95, .failed, message: "disk full")
        journal.runFinished(.failed, at: 95, message: "step restore failed")
        let html = try report(journal).render(.html)
        let svg = try #require(html.range(of: "<svg")).lowerBound
        let chart = String(html[svg...].prefix { _ in true }.components(separatedBy: "</svg>")[0])
        #expect(chart.components(separatedBy: "<g class=\"step ").count - 1 == 4)
        #expect(chart.contains("<g class=\"step failed\">"))
        #expect(
            chart.contains("fill=\"\(StatusColour.hex(.succeeded))\"")
                && chart.contains("fill=\"\(StatusColour.hex(.failed))\""))
        #expect(chart.components(separatedBy: "fill=\"url(#lb-approval-wait)\"").count - 1 == 1, "one gate, one wait")
        #expect(chart.contains(">0s</text>") && chart.contains(">1m</text>"), "axis labels")
        #expect(html.contains("waiting for approval</li>"), "the legend names the hatching")
    }

    @Test func htmlOfAKilledRunDrawsTheInterruptedStepOpenEnded() throws {
        var journal = J.recentCorruptionPrefix()
        journal.started("restore", "restore.database", at: 81)
        let html = try report(journal).render(.html)
        #expect(html.contains("<g class=\"step interrupted\">"))
        #expect(html.contains("stroke-dasharray=\"4 3\""))
        #expect(html.contains("<th scope=\"row\">Interrupted step</th><td>restore</td>"))
        #expect(html.contains("<section id=\"next-steps\">"))
    }

    @Test func htmlSetsTheCommandsOfTheNextStepsAsCode() throws {
        var journal = J.recentCorruptionPrefix()
        journal.step("restore", "restore.database", from: 81, to: 95, .failed, message: "disk `full` <now>")
        journal.runFinished(.failed, at: 95, message: "step restore failed")
        let html = try report(journal).render(.html)
        #expect(html.contains("<code>lifeboat runbook resume \(J.runID) --retry-step</code>"))
        #expect(html.contains("disk <code>full</code> &lt;now&gt;"), "code spans are escaped like the rest")
    }

    @Test(arguments: [(0.0, "0.0s"), (0.44, "0.4s"), (12, "12s"), (185, "3m 05s"), (7440, "2h 04m"), (180_000, "2d 2h")]
    )
    func durationsReadAsPeopleWriteThem(seconds: Double, text: String) {
        #expect(ReportText.duration(seconds) == text)
    }

    @Test func ticksAreRound() {
        #expect(TimelineChart.tickStep(150) == 30)
        #expect(TimelineChart.tickStep(5) == 1)
        #expect(TimelineChart.tickStep(4000) == 600)
        #expect(TimelineChart.tickLabel(90) == "1m30s")
        #expect(TimelineChart.tickLabel(7200) == "2h")
    }
}
