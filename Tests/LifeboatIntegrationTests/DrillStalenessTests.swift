import Foundation
import Testing
import LifeboatCore
import LifeboatRunbooks

/// Issue 24, acceptance 4: with drills scheduled, `status` exits 1 naming a scenario whose last
/// drill is older than LIFEBOAT_DRILL_MAX_AGE, and 0 once it has been drilled. Here the rotation
/// holds recent-corruption alone (no bucket, no physical engine).
@Suite(.enabled(if: TestEnvironment.shouldRun))
struct DrillStalenessTests {
    /// A succeeded drill of `runbook` that started `age` seconds ago, as its journal would say.
    static func oldDrill(_ runbook: String, age: TimeInterval, in state: ScratchFolder) throws -> String {
        let started = Date().addingTimeInterval(-age)
        let runID = "20250101t000000z-0ld1"
        let journal = try RunJournal(directory: state.url.appendingPathComponent("runs/\(runID)"))
        var start = JournalEvent(kind: .runStarted, at: started)
        start.runbookName = runbook
        start.drill = true
        try journal.append(start)
        var end = JournalEvent(kind: .runFinished, at: started.addingTimeInterval(30))
        end.status = .succeeded
        try journal.append(end)
        return runID
    }

    @Test func aScenarioDrilledTooLongAgoIsStaleUntilDrilled() throws {
        let database = try ScratchDatabase()
        let folder = try ScratchFolder()
        let state = try ScratchFolder()
        defer { RestoreTests.dropAll(like: "\(database.name)_%") }
        var environment = try RunbookRunTests.environment(
            database, folder, state: state, log: folder.url.appendingPathComponent("s.log").path)
        environment["BACKUP_ENABLED"] = "false"  // no backup type is scheduled, so only the drills decide
        environment["LIFEBOAT_DRILL_SCHEDULE"] = "0 2 * * *"
        environment["LIFEBOAT_DRILL_MAX_AGE"] = "8d"
        let old = try Self.oldDrill("recent-corruption", age: 9 * 86_400, in: state)

        let stale = try Command.lifeboat(["status", "--json"], environment: environment)
        #expect(stale.status == 1, "\(stale.stdout)\n\(stale.stderr)")
        let json = try StatusTests.json(stale)
        let problems = try #require(json["problems"] as? [String])
        #expect(
            problems == [
                "scenario recent-corruption was last drilled 9d ago (run \(old)), more than LIFEBOAT_DRILL_MAX_AGE (8d); "
                    + "run `lifeboat drill recent-corruption`"
            ], "\(problems)")
        let drills = try #require(json["drills"] as? [String: Any])
        #expect(drills["scheduled"] as? Bool == true && drills["max_age_seconds"] as? Double == 8 * 86_400)
        let scenarios = try #require(drills["scenarios"] as? [[String: Any]])
        #expect(scenarios.map { $0["name"] as? String } == ["recent-corruption"])
        #expect(scenarios.first?["stale"] as? Bool == true)
        #expect((scenarios.first?["last_drill"] as? [String: Any])?["run_id"] as? String == old)
        let text = try Command.lifeboat(["status"], environment: environment)
        #expect(text.status == 1)
        #expect(text.stdout.contains("PROBLEM: scenario recent-corruption was last drilled 9d ago"), "\(text.stdout)")
        #expect(text.stdout.contains("STALE since"), "\(text.stdout)")

        // The drill the schedule would run next is that scenario; once it has run, all is well.
        _ = try BackupRoundTripTests.backup(["--type", "daily", "--compress"], environment)
        let drill = try Command.lifeboat(["drill-next", "--json"], environment: environment)
        try #require(drill.status == 0, "\(drill.stderr)")
        #expect(
            drill.stderr.contains("drill-next: recent-corruption (last drilled 9d ago; rotation: recent-corruption)"),
            "\(drill.stderr)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(drill.stdout.utf8)) as? [String: Any])
        #expect(report["runbook"] as? String == "recent-corruption" && report["status"] as? String == "succeeded")
        let fresh = try Command.lifeboat(["status", "--json"], environment: environment)
        #expect(fresh.status == 0, "drilled again: \(fresh.stdout)\n\(fresh.stderr)")
        let after = try #require(
            (try StatusTests.json(fresh)["drills"] as? [String: Any])?["scenarios"] as? [[String: Any]])
        let last = try #require(after.first?["last_drill"] as? [String: Any])
        #expect(last["run_id"] as? String == report["run_id"] as? String && last["outcome"] as? String == "succeeded")
        #expect(last["objectives_met"] is Bool, "the shipped runbook's objectives were judged")
        #expect(after.first?["stale"] as? Bool == false)
    }
}
