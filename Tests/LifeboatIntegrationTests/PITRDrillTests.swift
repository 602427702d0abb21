import Foundation
import Testing
import LifeboatPostgres

/// The PITR drill (issue 12, acceptance 2) against the real pgBackRest cluster of
/// `scripts/physical-env`: `lifeboat drill point-in-time` recovers into a scratch cluster on a
/// free port, validates there, reports RTO and the achieved recovery point, and leaves the live
/// cluster and its WAL archive alone. In the serialized PhysicalEngineTests suite: it shares the
/// cluster with the live-restore tests.
extension PhysicalEngineTests {
    static func drillEnvironment(_ folder: ScratchFolder, _ state: ScratchFolder) throws -> [String: String?] {
        // The scratch folder must be reachable by the postgres user; the state directory is private.
        try Self.environment(
            folder, ["LIFEBOAT_STATE_DIR": state.path, "LIFEBOAT_DRILL_SCRATCH_DIR": folder.path + "/drills"])
    }

    static func answers(port: Int) -> Bool {
        let url = "postgresql://postgres@127.0.0.1:\(port)/postgres?connect_timeout=3"
        do {
            _ = try Connection(url)
            return true
        } catch {
            // Refused: nothing listens. An authentication error would mean a server is there.
            return !"\(error)".lowercased().contains("refused")
        }
    }

    @Test func aDrillToTLeavesTheLiveClusterAloneAndReportsTheRecoveryPoint() throws {
        let folder = try ScratchFolder()
        let state = try ScratchFolder()
        let table = "lifeboat_pitr_drill_markers"
        defer { Self.dropTable(table) }
        // No LIFEBOAT_DRILL_SCRATCH_DIR: the default, beside the live data directory, must work.
        let environment = try Self.environment(folder, ["LIFEBOAT_STATE_DIR": state.path])
        let target = try Self.fullBackupThenMarkers(table, environment)
        let live = try Self.tags(table)
        #expect(live == ["A": 1, "B": 1, "bulk": 20])

        let drill = try Command.lifeboat(
            ["drill", "point-in-time", "--input", "target_time=\(target)", "--json"], environment: environment)
        try #require(drill.status == 0, "\(drill.stdout)\n\(drill.stderr)")
        #expect(try Self.tags(table) == live, "the live cluster still has B, and the deleted rows stay deleted")

        let report = try #require(try Self.json(drill.stdout) as? [String: Any])
        #expect(report["status"] as? String == "succeeded")
        let measures = try #require(report["measures"] as? [String: Any])
        #expect((measures["rto_seconds"] as? Double ?? -1) > 0, "\(measures)")
        let cluster = try #require(report["scratch_cluster"] as? [String: Any], "\(report)")
        #expect((cluster["backup_set"] as? String)?.hasSuffix("F") == true)
        #expect(cluster["wal_start"] is String && cluster["wal_stop"] is String, "\(cluster)")
        let targetDate = try #require(ISO8601DateFormatter().date(from: target))
        let reachedText = try #require(cluster["recovered_to"] as? String, "\(cluster)")
        let fractional = ISO8601DateFormatter()
        fractional.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        let reached = try #require(fractional.date(from: reachedText))
        // A committed before T and B after it: the achieved point is A's commit, under a second before T.
        #expect(
            reached <= targetDate && targetDate.timeIntervalSince(reached) < 1,
            "recovered to \(reachedText), target \(target)")
        let gap = try #require(measures["rpo_seconds"] as? Double)
        #expect(gap >= 0 && gap < 1)
        if let stopped = (cluster["stopped_before"] as? String).flatMap(fractional.date(from:)) {
            #expect(stopped > targetDate, "the first transaction left out (B) committed after T")
        }

        // The scratch is gone, and no postmaster is left on its port.
        let scratch = try #require(cluster["folder"] as? String)
        let liveData = try TestEnvironment.require("LIFEBOAT_TEST_PHYSICAL_PGDATA")
        let besideLive = URL(fileURLWithPath: liveData).deletingLastPathComponent().appendingPathComponent(
            "lifeboat-drills"
        ).path
        #expect(scratch.hasPrefix(besideLive + "/"), "\(scratch) is beside the live data directory by default")
        #expect(!FileManager.default.fileExists(atPath: scratch), "\(scratch) removed")
        let port = try #require(cluster["port"] as? Int)
        #expect(!Self.answers(port: port), "nothing answers on the scratch port \(port)")
        #expect(cluster["kept"] as? Bool == false)

        // The shipped runbook's check ran against the scratch cluster, not the live database.
        let runID = try #require(RunbookScenarioTests.runIDs(state).first)
        let events = try RunbookRunTests.journal(state, runID)
        let checked = events.last { $0.kind == .stepFinished && $0.step == "check_physical" }
        #expect(checked?.status == .succeeded, "\(checked?.message ?? "not run")")
    }

    @Test func aKeptDrillValidatesInTheScratchAndLeavesItStoppedWithArchivingOff() throws {
        let folder = try ScratchFolder()
        let state = try ScratchFolder()
        let table = "lifeboat_pitr_keep_markers"
        defer { Self.dropTable(table) }
        let environment = try Self.drillEnvironment(folder, state)
        let target = try Self.fullBackupThenMarkers(table, environment)

        // A runbook of its own, validating the data: A and the deleted rows are there, B is not.
        let books = try ScratchFolder()
        try """
        name: pitr-check
        description: PITR drill with data checks
        inputs:
          target_time: { type: timestamp, required: true, description: the moment }
        steps:
          - id: restore
            action: physical.restore
            with: { target: "${inputs.target_time}" }
          - id: has_a
            action: sql.check
            with: { url: "${steps.restore.outputs.scratch_url}", query: "SELECT count(*) FROM \(table) WHERE tag = 'A'", expect: "= 1" }
            needs: [restore]
          - id: no_b
            action: sql.check
            with: { url: "${steps.restore.outputs.scratch_url}", query: "SELECT count(*) FROM \(table) WHERE tag = 'B'", expect: "= 0" }
            needs: [restore]
          - id: bulk_back
            action: sql.check
            with: { url: "${steps.restore.outputs.scratch_url}", query: "SELECT count(*) FROM \(table) WHERE tag = 'bulk'", expect: "= 500" }
            needs: [restore]
        """.write(to: books.url.appendingPathComponent("pitr-check.yaml"), atomically: true, encoding: .utf8)

        let drill = try Command.lifeboat(
            ["drill", "pitr-check", "--dir", books.path, "--input", "target_time=\(target)", "--keep"],
            environment: environment)
        try #require(drill.status == 0, "\(drill.stdout)\n\(drill.stderr)")
        #expect(drill.stdout.contains("recovered to: "), "\(drill.stdout)")
        #expect(drill.stdout.contains("kept (stopped): "), "\(drill.stdout)")
        #expect(try Self.tags(table) == ["A": 1, "B": 1, "bulk": 20], "live untouched")

        let drills = folder.url.appendingPathComponent("drills")
        let kept = try #require(
            try FileManager.default.contentsOfDirectory(atPath: drills.path).first { $0.hasPrefix("pitr-") })
        let data = drills.appendingPathComponent(kept).appendingPathComponent("pgdata")
        #expect(
            !FileManager.default.fileExists(atPath: data.appendingPathComponent("postmaster.pid").path),
            "the postmaster was stopped")
        let auto = try String(contentsOf: data.appendingPathComponent("postgresql.auto.conf"), encoding: .utf8)
        #expect(
            auto.contains("archive_mode = 'off'") && auto.contains("archive_command = ''"),
            "a drill never pushes WAL into the live repository: \(auto)")
        try? FileManager.default.removeItem(at: drills)
    }
}
