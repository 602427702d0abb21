import Foundation
import Testing
import LifeboatCore
import LifeboatRunbooks

/// Issue 21 acceptance 4: in recent-corruption and total-loss the application is stopped only
/// for the swap. The `command` provider's stop and start commands look at the server as they
/// run: at the stop, the restored copy already exists beside the live database (it was built
/// and validated while the application ran); at the start, it has just been swapped in. The
/// journal's order says the same: prepare finished, then stop, swap, start with nothing between.
@Suite(.enabled(if: TestEnvironment.shouldRun))
struct SwapDowntimeTests {
    /// A services command that appends `<label> prepared=N kept=N live=N` to `log`: how many
    /// `<db>_restore_*` copies, `<db>_before_*` kept databases and live `<db>` exist right now.
    static func probe(_ database: ScratchDatabase, folder: ScratchFolder, log: String) throws -> String {
        let script = folder.url.appendingPathComponent("probe.sh").path
        let psql = try TestEnvironment.pgBin + "/psql"
        let admin = try TestEnvironment.adminURL
        func count(_ pattern: String) -> String {
            "$(\(shellQuote(psql)) \(shellQuote(admin)) -Atc \(shellQuote("select count(*) from pg_database where datname like '\(pattern)'")))"
        }
        let escaped = database.name.replacingOccurrences(of: "_", with: "\\_")
        try """
        #!/bin/bash
        echo "$1 prepared=\(count("\(escaped)\\_restore\\_%")) kept=\(count("\(escaped)\\_before\\_%")) live=\(count(escaped))" >> \(shellQuote(log))
        """.write(toFile: script, atomically: true, encoding: .utf8)
        chmod(script, 0o755)
        return script
    }

    /// The journal's order: the copy validated before the stop, the start right after the swap.
    static func expectStopAndStartBracketTheSwap(_ events: [JournalEvent], rows: Int64) throws {
        func index(_ kind: JournalEvent.Kind, _ step: String) throws -> Int {
            try #require(
                events.firstIndex {
                    $0.kind == kind && $0.step == step && (kind != .stepFinished || $0.status == .succeeded)
                },
                "\(kind) of \(step)")
        }
        let prepared = try index(.stepFinished, "prepare")
        #expect(
            events[prepared].outputs?["rows"] == String(rows),
            "the copy was validated against the manifest before the stop")
        #expect(try index(.approvalRequested, "stop") > prepared, "the approval comes after the copy is built")
        #expect(try index(.stepStarted, "stop") > prepared)
        let stopped = try index(.stepFinished, "stop")
        let swapStarted = try index(.stepStarted, "restore")
        #expect(swapStarted > stopped)
        let swapped = try index(.stepFinished, "restore")
        let started = try index(.stepStarted, "start")
        #expect(started > swapped)
        #expect(
            !events[stopped..<swapStarted].contains { $0.kind == .stepStarted },
            "nothing else runs between the stop and the swap")
        #expect(!events[swapped..<started].contains { $0.kind == .stepStarted }, "the start follows the swap directly")
        #expect(events.filter { $0.kind == .stepStarted && $0.step == "restore" }.count == 1)
        #expect(!events.contains { $0.action == "backup.verify" }, "one restore per recovery: no separate verify")
    }

    @Test func recentCorruptionStopsTheApplicationOnlyForTheSwap() throws {
        let database = try ScratchDatabase()
        let folder = try ScratchFolder()
        let state = try ScratchFolder()
        defer { RestoreTests.dropAll(like: "\(database.name)_%") }
        let log = folder.url.appendingPathComponent("services.log").path
        var environment = try RunbookRunTests.environment(database, folder, state: state, log: log)
        let probe = try Self.probe(database, folder: folder, log: log)
        environment["LIFEBOAT_STOP_COMMAND"] = "\(shellQuote(probe)) stop"
        environment["LIFEBOAT_START_COMMAND"] = "\(shellQuote(probe)) start"
        let (_, manifest) = try BackupRoundTripTests.backup(["--type", "daily", "--compress", "--encrypt"], environment)
        let original = try RestoreTests.checksums(database)
        try database.connect().query("DELETE FROM payment WHERE payment_id % 2 = 0")

        let runID = try RunbookScenarioTests.run("recent-corruption", inputs: ["incident_time": "latest"], environment)
        #expect(try RestoreTests.checksums(database) == original)
        #expect(
            RunbookScenarioTests.log(log) == "stop prepared=1 kept=0 live=1\nstart prepared=0 kept=1 live=1\nhealth\n",
            "at the stop the validated copy stood beside the live database; at the start it had been swapped in")
        try Self.expectStopAndStartBracketTheSwap(try RunbookRunTests.journal(state, runID), rows: manifest.totalRows)
    }

    @Test func totalLossStopsTheApplicationOnlyForTheSwap() throws {
        let database = try ScratchDatabase()
        let folder = try ScratchFolder()
        let state = try ScratchFolder()
        defer { RestoreTests.dropAll(like: "\(database.name)_%") }
        let bucket = try CloudTests.bucket()
        let log = folder.url.appendingPathComponent("services.log").path
        var environment = try RunbookRunTests.environment(database, folder, state: state, log: log, bucket: bucket)
        let probe = try Self.probe(database, folder: folder, log: log)
        environment["LIFEBOAT_STOP_COMMAND"] = "\(shellQuote(probe)) stop"
        environment["LIFEBOAT_START_COMMAND"] = "\(shellQuote(probe)) start"
        let (_, manifest) = try BackupRoundTripTests.backup(
            ["--type", "daily", "--compress", "--encrypt", "--upload"], environment)
        let original = try RestoreTests.checksums(database)
        try ScratchDatabase.drop(database.name)
        // The local backup folder went with the server: only the cloud copy is left.
        let empty = try ScratchFolder()
        environment["BACKUP_DIR"] = empty.path

        let runID = try RunbookScenarioTests.run("total-loss", environment)
        #expect(try RestoreTests.checksums(database) == original)
        #expect(
            RunbookScenarioTests.log(log) == "stop prepared=1 kept=0 live=0\nstart prepared=0 kept=0 live=1\n",
            "at the stop the validated copy existed; at the start it was the target")
        try Self.expectStopAndStartBracketTheSwap(try RunbookRunTests.journal(state, runID), rows: manifest.totalRows)
    }
}
