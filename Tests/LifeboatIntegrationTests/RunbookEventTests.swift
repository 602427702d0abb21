import Foundation
import Testing
import LifeboatCore
import LifeboatRunbooks

/// Runbook events reach the webhook receiver signed: started, approval needed (then approved
/// from another terminal), a runbook's own notice, a failed step, completed.
@Suite(.enabled(if: TestEnvironment.shouldRun))
struct RunbookEventTests {
    @Test func aRunAnnouncesItselfToTheWebhooks() throws {
        let receiver = try WebhookReceiver()
        let database = try ScratchDatabase(fromPagila: false)
        let folder = try ScratchFolder()
        let state = try ScratchFolder()
        var environment = try WebhookTests.environment(database, folder, urls: [receiver.url])
        environment["LIFEBOAT_STATE_DIR"] = state.path
        let runbook = RunbookBehaviourTests.directory.appendingPathComponent("events.yaml").path
        let process = try Command.spawnLifeboat(["runbook", "run", runbook], environment: environment)
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }

        let deadline = Date().addingTimeInterval(180)  // a hang guard; a busy machine may take long
        while receiver.requests(for: "runbook.approval_needed").isEmpty && Date() < deadline {
            Thread.sleep(forTimeInterval: 0.1)
        }
        let asking = try #require(receiver.requests(for: "runbook.approval_needed").first, "the gate announced itself")
        let runID = try #require(asking.details["run_id"] as? String)
        #expect(asking.details["step"] as? String == "gate")
        #expect((asking.details["approve_with"] as? String)?.contains("lifeboat runbook approve \(runID) gate") == true)
        let approved = try Command.lifeboat(
            ["runbook", "approve", runID, "gate", "--by", "alice"], environment: environment)
        try #require(approved.succeeded, "\(approved.stderr)")
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)

        let names = receiver.requests.compactMap(\.event)
        #expect(
            names == [
                "runbook.started", "runbook.approval_needed", "runbook.notice", "runbook.step_failed",
                "runbook.completed"
            ], "\(names)")
        for request in receiver.requests {
            WebhookTests.expectWellFormed(request, event: request.event ?? "")
            #expect(request.details["runbook"] as? String == "events")
            #expect(request.details["run_id"] as? String == runID)
        }
        let notice = try #require(receiver.requests(for: "runbook.notice").first)
        #expect(notice.details["event"] as? String == "restore.begun")
        #expect(notice.details["message"] as? String == "restoring now")
        #expect(receiver.requests(for: "runbook.step_failed").first?.details["step"] as? String == "flaky")
    }
}
