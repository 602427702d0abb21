import Foundation
import Testing
import LifeboatCore
@testable import LifeboatRunbooks

/// Issue 20 item 7: a wrong runbook name lists the runbooks there are (.yaml and .yml) and the
/// closest one; an interactive run checks a typed input with the planner's own rules.
@Suite struct RunbookNotFoundTests {
    @Test func aMistypedNameListsTheRunbooksAndSuggestsTheClosest() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("lbt-library-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        for file in ["recent-corruption.yaml", "total-loss.yml", "notes.txt"] {
            try Data("name: x\n".utf8).write(to: folder.appendingPathComponent(file))
        }
        let library = RunbookLibrary(directory: folder)
        let error = #expect(throws: RunbookNotFound.self) { try library.url(for: "recent-corupt") }
        #expect(error?.available == ["recent-corruption", "total-loss"], "both extensions, nothing else")
        #expect(error?.suggestion == "recent-corruption")
        #expect(error?.description.contains("did you mean 'recent-corruption'?") == true, "\(error?.description ?? "")")
        #expect(error?.description.contains("runbooks here: recent-corruption, total-loss") == true)
        #expect(
            try library.url(for: "total-loss").lastPathComponent == "total-loss.yml", "a .yml file is found by name")
        #expect(
            (#expect(throws: RunbookNotFound.self) { try library.url(for: "zzzzzzzzzzzz") })?.suggestion == nil,
            "nothing close: no guess")
    }

    @Test func aTypedInputIsCheckedAsAnInputFlagIs() throws {
        let runbook = try InputCheckTests.shipped("recent-corruption")
        let planner = Planner(environment: [:])
        #expect(planner.missingInputs(runbook, given: [:]).map(\.name) == ["incident_time"])
        #expect(planner.missingInputs(runbook, given: ["incident_time": "latest"]).isEmpty)
        let wrong = planner.problems(of: "incident_time", value: "yesterday-ish", in: runbook, given: [:])
        #expect(
            wrong == [
                "input 'incident_time': 'yesterday-ish' is not a time (2025-01-18T03:00:00Z) or latest (step 'pick' takes it as incident)"
            ])
        #expect(planner.problems(of: "incident_time", value: "2025-01-18T10:00:00Z", in: runbook, given: [:]).isEmpty)
        #expect(
            planner.problems(of: "backup_type", value: "weekley", in: runbook, given: ["incident_time": "latest"]).count
                == 1)
    }
}
