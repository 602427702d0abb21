import Foundation
import Testing
import LifeboatCore

/// Issue 24, acceptance 2: after six drills of two scenarios (three each: one whose objectives
/// every drill meets, one with `rto: 1ms` that every drill misses), `lifeboat history --format
/// html` is one self-contained page with a chart per scenario, each against its objective line,
/// checked in headless Chromium; `--format json` lists every drill with its measures and
/// follows docs/history.schema.json.
@Suite(.enabled(if: TestEnvironment.shouldRun))
struct HistoryPageDrillTests {
    /// A restore of the newest backup, cheap enough to drill six times, under `name` with `objectives`.
    static func runbook(_ name: String, objectives: String) -> String {
        """
        name: \(name)
        description: The newest backup restored into a scratch database, for the history page.
        objectives:
        \(objectives)
        steps:
          - id: pick
            action: backup.select
            with: { type: any, which: latest }
          - id: restore
            action: restore.database
            with: { backup: "${steps.pick.outputs.path}", mode: safe }
            needs: [pick]
        """
    }

    @Test func sixDrillsOfTwoScenariosChartedAndListed() throws {
        let database = try ScratchDatabase()
        let folder = try ScratchFolder()
        let state = try ScratchFolder()
        defer { RestoreTests.dropAll(like: "\(database.name)_%") }
        let environment = try RunbookRunTests.environment(
            database, folder, state: state, log: folder.url.appendingPathComponent("s.log").path)
        _ = try BackupRoundTripTests.backup(["--type", "daily", "--compress"], environment)
        let kept = folder.url.appendingPathComponent("history-kept.yaml")
        let missed = folder.url.appendingPathComponent("history-missed.yaml")
        try Self.runbook("history-kept", objectives: "  rto: 1h\n  rpo: 26h").write(
            to: kept, atomically: true, encoding: .utf8)
        try Self.runbook("history-missed", objectives: "  rto: 1ms\n  rpo: 26h").write(
            to: missed, atomically: true, encoding: .utf8)

        var runIDs: [String] = []
        for file in [kept, missed, kept, missed, kept, missed] {
            let drill = try Command.lifeboat(["drill", file.path, "--json"], environment: environment)
            #expect(drill.status == 0, "a missed objective does not fail the drill: \(drill.stderr)")
            let json = try #require(try JSONSerialization.jsonObject(with: Data(drill.stdout.utf8)) as? [String: Any])
            runIDs.append(try #require(json["run_id"] as? String))
        }

        // JSON: every drill, with its measures and verdicts, in the published schema.
        let json = try Command.lifeboat(["history", "--drills", "--format", "json"], environment: environment)
        try #require(json.succeeded, "\(json.stderr)")
        let jsonFile = folder.url.appendingPathComponent("history.json")
        try json.stdout.write(to: jsonFile, atomically: true, encoding: .utf8)
        try ReportTests.validate(
            jsonFile, against: ReportTests.repository.appendingPathComponent("docs/history.schema.json"))
        let rows = try #require(
            (try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])?["runs"]
                as? [[String: Any]])
        #expect(rows.compactMap { $0["run_id"] as? String }.sorted() == runIDs.sorted())
        for row in rows {
            let scenario = row["scenario"] as? String
            #expect(row["drill"] as? Bool == true && row["outcome"] as? String == "succeeded", "\(row)")
            #expect((row["rto_seconds"] as? Double).map { $0 > 0 } == true && row["rpo_seconds"] is Double, "\(row)")
            let objectives = try #require(row["objectives"] as? [[String: Any]])
            #expect(objectives.map { $0["objective"] as? String } == ["rto", "rpo"])
            #expect(row["objectives_met"] as? Bool == (scenario == "history-kept"), "\(row)")
        }

        // HTML: a chart per scenario, each with RTO and RPO against the dashed objective line.
        let page = try Command.lifeboat(["history", "--format", "html"], environment: environment)
        try #require(page.succeeded, "\(page.stderr)")
        let html = page.stdout
        ReportTests.expectSelfContained(html)
        #expect(html.components(separatedBy: "<svg class=\"history-chart\"").count - 1 == 2, "one chart per scenario")
        for scenario in ["history-kept", "history-missed"] {
            let start = try #require(html.range(of: "data-scenario=\"\(scenario)\""), "a chart for \(scenario)")
            let end = try #require(html.range(of: "</svg>", range: start.upperBound..<html.endIndex))
            let chart = String(html[start.lowerBound..<end.lowerBound])
            #expect(
                chart.components(separatedBy: "<path class=\"objective\"").count - 1 == 2,
                "\(scenario): RTO and RPO objective lines")
            #expect(
                chart.components(separatedBy: "<circle").count - 1 == 6, "\(scenario): three drills, RTO and RPO each")
            #expect(
                chart.components(separatedBy: "class=\"run missed\"").count - 1
                    == (scenario == "history-missed" ? 3 : 0), "\(scenario): misses marked")
        }

        // The picture: not blank, the objective's blue, the met green and the missed red are drawn.
        guard HeadlessChromium.isInstalled || TestEnvironment.isCI else { return }
        let htmlFile = folder.url.appendingPathComponent("history.html")
        try html.write(to: htmlFile, atomically: true, encoding: .utf8)
        let png = folder.url.appendingPathComponent("history.png")
        let script = ReportTests.repository.appendingPathComponent("scripts/report-screenshot").path
        let shot = try Command.run(script, [htmlFile.path, png.path, "#1565c0", "#2e7d32", "#c62828"])
        #expect(shot.status != 3, "Chromium is missing: run scripts/install-deps (it installs the chromium package)")
        #expect(shot.succeeded, "\(shot.stdout)\(shot.stderr)")
    }
}
