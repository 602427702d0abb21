import Foundation
import Testing
@testable import LifeboatRunbooks

/// The plan of each shipped scenario, as a responder reads it, pinned by a golden file.
/// Regenerate after an intended change with LIFEBOAT_UPDATE_GOLDEN=1 and review the diff.
@Suite struct PlanGoldenTests {
    static let goldenDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures/plans")

    static let inputs: [String: [String: String]] = [
        "accidental-deletion": ["tables": "payment,rental", "deleted_at": "2025-01-18T10:00:00Z"],
        "point-in-time": ["target_time": "2025-01-01T00:00:00Z"],
        "recent-corruption": ["incident_time": "2025-01-18T09:30:00Z"]
    ]

    static let serviceCommands = [
        "stop": ["docker compose -f docker-compose.prod.yml stop app-blue app-green worker-1 worker-2"],
        "start": ["docker compose -f docker-compose.prod.yml start app-blue app-green worker-1 worker-2"],
        "health": ["curl -fsS http://localhost:8000/health"]
    ]

    @Test(arguments: ["recent-corruption", "accidental-deletion", "total-loss", "point-in-time", "weekly-drill"])
    func planMatchesGolden(name: String) throws {
        let runbook = try RunbookLibrary.loadValidated(
            RunbookValidationTests.shippedDirectory.appendingPathComponent("\(name).yaml"))
        let plan = try Planner(environment: [:]).plan(runbook, inputs: Self.inputs[name] ?? [:])
        let text = plan.render(target: "appdb", services: "compose", serviceCommands: Self.serviceCommands) + "\n"
        let golden = Self.goldenDirectory.appendingPathComponent("\(name).txt")
        if ProcessInfo.processInfo.environment["LIFEBOAT_UPDATE_GOLDEN"] == "1" {
            try text.write(to: golden, atomically: true, encoding: .utf8)
        }
        #expect(
            text == (try String(contentsOf: golden, encoding: .utf8)), "plan of \(name) changed; see \(golden.path)")
    }
}
