import Foundation
import Testing
import LifeboatCore
@testable import LifeboatRunbooks

/// Issue 20 item 5: a wrong input never starts a run. Inputs are checked against their own
/// type and again against the type of every step parameter they feed, before the first step;
/// a required input's refusal says what it is for.
@Suite struct InputCheckTests {
    static func shipped(_ name: String) throws -> Runbook {
        try RunbookLibrary.loadValidated(RunbookValidationTests.shippedDirectory.appendingPathComponent("\(name).yaml"))
    }

    @Test(arguments: [
        (
            ["backup_type": "weekley", "incident_time": "latest"],
            "input 'backup_type': 'weekley' is not one of daily, weekly, monthly, manual, any (step 'pick' takes it as type)"
        ),
        (
            ["incident_time": "yesterday-ish"],
            "input 'incident_time': 'yesterday-ish' is not a time (2025-01-18T03:00:00Z) or latest (step 'pick' takes it as incident)"
        ),
        ([:], "input 'incident_time' is required (when the damage began")
    ])
    func aWrongInputIsRefusedBeforeTheRun(inputs: [String: String], says: String) throws {
        let runbook = try Self.shipped("recent-corruption")
        let error = #expect(throws: LifeboatError.self) {
            try Planner(environment: [:]).inputs(for: runbook, given: inputs)
        }
        #expect(error?.message.contains(says) == true, "\(error?.message ?? "")")
        #expect(error?.category == .configuration)
        #expect(
            error?.hint?.contains("start the run again") == true, "a new run, not --retry-step: \(error?.hint ?? "")")
    }

    @Test func goodInputsPass() throws {
        let runbook = try Self.shipped("recent-corruption")
        for incident in ["latest", "2025-01-18T10:00:00Z", "2025-01-18"] {
            _ = try Planner(environment: [:]).inputs(
                for: runbook, given: ["incident_time": incident, "backup_type": "any"])
        }
    }
}
