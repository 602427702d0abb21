import Foundation
import Testing
@testable import LifeboatRunbooks

/// The engine's scheduling decisions, from a journal and a graph alone: which steps may start,
/// which are settled, and what a resume redoes.
@Suite struct StepSchedulerTests {
    /// pick → decrypt → restore → check, with `notify` beside them and `undo` compensating
    /// `restore`; `check` may fail without stopping the run.
    static let runbook = """
        name: s
        description: x
        steps:
          - { id: pick, action: backup.select }
          - { id: decrypt, action: backup.decrypt, with: { backup: x }, needs: [pick] }
          - { id: restore, action: restore.database, with: { backup: x }, needs: [decrypt], on_failure: undo }
          - { id: check, action: sql.check, with: { query: "select 1" }, needs: [restore], on_failure: continue }
          - { id: notify, action: notify, with: { message: hi } }
          - { id: undo, action: services.start }
        """

    static func scheduler(_ text: String = runbook, met: Bool = true) throws -> StepScheduler {
        StepScheduler(runbook: try RunbookLoader().load(text: text, file: "s.yaml")) { _, _ in met }
    }

    /// A journal: the run started (a drill or not), then each step as (id, action, status, outputs).
    static func state(drill: Bool = false, _ steps: [(String, String, JournalEvent.Status?, [String: String])])
        -> RunState
    {
        var events = [JournalEvent(kind: .runStarted)]
        events[0].drill = drill
        for (id, action, status, outputs) in steps {
            var started = JournalEvent(kind: .stepStarted, step: id)
            started.action = action
            events.append(started)
            guard let status else { continue }  // started, never finished: interrupted
            var finished = JournalEvent(kind: .stepFinished, step: id)
            finished.action = action
            finished.status = status
            finished.outputs = outputs
            events.append(finished)
        }
        return RunState(events: events)
    }

    @Test func aNewRunStartsTheStepsThatNeedNothingAndLeavesCompensationsOut() throws {
        let scheduler = try Self.scheduler()
        #expect(scheduler.order.contains("undo") == false)
        #expect(scheduler.ready(Self.state([]), launched: []).map(\.id) == ["pick", "notify"])
        #expect(scheduler.ready(Self.state([]), launched: ["pick"]).map(\.id) == ["notify"])
    }

    @Test func aStepStartsOnceEverythingUpstreamIsSettled() throws {
        let scheduler = try Self.scheduler()
        let state = Self.state([
            ("pick", "backup.select", .succeeded, [:]),
            ("decrypt", "backup.decrypt", .succeeded, ["path": "/run/x.sql"])
        ])
        #expect(scheduler.ready(state, launched: ["pick", "notify", "decrypt"]).map(\.id) == ["restore"])
        #expect(scheduler.unfinished(state) == ["restore", "check", "notify"])
    }

    @Test(arguments: [
        (JournalEvent.Status.failed, "check", true),  // on_failure: continue: the run goes on past it
        (JournalEvent.Status.failed, "restore", false),  // stopped the run: resuming runs it again
        (JournalEvent.Status.skipped, "restore", true),
        (JournalEvent.Status.interrupted, "restore", false)
    ])
    func whatCountsAsSettled(status: JournalEvent.Status, step: String, settled: Bool) throws {
        let scheduler = try Self.scheduler()
        let action = step == "check" ? "sql.check" : "restore.database"
        #expect(scheduler.settled(Self.state([(step, action, status, [:])]), step) == settled)
    }

    @Test func anInterruptedStepIsReadyAgainOnResume() throws {
        let scheduler = try Self.scheduler()
        let state = Self.state([
            ("pick", "backup.select", .succeeded, [:]), ("notify", "notify", .succeeded, [:]),
            ("decrypt", "backup.decrypt", nil, [:])
        ])
        #expect(scheduler.ready(state, launched: []).map(\.id) == ["decrypt"])
    }

    /// The decrypted copy went with the previous try: decrypt runs again, and restore waits for it.
    @Test func aStepWhoseDeclaredNeedIsGoneRunsAgainBeforeItsReaders() throws {
        let scheduler = try Self.scheduler(met: false)
        let state = Self.state([
            ("pick", "backup.select", .succeeded, [:]), ("notify", "notify", .succeeded, [:]),
            ("decrypt", "backup.decrypt", .succeeded, ["path": "/run/x.sql"])
        ])
        #expect(!scheduler.settled(state, "decrypt"))
        #expect(scheduler.ready(state, launched: []).map(\.id) == ["decrypt"])
        #expect(scheduler.settled(state, "pick"), "actions that declare no need are not asked")
    }

    /// A scratch cluster is a need only in a drill: a real run's restore replaced the live data.
    @Test(arguments: [true, false])
    func aScratchClusterIsANeedOnlyInADrill(drill: Bool) throws {
        let text = """
            name: p
            description: x
            steps:
              - { id: restore, action: physical.restore, with: { target: latest } }
            """
        var asked: [ActionSpec.ResumeNeed] = []
        let scheduler = StepScheduler(runbook: try RunbookLoader().load(text: text, file: "p.yaml")) { need, outputs in
            asked.append(need)
            return outputs["scratch_dir"] == nil
        }
        let state = Self.state(
            drill: drill, [("restore", "physical.restore", .succeeded, ["scratch_dir": "/tmp/gone"])])
        #expect(scheduler.settled(state, "restore") == !drill)
        #expect(asked == (drill ? [.runningScratchCluster(output: "scratch_dir")] : []))
    }

    @Test func theShippedActionsDeclareWhatAResumeNeeds() {
        #expect(ActionCatalog.spec("backup.decrypt")?.resumeNeeds == [.transientRunFile(output: "path")])
        #expect(ActionCatalog.spec("physical.restore")?.resumeNeeds == [.runningScratchCluster(output: "scratch_dir")])
        #expect(ActionCatalog.spec("restore.database")?.resumeNeeds == [])
    }
}
