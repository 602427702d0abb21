import Foundation
import Testing
import LifeboatCore
import LifeboatRunbooks

/// Retries with backoff, timeouts, `on_failure: continue` and compensation, each exercised by
/// a small runbook of shell steps run through the real binary.
@Suite(.enabled(if: TestEnvironment.shouldRun))
struct RunbookBehaviourTests {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
        "Runbooks")

    static func run(_ name: String) throws -> (CommandResult, [JournalEvent], String, ScratchFolder) {
        let work = try ScratchFolder()
        let state = try ScratchFolder()
        let database = try ScratchDatabase(fromPagila: false)
        let result = try Command.lifeboat(
            ["runbook", "run", directory.appendingPathComponent("\(name).yaml").path, "--json"],
            environment: [
                "DATABASE_URL": database.url, "LIFEBOAT_STATE_DIR": state.path, "LB_WORK": work.path
            ])
        let runID =
            (try? JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])?["run_id"] as? String
            ?? ((try? FileManager.default.contentsOfDirectory(atPath: state.url.appendingPathComponent("runs").path))?
                .first ?? "")
        let events = (try? RunJournal.read(state.url.appendingPathComponent("runs/\(runID)/journal.jsonl"))) ?? []
        let log = (try? String(contentsOf: work.url.appendingPathComponent("log"), encoding: .utf8)) ?? ""
        return (result, events, log, work)
    }

    @Test func retriesWithBackoff() throws {
        let (result, events, log, _) = try Self.run("retry-backoff")
        #expect(result.succeeded, "\(result.stderr)")
        let attempts = events.filter { $0.kind == .stepStarted && $0.step == "flaky" }
        #expect(attempts.compactMap(\.attempt) == [1, 2, 3])
        if attempts.count == 3 {
            let first = attempts[1].at.timeIntervalSince(attempts[0].at)
            let second = attempts[2].at.timeIntervalSince(attempts[1].at)
            #expect(first >= 0.9, "first backoff about 1s: \(first)")
            #expect(second >= 1.9, "second backoff doubled: \(second)")
        }
        #expect(log == "after\n")
    }

    @Test func timeoutFailsTheStepAndContinueGoesOn() throws {
        let started = Date()
        let (result, events, log, _) = try Self.run("timeout-continue")
        #expect(result.succeeded, "\(result.stderr)")
        // The step would sleep 300 s; the bound leaves a busy machine minutes for the rest.
        #expect(Date().timeIntervalSince(started) < 200, "the 300 s step was cut at its timeout")
        let slow = events.first { $0.kind == .stepFinished && $0.step == "slow" }
        #expect(slow?.status == .failed)
        #expect(slow?.message?.contains("timed out") == true, "\(slow?.message ?? "")")
        #expect(log == "after\n", "the slow command never finished, the next step ran")
        #expect(events.last?.status == .succeeded)
    }

    @Test func compensationRunsThenTheRunStops() throws {
        let (result, events, log, _) = try Self.run("compensation")
        #expect(result.status == 1)
        #expect(log == "prepare\nbreak\nundo\n", "compensation ran, the step after the failure did not: \(log)")
        #expect(events.contains { $0.kind == .stepFinished && $0.step == "undo" && $0.status == .succeeded })
        #expect(events.last?.kind == .runFinished && events.last?.status == .failed)
    }

    @Test func independentBranchesRunAtTheSameTime() throws {
        let (result, events, log, work) = try Self.run("parallel-branches")
        #expect(result.succeeded, "\(result.stderr)")
        // Each branch waits until the other has started, so the run succeeds only if both ran
        // at once. Order is read from the journal's order, not its millisecond timestamps.
        func index(_ kind: JournalEvent.Kind, _ step: String) -> Int? {
            events.firstIndex { $0.kind == kind && $0.step == step }
        }
        let leftStart = try #require(index(.stepStarted, "left")),
            rightStart = try #require(index(.stepStarted, "right"))
        let leftEnd = try #require(index(.stepFinished, "left")),
            rightEnd = try #require(index(.stepFinished, "right"))
        #expect(leftStart < rightEnd && rightStart < leftEnd, "each branch started before the other finished")
        let joinStart = try #require(index(.stepStarted, "join"))
        #expect(joinStart > max(leftEnd, rightEnd), "the join waited for both")
        #expect(log == "begin\njoin\n")
        let branches = try String(contentsOf: work.url.appendingPathComponent("branches"), encoding: .utf8)
        #expect(branches.split(separator: "\n").sorted() == ["left", "right"])
    }

    @Test func aFailedBranchLetsItsRunningSiblingFinishAndStartsNothingNew() throws {
        let (result, events, log, _) = try Self.run("parallel-failure")
        #expect(result.status == 1)
        #expect(log == "sibling\n", "the sibling finished; the step after both never started: \(log)")
        #expect(events.contains { $0.kind == .stepFinished && $0.step == "sibling" && $0.status == .succeeded })
        #expect(events.contains { $0.kind == .stepFinished && $0.step == "broken" && $0.status == .failed })
        #expect(!events.contains { $0.step == "after" })
        #expect(events.last?.kind == .runFinished && events.last?.status == .failed)
        #expect(result.stderr.contains("broken"), "\(result.stderr)")
    }

    @Test func resumeRunsTheStepThatFailedAgainAndNotTheOnesBefore() throws {
        let work = try ScratchFolder()
        let state = try ScratchFolder()
        let database = try ScratchDatabase(fromPagila: false)
        let environment: [String: String?] = [
            "DATABASE_URL": database.url, "LIFEBOAT_STATE_DIR": state.path, "LB_WORK": work.path
        ]
        let runbook = Self.directory.appendingPathComponent("fails-until-fixed.yaml").path
        let failed = try Command.lifeboat(["runbook", "run", runbook], environment: environment)
        #expect(failed.status == 1)
        let runID = try #require(RunbookScenarioTests.runIDs(state).first)
        try Data().write(to: work.url.appendingPathComponent("fixed"))
        let resumed = try Command.lifeboat(["runbook", "resume", runID], environment: environment)
        #expect(resumed.succeeded, "\(resumed.stderr)")
        let log = try String(contentsOf: work.url.appendingPathComponent("log"), encoding: .utf8)
        #expect(log == "prepare\nafter\n", "prepare ran once, after ran once the check passed: \(log)")
        let events = try RunJournal.read(state.url.appendingPathComponent("runs/\(runID)/journal.jsonl"))
        #expect(events.filter { $0.kind == .stepFinished && $0.step == "check" }.map(\.status) == [.failed, .succeeded])
        #expect(events.last?.kind == .runFinished && events.last?.status == .succeeded)
        let status = try Command.lifeboat(["runbook", "status", runID, "--json"], environment: environment)
        let report = try #require(
            try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [String: Any], "\(status.stderr)")
        #expect(
            report["outcome"] as? String == "succeeded", "status --json is the report: \(status.stdout.prefix(400))")
    }
}
