import Foundation
import Testing
import LifeboatCore
import LifeboatRunbooks
import LifeboatReports

/// Issue 24, acceptance 1: a copy of recent-corruption with objectives a drill meets, and one
/// with `rto: 1ms`. The drill's text and `--json`, the journal and the three reports say met or
/// missed; the miss reaches the webhook as `runbook.objective_missed` with both numbers; the
/// drill exits 0 either way, because a missed objective is not a failed recovery.
@Suite(.enabled(if: TestEnvironment.shouldRun))
struct ObjectiveDrillTests {
    /// The shipped runbook with its `objectives:` block replaced by `objectives`.
    static func copy(_ objectives: String, into folder: ScratchFolder) throws -> String {
        let shipped = try String(contentsOfFile: RunbookRunTests.runbooks + "/recent-corruption.yaml", encoding: .utf8)
        var lines = shipped.components(separatedBy: "\n")
        let start = try #require(lines.firstIndex(of: "objectives:"), "the shipped runbook declares objectives")
        var end = start + 1
        while end < lines.count, lines[end].hasPrefix("  ") { end += 1 }
        lines.replaceSubrange(start..<end, with: objectives.components(separatedBy: "\n"))
        let file = folder.url.appendingPathComponent("objectives-\(UUID().uuidString.prefix(8)).yaml")
        try lines.joined(separator: "\n").write(to: file, atomically: true, encoding: .utf8)
        return file.path
    }

    @Test(arguments: [true, false])
    func drillIsJudgedAgainstItsObjectives(meets: Bool) throws {
        let receiver = try WebhookReceiver()
        let database = try ScratchDatabase()
        let folder = try ScratchFolder()
        let state = try ScratchFolder()
        let log = folder.url.appendingPathComponent("services.log").path
        var environment = try RunbookRunTests.environment(database, folder, state: state, log: log)
        for (key, value) in try WebhookTests.environment(database, folder, urls: [receiver.url])
        where key.hasPrefix("BACKUP_WEBHOOK") {
            environment[key] = value
        }
        _ = try BackupRoundTripTests.backup(["--type", "daily", "--compress"], environment)
        let metrics = folder.url.appendingPathComponent("metrics/lifeboat.prom").path
        environment["LIFEBOAT_METRICS_FILE"] = metrics
        let runbook = try Self.copy(
            meets ? "objectives:\n  rto: 1h\n  rpo: 26h\n  downtime: 1h" : "objectives:\n  rto: 1ms\n  rpo: 26h",
            into: folder)
        let kinds: [RecoveryObjectives.Kind] = meets ? [.rto, .rpo, .downtime] : [.rto, .rpo]
        let verdicts = meets ? [true, true, true] : [false, true]

        // The text at the end of the drill.
        let text = try Command.lifeboat(["drill", runbook, "--input", "incident_time=latest"], environment: environment)
        #expect(text.status == 0, "a missed objective does not fail the drill: \(text.stderr)")
        if meets {
            #expect(text.stdout.contains("objectives: all 3 met"), "\(text.stdout)")
            #expect(text.stdout.contains("DOWNTIME objective 1h: achieved "), "\(text.stdout)")
        } else {
            #expect(text.stdout.contains("objectives: 1 of 2 MISSED"), "\(text.stdout)")
            #expect(
                text.stdout.contains("RTO objective 1ms: achieved ") && text.stdout.contains("— MISSED"),
                "\(text.stdout)")
        }
        #expect(
            text.stdout.contains("RPO objective 1d2h: achieved ") && text.stdout.contains("— met"), "\(text.stdout)")

        // --json: per objective, both numbers and the verdict.
        let json = try Command.lifeboat(
            ["drill", runbook, "--input", "incident_time=latest", "--json"], environment: environment)
        #expect(json.status == 0, "\(json.stderr)")
        let drill = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect(drill["status"] as? String == "succeeded")
        let measures = try #require(drill["measures"] as? [String: Any])
        let judged = try #require(measures["objectives"] as? [[String: Any]])
        #expect(judged.map { $0["objective"] as? String } == kinds.map(\.rawValue))
        #expect(judged.map { $0["met"] as? Bool } == verdicts)
        let rto = try #require(judged.first)
        #expect(rto["objective_seconds"] as? Double == (meets ? 3600 : 0.001))
        let achievedRTO = try #require(rto["achieved_seconds"] as? Double)
        #expect(achievedRTO > 0 && achievedRTO == measures["rto_seconds"] as? Double)
        if meets {
            #expect((measures["downtime_seconds"] as? Double).map { $0 > 0 } == true, "the recorded stop → start span")
        }

        // The journal of each drill, and the three reports of the last one.
        let runIDs = RunbookScenarioTests.runIDs(state)
        #expect(runIDs.count == 2)
        for runID in runIDs {
            let end = try #require(try RunbookRunTests.journal(state, runID).last { $0.kind == .runFinished })
            #expect(end.status == .succeeded)
            let journaled = try #require(end.objectives)
            #expect(journaled.map(\.objective) == kinds && journaled.map(\.met) == verdicts)
        }
        let jsonRunID = try #require(drill["run_id"] as? String)
        let reports = try ReportTests.reports(jsonRunID, environment)
        #expect(reports.report.objectives.map(\.met) == verdicts)
        #expect(
            reports.report.objectives.first?.achievedSeconds.map { abs($0 - achievedRTO) < 0.001 } == true,
            "to the millisecond")
        #expect(reports.markdown.contains("## Objectives"))
        #expect(reports.markdown.contains(meets ? "Every objective was met." : "**1 of 2 objectives missed.**"))
        #expect(reports.markdown.contains(meets ? "| RTO | 1h | " : "| RTO | 1ms | "))
        #expect(reports.markdown.contains(meets ? "| ✅ met |" : "| **❌ missed** |"))
        #expect(reports.html.contains("<section id=\"objectives\">"))
        #expect(reports.html.contains(meets ? "Every objective was met." : "1 of 2 objectives missed."))
        #expect(reports.html.contains("✅ met") && reports.html.contains("❌ missed") == !meets)

        // History: both drills, one row each, with their objectives; the JSON follows its schema.
        let history = try Command.lifeboat(
            ["history", "--format", "json", "--drills", "--since", "1d"], environment: environment)
        try #require(history.succeeded, "\(history.stderr)")
        let historyFile = folder.url.appendingPathComponent("history.json")
        try history.stdout.write(to: historyFile, atomically: true, encoding: .utf8)
        try ReportTests.validate(
            historyFile, against: ReportTests.repository.appendingPathComponent("docs/history.schema.json"))
        let listed = try #require(
            (try JSONSerialization.jsonObject(with: Data(history.stdout.utf8)) as? [String: Any])?["runs"]
                as? [[String: Any]])
        #expect(Set(listed.compactMap { $0["run_id"] as? String }) == Set(runIDs))
        #expect(
            listed.allSatisfy {
                $0["objectives_met"] as? Bool == meets && $0["drill"] as? Bool == true
                    && $0["outcome"] as? String == "succeeded"
            })
        let table = try Command.lifeboat(["history"], environment: environment)
        try #require(table.succeeded, "\(table.stderr)")
        #expect(table.stdout.contains(meets ? "✅ all 3 met" : "❌ RTO 1ms missed"), "\(table.stdout)")
        let none = try Command.lifeboat(["history", "--runs", "--json"], environment: environment)
        try #require(none.succeeded, "\(none.stderr)")
        let realRuns =
            (try JSONSerialization.jsonObject(with: Data(none.stdout.utf8)) as? [String: Any])?["runs"] as? [Any]
        #expect(realRuns?.isEmpty == true, "--runs leaves the drills out: \(none.stdout)")

        // The metrics textfile: the last drill's measures and each objective's verdict.
        let prom = try String(contentsOfFile: metrics, encoding: .utf8)
        #expect(prom.contains(#"lifeboat_drill_rto_seconds{runbook="recent-corruption"} "#), "\(prom)")
        #expect(prom.contains(#"lifeboat_drill_rpo_seconds{runbook="recent-corruption"} "#))
        #expect(prom.contains(#"lifeboat_drill_last_timestamp_seconds{runbook="recent-corruption"} "#))
        #expect(
            prom.contains(
                #"lifeboat_drill_objective_met{runbook="recent-corruption",objective="rto"} \#(meets ? 1 : 0)"#),
            "\(prom)")
        #expect(prom.contains(#"lifeboat_drill_objective_met{runbook="recent-corruption",objective="rpo"} 1"#))

        // The webhook: one objective_missed per missed drill, with the numbers; none when met.
        let missed = receiver.requests(for: "runbook.objective_missed")
        #expect(receiver.requests(for: "runbook.completed").count == 2, "both drills completed")
        if meets {
            #expect(missed.isEmpty)
        } else {
            #expect(missed.count == 2, "one per drill: \(receiver.requests.compactMap(\.event))")
            for request in missed {
                WebhookTests.expectWellFormed(request, event: "runbook.objective_missed")
                #expect(request.details["objective"] as? String == "rto")
                #expect(request.details["objective_seconds"] as? String == "0.001")
                #expect(
                    (request.details["achieved_seconds"] as? String).flatMap(Double.init).map { $0 > 0.001 } == true)
                #expect(request.details["drill"] as? String == "true")
                #expect(runIDs.contains(request.details["run_id"] as? String ?? ""))
            }
        }
    }
}
