import Foundation
import Testing
import LifeboatCore
import LifeboatRunbooks

/// A drill that dies before it ends is finished by `runbook resume`, not by `lifeboat drill`:
/// the engine drops the drill's scratch databases when the run ends, so the resume cleans up
/// as the drill would have (and an interrupted drill keeps them, because the resume needs them).
@Suite(.enabled(if: TestEnvironment.shouldRun))
struct DrillResumeTests {
    /// `--keep` is the drill's word, journaled when it starts: a resume, which has no such
    /// flag, keeps the scratch databases too.
    @Test(arguments: [false, true])
    func aDrillFinishedByResumeLeavesNoScratchDatabaseUnlessKept(keep: Bool) throws {
        let database = try ScratchDatabase()
        let folder = try ScratchFolder()
        let state = try ScratchFolder()
        var environment = try RunbookRunTests.environment(
            database, folder, state: state, log: folder.url.appendingPathComponent("s.log").path)
        _ = try BackupRoundTripTests.backup(["--type", "daily", "--compress"], environment)
        defer { RestoreTests.dropAll(like: "\(database.name)_%") }
        let scratch = { try RestoreTests.databases(like: "\(database.name)_drill_%") }

        // The engine kills itself after the last step's action returned, before its end is journaled.
        environment["LIFEBOAT_TEST_CRASH_AFTER_STEP"] = "check"
        let crashed = try Command.lifeboat(
            ["drill", "recent-corruption", "--input", "incident_time=latest"] + (keep ? ["--keep"] : []),
            environment: environment)
        #expect(crashed.status == SIGKILL, "the drill died before it ended: \(crashed.status) \(crashed.stderr)")
        #expect(try !scratch().isEmpty, "an interrupted drill keeps its scratch database for the resume")

        environment["LIFEBOAT_TEST_CRASH_AFTER_STEP"] = nil
        let runID = try #require(RunbookScenarioTests.runIDs(state).first)
        let resumed = try Command.lifeboat(["runbook", "resume", runID, "--yes"], environment: environment)
        try #require(resumed.succeeded, "\(resumed.stderr)")
        let events = try RunbookRunTests.journal(state, runID)
        #expect(events.last?.kind == .runFinished && events.last?.status == .succeeded)
        #expect(events.first?.keepScratch == (keep ? true : nil))
        let left = try scratch()
        if keep {
            #expect(!left.isEmpty, "the resume kept the scratch databases of a drill started with --keep")
        } else {
            #expect(left.isEmpty, "the resume dropped the drill's scratch databases: \(left)")
        }
        #expect(try RestoreTests.databases(like: database.name).count == 1, "the live database stays")
    }
}
