import Foundation
import Testing
import LifeboatRunbooks
@testable import LifeboatReports

/// `lifeboat history --format html`: one self-contained page, a chart per scenario with RTO and
/// RPO against the dashed objective line, misses marked; built here from synthetic journals.
@Suite struct HistoryPageTests {
    typealias J = SyntheticJournal

    /// Three drills a day apart of each of two scenarios; the weekly-drill's second misses its RTO.
    static func stateDirectory() throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "history-page-\(UUID().uuidString)")
        for (index, (scenario, rto)) in [
            ("weekly-drill", 40.0), ("weekly-drill", 90.0), ("weekly-drill", 45.0),
            ("recent-corruption", 30.0), ("recent-corruption", 35.0), ("recent-corruption", 32.0)
        ].enumerated() {
            var drill = SyntheticJournal(runbook: scenario, drill: true)
            drill.step("pick", "backup.select", from: 1, to: 2, outputs: J.selectOutputs)
            drill.step("restore", "restore.database", from: 2, to: rto)
            drill.runFinished(.succeeded, at: rto + 1)
            let shift = Double(index % 3) * 86_400 + Double(index / 3) * 3600
            let events = drill.events.map { event -> JournalEvent in
                var event = event
                event.at = event.at.addingTimeInterval(shift)
                if event.kind == .runFinished {
                    event.objectives = [
                        ObjectiveVerdict(objective: .rto, objectiveSeconds: 60, achievedSeconds: rto),
                        ObjectiveVerdict(objective: .rpo, objectiveSeconds: 93_600, achievedSeconds: 7200)
                    ]
                }
                return event
            }
            let journal = try RunJournal(directory: directory.appendingPathComponent("runs/\(scenario)-\(index)"))
            for event in events { try journal.append(event) }
        }
        return directory
    }

    @Test func aChartPerScenarioWithItsObjectiveLine() throws {
        let directory = try Self.stateDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let history = RunHistory.read(stateDirectory: directory, generatedAt: J.at(400_000)).history
        #expect(history.rows.count == 6)
        let html = try history.render(.html)
        #expect(html.components(separatedBy: "<svg class=\"history-chart\"").count - 1 == 2, "one chart per scenario")
        for scenario in ["recent-corruption", "weekly-drill"] {
            let start = try #require(html.range(of: "data-scenario=\"\(scenario)\""), "a chart for \(scenario)")
            let end = try #require(html.range(of: "</svg>", range: start.upperBound..<html.endIndex))
            let svg = String(html[start.lowerBound..<end.lowerBound])
            #expect(
                svg.components(separatedBy: "class=\"objective\"").count - 1 == 2,
                "RTO and RPO each against its objective: \(scenario)")
            #expect(svg.components(separatedBy: "<circle").count - 1 == 6, "three runs, RTO and RPO each")
        }
        #expect(html.components(separatedBy: "class=\"run missed\"").count - 1 == 1, "the one missed RTO is marked")
        #expect(html.contains("RTO 1m 30s against 1m: MISSED"), "the miss says its numbers")
        #expect(html.contains("1 of 6 judged missed an objective."))
        #expect(!html.contains("http://") && !html.contains("https://") && !html.contains("<script"), "self-contained")
        #expect(!html.contains("{{"), "every template name was filled")
        #expect(
            html.contains(
                "<head>\n<meta charset=\"utf-8\">\n<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'"
            ),
            "the run report's head, which loads nothing")
    }

    @Test func anEmptyHistorySaysSo() throws {
        let html = try RunHistory(rows: []).render(.html)
        #expect(html.contains("No run matches."))
        #expect(!html.contains("<svg"))
    }
}
