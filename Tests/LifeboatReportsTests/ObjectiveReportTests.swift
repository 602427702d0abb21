import Foundation
import Testing
import LifeboatRunbooks
@testable import LifeboatReports

/// A run's objectives, as journaled on its end, in all three formats with a met/missed mark;
/// downtime measured from services.stop starting to services.start finishing.
@Suite struct ObjectiveReportTests {
    typealias J = SyntheticJournal

    /// The completed recent-corruption run (RTO 141 s, RPO 2 h, downtime 80 s → 143 s = 63 s),
    /// judged against a met RTO, a missed RPO and a met downtime.
    func judged() throws -> RunReport {
        var journal = J.completed()
        var events = journal.events
        let last = events.popLast()
        var end = try #require(last)
        end.objectives = [
            ObjectiveVerdict(objective: .rto, objectiveSeconds: 1800, achievedSeconds: 141),
            ObjectiveVerdict(objective: .rpo, objectiveSeconds: 3600, achievedSeconds: 7200),
            ObjectiveVerdict(objective: .downtime, objectiveSeconds: 600, achievedSeconds: 63)
        ]
        events.append(end)
        journal.replace(events)
        return try RunReport(runID: J.runID, events: journal.events, generatedAt: J.at(3600))
    }

    @Test func downtimeIsStopStartingToStartFinishing() throws {
        let report = try judged()
        #expect(report.measures.downtimeSeconds == 63)
        #expect(DrillMeasures(state: RunState(events: J.completed().events)).downtimeSeconds == 63)
    }

    @Test func aRunThatStoppedNothingHadNoDowntime() {
        var journal = SyntheticJournal()
        journal.step("pick", "backup.select", from: 1, to: 2, outputs: J.selectOutputs)
        journal.step("restore", "restore.database", from: 2, to: 9)
        journal.runFinished(.succeeded, at: 9)
        #expect(DrillMeasures(state: RunState(events: journal.events)).downtimeSeconds == 0)
    }

    @Test func aStopNeverStartedAgainIsNotMeasured() {
        var journal = J.recentCorruptionPrefix()
        journal.runFinished(.failed, at: 90)
        #expect(DrillMeasures(state: RunState(events: journal.events)).downtimeSeconds == nil)
    }

    @Test func verdictsCompareAchievedWithPromised() {
        #expect(ObjectiveVerdict(objective: .rto, objectiveSeconds: 60, achievedSeconds: 60).met)
        #expect(!ObjectiveVerdict(objective: .rto, objectiveSeconds: 60, achievedSeconds: 60.001).met)
        #expect(
            !ObjectiveVerdict(objective: .rto, objectiveSeconds: 60, achievedSeconds: nil).met,
            "never reached is a miss")
    }

    @Test func jsonListsEachObjectiveWithBothNumbers() throws {
        let json = try judged().render(.json)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        let objectives = try #require(object["objectives"] as? [[String: Any]])
        #expect(objectives.map { $0["objective"] as? String } == ["rto", "rpo", "downtime"])
        #expect(objectives.map { $0["met"] as? Bool } == [true, false, true])
        #expect(
            objectives[1]["objective_seconds"] as? Double == 3600
                && objectives[1]["achieved_seconds"] as? Double == 7200)
        #expect(Set(objectives[0].keys) == ["objective", "objective_seconds", "achieved_seconds", "met"])
        let measures = try #require(object["measures"] as? [String: Any])
        #expect(measures["downtime_seconds"] as? Double == 63)
        #expect(try RunReport(json: Data(json.utf8)) == judged())
    }

    @Test func markdownMarksMetAndMissed() throws {
        let markdown = try judged().render(.markdown)
        #expect(markdown.contains("## Objectives"))
        #expect(markdown.contains("**1 of 3 objectives missed.**"))
        #expect(markdown.contains("| RTO | 30m | 2m 21s | ✅ met |"), "\(markdown)")
        #expect(markdown.contains("| RPO | 1h | 2h 00m | **❌ missed** |"), "\(markdown)")
        #expect(markdown.contains("| Downtime | 10m | 1m 03s | ✅ met |"), "\(markdown)")
    }

    @Test func htmlMarksMetAndMissed() throws {
        let html = try judged().render(.html)
        #expect(html.contains("<section id=\"objectives\">"))
        #expect(html.contains("1 of 3 objectives missed."))
        #expect(html.contains("✅ met") && html.contains("❌ missed"))
    }

    @Test func aRunbookWithoutObjectivesHasNoSection() throws {
        let report = try RunReport(runID: J.runID, events: J.completed().events, generatedAt: J.at(3600))
        #expect(report.objectives.isEmpty)
        #expect(try !report.render(.markdown).contains("## Objectives"))
        #expect(try !report.render(.html).contains("id=\"objectives\""))
    }
}

/// `lifeboat history`: one row per run journal under runs/, filtered, oldest first.
@Suite struct RunHistoryTests {
    typealias J = SyntheticJournal

    /// A state directory with three runs: a real run, a drill a day later, and a stray folder.
    func stateDirectory() throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("history-\(UUID().uuidString)")
        func write(_ id: String, _ events: [JournalEvent]) throws {
            let journal = try RunJournal(directory: directory.appendingPathComponent("runs/\(id)"))
            for event in events { try journal.append(event) }
        }
        try write("real", J.completed().events)
        var drill = SyntheticJournal(runbook: "weekly-drill", drill: true)
        drill.step("pick", "backup.select", from: 1, to: 2, outputs: J.selectOutputs)
        drill.step("restore", "restore.database", from: 2, to: 40)
        drill.runFinished(.succeeded, at: 41)
        let shifted = drill.events.map { event -> JournalEvent in
            var event = event
            event.at = event.at.addingTimeInterval(86_400)
            if event.kind == .runFinished {
                event.objectives = [ObjectiveVerdict(objective: .rto, objectiveSeconds: 0.001, achievedSeconds: 40)]
            }
            return event
        }
        try write("drill", shifted)
        try FileManager.default.createDirectory(
            at: directory.appendingPathComponent("runs/stray"), withIntermediateDirectories: true)
        return directory
    }

    @Test func everyRunIsARowOldestFirst() throws {
        let directory = try stateDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let (history, skipped) = RunHistory.read(stateDirectory: directory, generatedAt: J.at(90_000))
        #expect(skipped == ["stray"])
        #expect(history.rows.map(\.runID) == ["real", "drill"])
        let real = history.rows[0]
        #expect(real.scenario == "recent-corruption" && !real.drill && real.outcome == .succeeded)
        #expect(
            real.backup == "app-daily-20250118t010000z.sql.gz.gpg" && real.rtoSeconds == 141
                && real.downtimeSeconds == 63)
        #expect(real.objectivesMet == nil, "not judged: no objectives")
        #expect(history.rows[1].objectivesMet == false)
    }

    @Test func filtersByScenarioKindAndTime() throws {
        let directory = try stateDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        func ids(_ filter: RunHistory.Filter) -> [String] {
            RunHistory.read(stateDirectory: directory, filter: filter).history.rows.map(\.runID)
        }
        #expect(ids(.init(kind: .drills)) == ["drill"])
        #expect(ids(.init(kind: .runs)) == ["real"])
        #expect(ids(.init(scenario: "recent-corruption")) == ["real"])
        #expect(ids(.init(since: J.at(3600))) == ["drill"])
    }

    @Test func markdownAndJSONSayWhatWasMissed() throws {
        let directory = try stateDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let history = RunHistory.read(stateDirectory: directory, generatedAt: J.at(90_000)).history
        let markdown = try history.render(.markdown)
        #expect(markdown.contains("2 runs (1 drill), oldest first"))
        #expect(markdown.contains("| ❌ RTO 1ms missed (40s) | `drill` |"), "\(markdown)")
        let object = try #require(
            try JSONSerialization.jsonObject(with: Data(try history.render(.json).utf8)) as? [String: Any])
        #expect(object["schema_version"] as? Int == 1)
        let rows = try #require(object["runs"] as? [[String: Any]])
        #expect(
            Set(rows[0].keys) == [
                "run_id", "started_at", "scenario", "drill", "outcome", "backup", "rto_seconds", "rpo_seconds",
                "downtime_seconds", "objectives", "objectives_met"
            ])
        #expect(rows[0]["objectives_met"] is NSNull && rows[1]["objectives_met"] as? Bool == false)
    }
}

extension ObjectiveReportTests {
    /// A drill records services.stop and services.start without starting them: the downtime it
    /// reports is the span of the steps between them.
    @Test func aDrillsDowntimeSpansTheRecordedSteps() {
        var journal = SyntheticJournal(drill: true)
        journal.step("pick", "backup.select", from: 1, to: 2, outputs: J.selectOutputs)
        journal.finished("stop", "services.stop", at: 3, .recorded, message: "drill: record")
        journal.step("restore", "restore.database", from: 3, to: 30)
        journal.finished("start", "services.start", at: 31, .recorded, message: "drill: record")
        journal.runFinished(.succeeded, at: 32)
        #expect(DrillMeasures(state: RunState(events: journal.events)).downtimeSeconds == 28)
    }
}
