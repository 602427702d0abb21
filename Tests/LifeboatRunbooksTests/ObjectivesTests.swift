import Foundation
import Testing
@testable import LifeboatRunbooks

/// `objectives:` as written, as loaded, and judged against what a run measured.
@Suite struct ObjectivesTests {
    static func load(
        _ objectives: String,
        steps: String =
            "  - { id: pick, action: backup.select }\n  - { id: stop, action: services.stop }\n  - { id: restore, action: restore.database, with: { file: x } }\n"
    ) throws -> Runbook {
        try RunbookLoader().load(text: "name: o\ndescription: x\n\(objectives)steps:\n\(steps)", file: "o.yaml")
    }

    @Test func objectivesAreDurationsWithTheirLines() throws {
        let runbook = try Self.load("objectives:\n  rto: 30m\n  rpo: 26h\n  downtime: 1h30m\n")
        #expect(runbook.objectives.rto == DurationValue(milliseconds: 1_800_000))
        #expect(runbook.objectives.rpo == DurationValue(milliseconds: 93_600_000))
        #expect(runbook.objectives.downtime?.seconds == 5400)
        #expect(runbook.objectives.locations[.rpo]?.line == 5)
        #expect(runbook.objectives.declared.map(\.kind) == [.rto, .rpo, .downtime])
    }

    @Test func objectivesAreOptional() throws {
        #expect(try Self.load("").objectives.isEmpty)
        #expect(try Self.load("objectives:\n  rto: 1ms\n").objectives.declared.map(\.kind) == [.rto])
    }

    @Test(arguments: [
        ("objectives: 30m\n", "'objectives' must map rto, rpo, downtime to durations"),
        ("objectives:\n  rto: soon\n", "objectives.rto: invalid duration 'soon'"),
        ("objectives:\n  rto: 0ms\n", "objectives.rto must be longer than 0s"),
        ("objectives:\n  mttr: 5m\n", "unknown key 'mttr' in objectives (allowed: downtime, rpo, rto)"),
        ("objectives:\n  rpo: [1h]\n", "'objectives.rpo' must be a single value")
    ])
    func badObjectivesSayWhatToWrite(yaml: String, fragment: String) throws {
        do {
            _ = try Self.load(yaml)
            Issue.record("\(yaml) must not load")
        } catch let invalid as RunbookInvalid {
            #expect(invalid.issues.contains { $0.message.contains(fragment) && $0.location.line >= 3 }, "\(invalid)")
        }
    }

    @Test func theValidatorRefusesAnObjectiveNoStepMeasures() throws {
        let runbook = try Self.load(
            "objectives:\n  rto: 30m\n  downtime: 10m\n", steps: "  - { id: pick, action: backup.select }\n")
        let issues = RunbookValidator().validate(runbook).filter { $0.message.hasPrefix("objectives.") }
        #expect(issues.map(\.location.line) == [4, 5], "\(issues)")
        #expect(issues.first?.message.contains("objectives.rto cannot be measured") == true)
    }

    @Test func measuresAreJudgedAgainstTheRunbook() throws {
        let runbook = try Self.load("objectives:\n  rto: 1m\n  rpo: 1ms\n")
        let start = Date(timeIntervalSince1970: 1_737_169_200)
        var events: [JournalEvent] = []
        var begin = JournalEvent(kind: .runStarted, at: start)
        begin.runbook = "o.yaml"
        events.append(begin)
        func step(_ id: String, _ action: String, _ from: Double, _ to: Double, outputs: [String: String] = [:]) {
            var started = JournalEvent(kind: .stepStarted, at: start.addingTimeInterval(from), step: id)
            started.action = action
            var finished = JournalEvent(kind: .stepFinished, at: start.addingTimeInterval(to), step: id)
            finished.action = action
            finished.status = .succeeded
            finished.outputs = outputs
            events += [started, finished]
        }
        step("pick", "backup.select", 0, 1, outputs: ["name": "b", "timestamp": "2025-01-18T01:00:00Z"])
        step("restore", "restore.database", 1, 30)
        let measures = DrillMeasures(state: RunState(events: events), runbook: runbook)
        #expect(
            measures.objectives == [
                ObjectiveVerdict(objective: .rto, objectiveSeconds: 60, achievedSeconds: 30),
                ObjectiveVerdict(objective: .rpo, objectiveSeconds: 0.001, achievedSeconds: 7200)
            ])
        #expect(measures.objectives.map(\.met) == [true, false])
        #expect(measures.objectives[1].summary == "RPO objective 1ms: achieved 7200.0s — MISSED")
        #expect(
            measures.objectives[1].missedDetails(runID: "r", runbook: "o", drill: true)["achieved_seconds"]
                == "7200.000")
    }
}
