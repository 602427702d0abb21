import Foundation
import Testing
import LifeboatCore

/// The node_exporter textfile, parsed by the reference Prometheus parser (prometheus_client)
/// after real jobs: counters move as backups succeed and fail, verifications and runbook runs
/// are counted, and gauges carry the last backup's size and the disk's free space.
@Suite(.enabled(if: TestEnvironment.shouldRun))
struct MetricsTests {
    static func parse(_ file: String) throws -> (samples: [String: Double], types: [String: String]) {
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/metrics/parse.py").path
        let result = try Command.run("/usr/bin/env", ["python3", script, file])
        try #require(result.succeeded, "the Prometheus parser rejected the file: \(result.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let samples = (object["samples"] as? [String: Any] ?? [:]).compactMapValues { ($0 as? NSNumber)?.doubleValue }
        return (samples, object["types"] as? [String: String] ?? [:])
    }

    @Test func countersMoveAsBackupsSucceedAndFail() throws {
        let database = try ScratchDatabase(fromPagila: false)
        let folder = try ScratchFolder()
        let state = try ScratchFolder()
        let metrics = folder.url.appendingPathComponent("textfile/lifeboat.prom").path
        var environment = try BackupRoundTripTests.environment(database, folder)
        environment["LIFEBOAT_STATE_DIR"] = state.path

        for _ in 0..<2 {
            // An empty database keeps this quick; --allow-empty because an empty dump fails otherwise.
            let ok = try Command.lifeboat(
                ["backup", "--type", "daily", "--allow-empty", "--metrics-file", metrics], environment: environment)
            try #require(ok.succeeded, "\(ok.stderr)")
        }
        var first = try Self.parse(metrics)
        #expect(first.samples[#"lifeboat_backups_total{result=success,type=daily}"#] == 2)
        #expect(first.samples[#"lifeboat_backups_total{result=failure,type=daily}"#] == 0)
        #expect(first.types["lifeboat_backups"] == "counter")
        #expect((first.samples[#"lifeboat_backup_size_bytes{type=daily}"#] ?? 0) > 0)
        #expect(
            abs(
                (first.samples[#"lifeboat_backup_last_success_timestamp_seconds{type=daily}"#] ?? 0)
                    - Date().timeIntervalSince1970) < 300)
        #expect(
            (first.samples[#"lifeboat_disk_free_bytes{path=\#(folder.path)}"#] ?? 0) > 0,
            "\(first.samples.keys.sorted())")

        var broken = environment
        broken["DATABASE_URL"] = "postgresql://nobody@127.0.0.1:1/none?connect_timeout=2"
        let failed = try Command.lifeboat(["backup", "--type", "daily", "--metrics-file", metrics], environment: broken)
        #expect(!failed.succeeded)
        first = try Self.parse(metrics)
        #expect(first.samples[#"lifeboat_backups_total{result=success,type=daily}"#] == 2)
        #expect(first.samples[#"lifeboat_backups_total{result=failure,type=daily}"#] == 1, "the failure is counted")

        let backup = try #require(
            try FileManager.default.contentsOfDirectory(atPath: folder.path).first {
                $0.hasPrefix("backup_daily_") && !$0.hasSuffix(".json")
            })
        let verified = try Command.lifeboat(
            ["verify", folder.url.appendingPathComponent(backup).path],
            environment: environment.merging(["LIFEBOAT_METRICS_FILE": metrics]) { $1 })
        #expect(verified.succeeded, "\(verified.stderr)")
        let runbook = RunbookBehaviourTests.directory.appendingPathComponent("parallel-failure.yaml").path
        environment["LB_WORK"] = folder.path
        _ = try Command.lifeboat(["runbook", "run", runbook, "--metrics-file", metrics], environment: environment)
        let after = try Self.parse(metrics)
        #expect(after.samples[#"lifeboat_verifications_total{result=passed}"#] == 1)
        #expect(after.samples[#"lifeboat_verification_last_passed{}"#] == 1)
        #expect(after.samples[#"lifeboat_runbook_runs_total{mode=run,outcome=failed,runbook=parallel-failure}"#] == 1)
    }
}
