import Foundation
import Testing
import LifeboatCore

/// Issue 24, acceptance 3: a drill made slower on purpose (a `wait` step before the restore)
/// raises `drill.regressed` at the webhook; the scenario's first drill, with nothing to compare
/// with, does not.
@Suite(.enabled(if: TestEnvironment.shouldRun))
struct DrillRegressionDrillTests {
    static let runbook = """
        name: slow-drill
        description: A restore with a wait before it, to make a drill slower on purpose.
        inputs:
          delay:
            type: duration
            default: 0s
        steps:
          - id: pick
            action: backup.select
            with: { type: any, which: latest }
          - id: slow
            action: wait
            with: { duration: "${inputs.delay}" }
            needs: [pick]
          - id: restore
            action: restore.database
            with: { backup: "${steps.pick.outputs.path}", mode: safe }
            needs: [slow]
        """

    @Test func aSlowerDrillRegressed() throws {
        let receiver = try WebhookReceiver()
        let database = try ScratchDatabase()
        let folder = try ScratchFolder()
        let state = try ScratchFolder()
        var environment = try RunbookRunTests.environment(
            database, folder, state: state, log: folder.url.appendingPathComponent("s.log").path)
        for (key, value) in try WebhookTests.environment(database, folder, urls: [receiver.url])
        where key.hasPrefix("BACKUP_WEBHOOK") {
            environment[key] = value
        }
        _ = try BackupRoundTripTests.backup(["--type", "daily", "--compress"], environment)
        let file = folder.url.appendingPathComponent("slow-drill.yaml")
        try Self.runbook.write(to: file, atomically: true, encoding: .utf8)

        func drill(delay: Int) throws -> (runID: String, rto: Double) {
            let result = try Command.lifeboat(
                ["drill", file.path, "--input", "delay=\(delay)s", "--json"], environment: environment)
            #expect(result.status == 0, "\(result.stderr)")
            let json = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
            let measures = try #require(json["measures"] as? [String: Any])
            return (try #require(json["run_id"] as? String), try #require(measures["rto_seconds"] as? Double))
        }
        let first = try drill(delay: 0)
        #expect(receiver.requests(for: "drill.regressed").isEmpty, "a first drill has nothing to regress from")
        // The wait alone is more than twice the first RTO, so the second is past 1.5× whatever the restore takes.
        let second = try drill(delay: 2 * Int(first.rto.rounded(.up)) + 1)
        #expect(second.rto >= 1.5 * first.rto)
        let regressed = try #require(
            receiver.requests(for: "drill.regressed").first, "\(receiver.requests.compactMap(\.event))")
        WebhookTests.expectWellFormed(regressed, event: "drill.regressed")
        #expect(regressed.details["run_id"] as? String == second.runID)
        #expect(regressed.details["runbook"] as? String == "slow-drill")
        #expect(regressed.details["compared"] as? String == first.runID)
        #expect(
            (regressed.details["median_seconds"] as? String).flatMap(Double.init).map { abs($0 - first.rto) < 0.01 }
                == true)
        #expect(
            (regressed.details["rto_seconds"] as? String).flatMap(Double.init).map { abs($0 - second.rto) < 0.01 }
                == true)
    }
}
