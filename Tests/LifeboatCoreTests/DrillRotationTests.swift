import Foundation
import Testing
@testable import LifeboatCore

/// The scheduled drill's rotation and the drills' staleness in `status` (issue 24 item 5): pure
/// choices from the configuration and the last drill of each scenario.
@Suite struct DrillRotationTests {
    static let day = 86_400.0
    static let now = Date(timeIntervalSince1970: 1_767_225_600)  // 2026-01-01T00:00:00Z

    /// A folder holding the five shipped runbooks' names (the rotation looks only at which exist).
    static func runbooks(
        _ names: [String] = ["accidental-deletion", "point-in-time", "recent-corruption", "total-loss", "weekly-drill"]
    ) throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("rotation-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        for name in names {
            try "name: \(name)\n".write(
                to: folder.appendingPathComponent("\(name).yaml"), atomically: true, encoding: .utf8)
        }
        return folder
    }

    static func configuration(_ environment: [String: String]) async throws -> LifeboatConfiguration {
        try await LifeboatConfiguration.load(environment: environment, environmentFile: "/dev/null")
    }

    static func scenarios(_ names: String...) -> [DrillRotation.Scenario] {
        names.map { name in DrillRotation.Scenario(name: name, inputs: [:]) }
    }

    @Test func neverDrilledComesFirstInRotationOrder() {
        let rotation = Self.scenarios("recent-corruption", "weekly-drill", "total-loss")
        #expect(DrillRotation.next(rotation, lastDrilled: [:])?.name == "recent-corruption")
        #expect(DrillRotation.next(rotation, lastDrilled: ["recent-corruption": Self.now])?.name == "weekly-drill")
        #expect(
            DrillRotation.next(
                rotation, lastDrilled: ["recent-corruption": Self.now, "weekly-drill": Self.now - Self.day])?.name
                == "total-loss")
    }

    @Test func thenTheOneDrilledLongestAgo() {
        let rotation = Self.scenarios("recent-corruption", "weekly-drill", "total-loss")
        let last = [
            "recent-corruption": Self.now - 7 * Self.day, "weekly-drill": Self.now - 21 * Self.day,
            "total-loss": Self.now - 14 * Self.day
        ]
        #expect(DrillRotation.next(rotation, lastDrilled: last)?.name == "weekly-drill")
        // Drills of scenarios no longer in the rotation change nothing.
        #expect(
            DrillRotation.next(rotation, lastDrilled: last.merging(["old-runbook": .distantPast]) { $1 })?.name
                == "weekly-drill")
        #expect(DrillRotation.next([], lastDrilled: last) == nil)
    }

    @Test func aWeeklySlotCoversEveryScenarioInTurn() throws {
        let rotation = Self.scenarios("recent-corruption", "weekly-drill", "total-loss")
        var last: [String: Date] = [:]
        var drilled: [String] = []
        for week in 0..<6 {
            let next = try #require(DrillRotation.next(rotation, lastDrilled: last))
            drilled.append(next.name)
            last[next.name] = Self.now + Double(week) * 7 * Self.day
        }
        #expect(
            drilled == [
                "recent-corruption", "weekly-drill", "total-loss", "recent-corruption", "weekly-drill", "total-loss"
            ])
    }

    @Test func theRotationHoldsWhatCanRunHere() async throws {
        let folder = try Self.runbooks()
        defer { try? FileManager.default.removeItem(at: folder) }
        func names(_ extra: [String: String]) async throws -> [String] {
            try DrillRotation.scenarios(
                try await Self.configuration(["LIFEBOAT_RUNBOOKS_DIR": folder.path].merging(extra) { $1 })
            ).map(\.name)
        }
        #expect(
            try await names([:]) == ["recent-corruption"], "no bucket, no physical engine; never accidental-deletion")
        #expect(
            try await names(["BACKUP_CLOUD_SYNC_ENABLED": "true"]) == [
                "recent-corruption", "weekly-drill", "total-loss"
            ])
        #expect(
            try await names(["LIFEBOAT_PHYSICAL_ENGINE": "pgbackrest", "PGBACKREST_STANZA": "main"]) == [
                "recent-corruption", "point-in-time"
            ])
        let all = try DrillRotation.scenarios(
            try await Self.configuration([
                "LIFEBOAT_RUNBOOKS_DIR": folder.path, "BACKUP_CLOUD_SYNC_ENABLED": "true",
                "LIFEBOAT_PHYSICAL_ENGINE": "pgbackrest", "PGBACKREST_STANZA": "main"
            ]))
        #expect(all.map(\.name) == ["recent-corruption", "weekly-drill", "total-loss", "point-in-time"])
        #expect(all.last?.inputs == ["target_time": "now"] && all.first?.inputs == ["incident_time": "latest"])

        let fewer = try Self.runbooks(["weekly-drill"])
        defer { try? FileManager.default.removeItem(at: fewer) }
        let taken = try await Self.configuration([
            "LIFEBOAT_RUNBOOKS_DIR": fewer.path, "BACKUP_CLOUD_SYNC_ENABLED": "true"
        ])
        #expect(
            try DrillRotation.scenarios(taken).map(\.name) == ["weekly-drill"],
            "a runbook taken out of the folder leaves the rotation")
    }

    @Test func theScheduledJobRotatesUnlessOneRunbookIsNamed() async throws {
        let rotating = try await Self.configuration(["BACKUP_ENABLED": "false", "LIFEBOAT_DRILL_SCHEDULE": "0 2 * * 6"])
        #expect(try ScheduledJob.configured(rotating).map(\.arguments) == [["drill-next"]])
        let fixed = try await Self.configuration([
            "BACKUP_ENABLED": "false", "LIFEBOAT_DRILL_SCHEDULE": "0 2 * * 6", "LIFEBOAT_DRILL_RUNBOOK": "weekly-drill"
        ])
        #expect(try ScheduledJob.configured(fixed).map(\.arguments) == [["drill", "weekly-drill"]])
    }

    @Test func onlyScheduledDrillsAreWatched() async throws {
        let folder = try Self.runbooks()
        defer { try? FileManager.default.removeItem(at: folder) }
        #expect(try DrillRotation.watched(try await Self.configuration(["LIFEBOAT_RUNBOOKS_DIR": folder.path])) == [])
        let scheduled = ["LIFEBOAT_RUNBOOKS_DIR": folder.path, "LIFEBOAT_DRILL_SCHEDULE": "0 2 * * *"]
        #expect(try DrillRotation.watched(try await Self.configuration(scheduled)) == ["recent-corruption"])
        #expect(
            try DrillRotation.watched(
                try await Self.configuration(scheduled.merging(["LIFEBOAT_DRILL_RUNBOOK": "total-loss"]) { $1 }))
                == ["total-loss"])
    }

    @Test func maxAgeIsADurationAboveZero() async throws {
        #expect(try DrillRotation.maxAge(try await Self.configuration([:])) == 8 * Self.day)
        #expect(try DrillRotation.maxAge(try await Self.configuration(["LIFEBOAT_DRILL_MAX_AGE": "36h"])) == 36 * 3600)
        for bad in ["soon", "0", "-1d"] {
            let configuration = try await Self.configuration(["LIFEBOAT_DRILL_MAX_AGE": bad])
            #expect {
                try DrillRotation.maxAge(configuration)
            } throws: { ($0 as? LifeboatError)?.message.contains("LIFEBOAT_DRILL_MAX_AGE is '\(bad)'") == true }
        }
    }

    @Test func aWatchedScenarioIsStaleWhenNeverOrNotRecentlyDrilled() {
        func drill(_ daysAgo: Double, missed: [String] = []) -> DrillFreshness.LastDrill {
            DrillFreshness.LastDrill(
                runId: "run-\(Int(daysAgo))", startedAt: Self.now - daysAgo * Self.day, outcome: "succeeded",
                objectivesMet: missed.isEmpty, missed: missed)
        }
        let freshness = DrillFreshness(
            watched: ["recent-corruption", "weekly-drill", "total-loss"],
            lastDrills: [
                "recent-corruption": drill(2, missed: ["rto"]), "weekly-drill": drill(9), "slow-drill": drill(30)
            ],
            maxAge: 8 * Self.day, now: Self.now, scheduled: true)
        #expect(freshness.scenarios.map(\.name) == ["recent-corruption", "weekly-drill", "total-loss", "slow-drill"])
        #expect(freshness.scenarios.map(\.stale) == [false, true, true, false], "an unwatched scenario is never stale")
        #expect(freshness.scenarios[0].staleAfter == Self.now + 6 * Self.day)
        #expect(
            freshness.problems == [
                "scenario weekly-drill was last drilled 9d ago (run run-9), more than LIFEBOAT_DRILL_MAX_AGE (8d); run `lifeboat drill weekly-drill`",
                "scenario total-loss was never drilled (drills are due every 8d, LIFEBOAT_DRILL_MAX_AGE); run `lifeboat drill total-loss`"
            ])
        let unscheduled = DrillFreshness(
            watched: [], lastDrills: ["weekly-drill": drill(90)], maxAge: 8 * Self.day, now: Self.now, scheduled: false)
        #expect(unscheduled.problems.isEmpty)
    }
}
