import Foundation
import Testing
import LifeboatCore
import LifeboatRunbooks

/// Issue 20 item 6 (acceptance 4): recent-corruption restores the newest backup taken before
/// the damage began, not the newest backup (which may hold the damage); `plan` shows which and
/// why; with `--yes` and no incident time the run refuses to start and says why.
@Suite(.enabled(if: TestEnvironment.shouldRun), .serialized)
struct IncidentTimeTests {
    /// Waits until the clock is past `date` (backup names have whole seconds).
    static func waitUntilPast(_ date: Date) {
        while Date() <= date { usleep(50_000) }
    }

    @Test func theBackupTakenBeforeTheIncidentIsRestoredNotTheNewest() throws {
        let database = try ScratchDatabase()
        let folder = try ScratchFolder()
        let state = try ScratchFolder()
        defer { RestoreTests.dropAll(like: "\(database.name)_%") }
        let log = folder.url.appendingPathComponent("services.log").path
        let environment = try RunbookRunTests.environment(database, folder, state: state, log: log)
        let (before, _) = try BackupRoundTripTests.backup(
            ["--type", "daily", "--compress", "--no-encrypt"], environment)
        let original = try RestoreTests.checksums(database)
        let beforeTime = try #require(BackupName(fileName: before.lastPathComponent)).timestamp
        Self.waitUntilPast(beforeTime.addingTimeInterval(1))
        // The damage begins, and a later backup takes it in.
        let incident = Date()
        try database.connect().query("UPDATE film SET title = 'DAMAGED'")
        Self.waitUntilPast(incident.addingTimeInterval(1))
        let (after, _) = try BackupRoundTripTests.backup(["--type", "daily", "--compress", "--no-encrypt"], environment)
        #expect(try #require(BackupName(fileName: after.lastPathComponent)).timestamp > incident)
        let incidentText = ISO8601DateFormatter().string(from: incident)

        let refused = try Command.lifeboat(["runbook", "run", "recent-corruption", "--yes"], environment: environment)
        #expect(refused.status == 2, "\(refused.stderr)")
        #expect(
            refused.stderr.contains("input 'incident_time' is required (when the damage began"), "\(refused.stderr)")
        #expect(RunbookScenarioTests.runIDs(state).isEmpty, "no run started")

        let plan = try Command.lifeboat(
            ["runbook", "plan", "recent-corruption", "--input", "incident_time=\(incidentText)"],
            environment: environment)
        #expect(plan.succeeded, "\(plan.stderr)")
        #expect(
            plan.stdout.contains(
                "Backup: \(before.lastPathComponent) — the newest daily backup taken before the incident at"),
            "\(plan.stdout)")

        let runID = try RunbookScenarioTests.run(
            "recent-corruption", inputs: ["incident_time": incidentText], environment)
        let events = try RunbookRunTests.journal(state, runID)
        let picked = events.first { $0.kind == .stepFinished && $0.step == "pick" }?.outputs
        #expect(picked?["name"] == before.lastPathComponent, "\(picked ?? [:])")
        #expect(try RestoreTests.checksums(database) == original, "the data from before the damage is back")

        // `latest` says the old behaviour out loud: the newest backup, damage and all.
        let latest = try Command.lifeboat(
            ["runbook", "plan", "recent-corruption", "--input", "incident_time=latest"], environment: environment)
        #expect(
            latest.stdout.contains(
                "Backup: \(after.lastPathComponent) — the latest daily backup (incident time given as latest)"),
            "\(latest.stdout)")
    }
}

extension IncidentTimeTests {
    /// Issue 20 item 5: an incident or target time before the oldest backup never starts a run
    /// that could only fail at its first step: the preflight's `backup.choice` fails naming the
    /// oldest and newest backups, and nothing is started.
    @Test func aTimeTheBackupsDoNotCoverIsRefusedBeforeTheRun() throws {
        let database = try ScratchDatabase()
        let folder = try ScratchFolder()
        let state = try ScratchFolder()
        defer { RestoreTests.dropAll(like: "\(database.name)_%") }
        let environment = try RunbookRunTests.environment(
            database, folder, state: state, log: folder.url.appendingPathComponent("log").path)
        let (only, _) = try BackupRoundTripTests.backup(["--type", "daily", "--compress", "--no-encrypt"], environment)
        for (runbook, input) in [
            ("recent-corruption", "incident_time=2001-01-01T00:00:00Z"),
            ("point-in-time", "target_time=2001-01-01T00:00:00Z")
        ] {
            let run = try Command.lifeboat(
                ["runbook", "run", runbook, "--yes", "--input", input], environment: environment)
            #expect(run.status == 5, "\(runbook): \(run.stderr)")
            #expect(run.stderr.contains(PreflightTests.line("fail", "backup.choice")), "\(runbook): \(run.stderr)")
            #expect(
                run.stderr.contains("the oldest is \(only.lastPathComponent), the newest \(only.lastPathComponent)"),
                "\(runbook): \(run.stderr)")
            #expect(RunbookScenarioTests.runIDs(state).isEmpty, "\(runbook): no run started")
        }
        let covered = try Command.lifeboat(
            ["runbook", "plan", "recent-corruption", "--input", "incident_time=latest"], environment: environment)
        #expect(
            covered.stdout.contains(PreflightTests.line("ok", "backup.choice"))
                && covered.stdout.contains(only.lastPathComponent), "\(covered.stdout)")
    }
}
