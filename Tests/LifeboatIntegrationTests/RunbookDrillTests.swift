import Foundation
import Testing
import LifeboatCore

/// Drills of every shipped scenario: the live database is untouched (checksums before =
/// after), services are recorded rather than run, scratch databases are dropped, and the
/// result reports RTO and RPO.
@Suite(.enabled(if: TestEnvironment.shouldRun))
struct RunbookDrillTests {
    static let scenarios: [(String, [String])] = [
        ("recent-corruption", ["--input", "backup_type=any", "--input", "incident_time=latest"]),
        ("accidental-deletion", ["--input", "tables=payment", "--input", "deleted_at=2100-01-01T00:00:00Z"]),
        ("total-loss", []),
        ("point-in-time", ["--input", "target_time=2100-01-01T00:00:00Z"]),
        ("weekly-drill", [])
    ]

    @Test(arguments: scenarios.map(\.0))
    func drillLeavesLiveUntouchedAndMeasures(scenario: String) throws {
        let database = try ScratchDatabase()
        let folder = try ScratchFolder()
        let state = try ScratchFolder()
        let bucket = try CloudTests.bucket()
        let log = folder.url.appendingPathComponent("services.log").path
        var environment = try RunbookRunTests.environment(database, folder, state: state, log: log)
        for (key, value) in try CloudTests.environment(database, folder, bucket: bucket)
        where key.hasPrefix("AWS_") || key.hasPrefix("BACKUP_CLOUD") {
            environment[key] = value
        }
        let (_, manifest) = try BackupRoundTripTests.backup(
            ["--type", "weekly", "--compress", "--encrypt", "--upload"], environment)
        try database.connect().query(
            "UPDATE customer SET email = 'after-backup@example.invalid' WHERE customer_id < 10")
        let before = try RestoreTests.checksums(database)

        let arguments = Self.scenarios.first { $0.0 == scenario }!.1
        let result = try Command.lifeboat(["drill", scenario, "--json"] + arguments, environment: environment)
        try #require(result.succeeded, "\(scenario): \(result.stderr)")
        #expect(try RestoreTests.checksums(database) == before, "\(scenario): the live database is untouched")
        #expect(!FileManager.default.fileExists(atPath: log), "\(scenario): no service command ran")
        #expect(
            try RestoreTests.databases(like: "%_drill_%").filter { $0.hasPrefix(database.name) }.isEmpty,
            "scratch dropped")
        #expect(try RestoreTests.databases(like: "\(database.name)_%").isEmpty)

        let report = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect(report["status"] as? String == "succeeded")
        let measures = try #require(report["measures"] as? [String: Any])
        let rto = try #require(measures["rto_seconds"] as? Double)
        #expect(rto > 0 && rto < 600)
        let rpo = try #require(measures["rpo_seconds"] as? Double)
        let expected =
            (arguments.contains { $0.hasPrefix("target_time=") || $0.hasPrefix("deleted_at=") }
                && scenario == "point-in-time")
            ? Date(timeIntervalSince1970: 4_102_444_800).timeIntervalSince(manifest.startedAt) : nil
        if let expected { #expect(abs(rpo - expected) < 2, "RPO is target time minus snapshot") }
        #expect(rpo >= 0)
    }

    @Test func drillRunsServiceStepsOnlyWhereADrillCommandIsConfigured() throws {
        let database = try ScratchDatabase()
        let folder = try ScratchFolder()
        let state = try ScratchFolder()
        let log = folder.url.appendingPathComponent("services.log").path
        let drillLog = folder.url.appendingPathComponent("drill-services.log").path
        var environment = try RunbookRunTests.environment(database, folder, state: state, log: log)
        environment["LIFEBOAT_DRILL_STOP_COMMAND"] = "echo drill-stop >> \(shellQuote(drillLog))"
        environment["LIFEBOAT_DRILL_START_COMMAND"] = "echo drill-start >> \(shellQuote(drillLog))"
        _ = try BackupRoundTripTests.backup(["--type", "daily", "--compress"], environment)

        let result = try Command.lifeboat(
            ["drill", "recent-corruption", "--input", "incident_time=latest", "--json"], environment: environment)
        try #require(result.succeeded, "\(result.stderr)")
        #expect(
            try String(contentsOfFile: drillLog, encoding: .utf8) == "drill-stop\ndrill-start\n",
            "configured drill commands ran")
        #expect(!FileManager.default.fileExists(atPath: log), "the live service commands never ran")
        let runID = try #require(RunbookScenarioTests.runIDs(state).first)
        let events = try RunbookRunTests.journal(state, runID)
        #expect(
            events.contains { $0.kind == .stepFinished && $0.step == "health" && $0.status == .recorded },
            "no drill health command: recorded")
        #expect(events.contains { $0.kind == .stepFinished && $0.step == "stop" && $0.status == .succeeded })
    }

    @Test func drillRefusesAStepThatNamesTheLiveDatabase() throws {
        let database = try ScratchDatabase()
        let folder = try ScratchFolder()
        let state = try ScratchFolder()
        var environment = try RunbookRunTests.environment(
            database, folder, state: state, log: folder.url.appendingPathComponent("s.log").path)
        environment["LB_LIVE_DB"] = database.name
        let holder = try database.connect()  // a live session the step would terminate
        defer { holder.close() }
        let runbook = RunbookBehaviourTests.directory.appendingPathComponent("drill-names-live.yaml").path

        let result = try Command.lifeboat(["drill", runbook], environment: environment)
        #expect(result.status == 1)
        #expect(result.stderr.contains("names the live database \(database.name)"), "\(result.stderr)")
        #expect(try holder.query("select 1").scalar == "1", "the live session was not terminated")
        let events = try RunbookRunTests.journal(state, try #require(RunbookScenarioTests.runIDs(state).first))
        #expect(
            events.contains { $0.step == "count" && $0.status == .succeeded }, "the drill ran up to the refused step")
        #expect(events.contains { $0.step == "touch-live" && $0.status == .failed })
    }
}
