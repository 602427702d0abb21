import Foundation
import Testing
@testable import LifeboatCore

@Suite struct MetricsTextfileTests {
    @Test func countersAddUpAcrossJobsAndTheFileIsPrometheusText() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("lb-metrics-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let textfile = MetricsTextfile(path: folder.appendingPathComponent("lifeboat.prom").path)
        textfile.update { $0.backup(type: "daily", succeeded: true, durationSeconds: 4.5, sizeBytes: 1234) }
        textfile.update { $0.backup(type: "daily", succeeded: false, durationSeconds: nil, sizeBytes: nil) }
        textfile.update { $0.backup(type: "daily", succeeded: true, durationSeconds: 3, sizeBytes: 2000) }
        textfile.update { $0.runbookRun("total-loss", drill: true, outcome: "succeeded") }
        let text = try String(contentsOf: textfile.url, encoding: .utf8)
        #expect(text.contains(#"lifeboat_backups_total{type="daily",result="success"} 2"#), "\(text)")
        #expect(text.contains(#"lifeboat_backups_total{type="daily",result="failure"} 1"#))
        #expect(text.contains(#"lifeboat_backup_size_bytes{type="daily"} 2000"#))
        #expect(text.contains(#"lifeboat_runbook_runs_total{runbook="total-loss",mode="drill",outcome="succeeded"} 1"#))
        #expect(text.contains("# TYPE lifeboat_backups_total counter"))
        #expect(text.contains("# HELP lifeboat_backups_total"))
        let attributes = try FileManager.default.attributesOfItem(atPath: textfile.url.path)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o644, "node_exporter can read it")
    }

    @Test func anUnwritableFolderWarnsAndNeverThrows() {
        let textfile = MetricsTextfile(path: "/proc/lifeboat-cannot-write-here/lifeboat.prom")
        var warnings: [String] = []
        textfile.update(warn: { warnings.append($0) }) { $0.verification("passed") }
        #expect(warnings.count == 1)
        #expect(warnings.first?.contains("the job's result is not affected") == true)
    }
}

/// The last drill of each scenario: RTO, RPO, downtime, each objective met, and when.
@Suite struct DrillMetricsTextfileTests {
    @Test func theLastDrillOfEachScenarioIsAGauge() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("lb-metrics-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let textfile = MetricsTextfile(path: folder.appendingPathComponent("lifeboat.prom").path)
        textfile.update {
            $0.drills["weekly-drill"] = .init(
                at: Date(timeIntervalSince1970: 1_737_169_200), rtoSeconds: 41.5, rpoSeconds: 7200,
                downtimeSeconds: 0, objectivesMet: ["rto": false, "rpo": true])
        }
        let text = try String(contentsOf: textfile.url, encoding: .utf8)
        #expect(text.contains(#"lifeboat_drill_rto_seconds{runbook="weekly-drill"} 41.5"#), "\(text)")
        #expect(text.contains(#"lifeboat_drill_rpo_seconds{runbook="weekly-drill"} 7200"#))
        #expect(text.contains(#"lifeboat_drill_downtime_seconds{runbook="weekly-drill"} 0"#))
        #expect(text.contains(#"lifeboat_drill_objective_met{runbook="weekly-drill",objective="rto"} 0"#))
        #expect(text.contains(#"lifeboat_drill_objective_met{runbook="weekly-drill",objective="rpo"} 1"#))
        #expect(text.contains(#"lifeboat_drill_last_timestamp_seconds{runbook="weekly-drill"} 1737169200"#))
    }

    @Test func aLedgerFromBeforeDrillsReadsWithItsCounts() throws {
        let old =
            #"{"backups":{},"diskFreeBytes":{},"runbookRuns":{"a\u001Fdrill\u001Fsucceeded":3},"uploads":{"bytes":0,"failed":0,"succeeded":0},"verifications":{},"webhookFailures":2}"#
        let ledger = try JSONDecoder().decode(MetricsLedger.self, from: Data(old.utf8))
        #expect(ledger.webhookFailures == 2 && ledger.runbookRuns.values.first == 3 && ledger.drills.isEmpty)
    }
}
