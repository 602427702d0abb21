import Foundation
import Testing
@testable import LifeboatRunbooks

/// `drill.regressed`: a drill's RTO against the median of the scenario's previous five drills.
@Suite struct DrillRegressionTests {
    static let start = Date(timeIntervalSince1970: 1_737_169_200)

    /// A drill (or run) of `scenario` started `day` days after `start`, validated after `rto` seconds.
    static func write(
        _ runs: URL, _ id: String, scenario: String = "weekly-drill", day: Double, rto: Double,
        drill: Bool = true, status: JournalEvent.Status = .succeeded
    ) throws {
        let journal = try RunJournal(directory: runs.appendingPathComponent(id))
        let at = start.addingTimeInterval(day * 86_400)
        var begin = JournalEvent(kind: .runStarted, at: at)
        begin.runbookName = scenario
        begin.drill = drill
        try journal.append(begin)
        var started = JournalEvent(kind: .stepStarted, at: at, step: "restore")
        started.action = "restore.database"
        try journal.append(started)
        var finished = JournalEvent(kind: .stepFinished, at: at.addingTimeInterval(rto), step: "restore")
        finished.action = "restore.database"
        finished.status = .succeeded
        try journal.append(finished)
        var end = JournalEvent(kind: .runFinished, at: at.addingTimeInterval(rto))
        end.status = status
        try journal.append(end)
    }

    func runs() throws -> URL {
        let runs = FileManager.default.temporaryDirectory.appendingPathComponent("regression-\(UUID().uuidString)/runs")
        // Six earlier drills: only the newest five count (the 100 s one is too old to).
        for (day, rto) in [(0.0, 100.0), (1, 10), (2, 12), (3, 11), (4, 30), (5, 9)] {
            try Self.write(runs, "d\(Int(day))", day: day, rto: rto)
        }
        try Self.write(runs, "other", scenario: "total-loss", day: 5.5, rto: 1)  // another scenario
        try Self.write(runs, "real", day: 5.6, rto: 1, drill: false)  // a real run
        try Self.write(runs, "failed", day: 5.7, rto: 1, status: .failed)  // a failed drill
        return runs
    }

    @Test func aDrillAtLeastOneAndAHalfTimesTheMedianRegressed() throws {
        let runs = try runs()
        defer { try? FileManager.default.removeItem(at: runs.deletingLastPathComponent()) }
        let now = Self.start.addingTimeInterval(6 * 86_400)
        // Median of 9, 30, 11, 12, 10 is 11: 16.5 s is the line.
        let regression = try #require(
            DrillRegression.check(rtoSeconds: 16.5, scenario: "weekly-drill", runID: "new", startedAt: now, runs: runs))
        #expect(regression.medianSeconds == 11)
        #expect(regression.compared == ["d5", "d4", "d3", "d2", "d1"])
        #expect(regression.details(runID: "new", runbook: "weekly-drill")["factor"] == "1.50")
        #expect(
            DrillRegression.check(rtoSeconds: 16.4, scenario: "weekly-drill", runID: "new", startedAt: now, runs: runs)
                == nil)
    }

    @Test func theFirstDrillOfAScenarioCannotRegress() throws {
        let runs = try runs()
        defer { try? FileManager.default.removeItem(at: runs.deletingLastPathComponent()) }
        #expect(
            DrillRegression.check(
                rtoSeconds: 1000, scenario: "point-in-time", runID: "new", startedAt: Date(), runs: runs) == nil)
        #expect(
            DrillRegression.check(
                rtoSeconds: 1000, scenario: "weekly-drill", runID: "d0", startedAt: Self.start, runs: runs) == nil,
            "only drills that started before it count")
    }

    @Test func aMedianOfAnEvenCountIsTheMeanOfTheMiddleTwo() {
        #expect(DrillRegression.median([4, 1, 3, 2]) == 2.5)
        #expect(DrillRegression.median([7]) == 7)
    }
}
