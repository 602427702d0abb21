import Foundation
import Testing
import LifeboatCore
import LifeboatReports
import LifeboatRunbooks

/// Issue 20, "Approvals" and "The record": approvals that only a waiting gate accepts, once,
/// with who, the OS user and why in the journal; a prompt that says what to type; and a run
/// killed twice that resumes with a plain `resume` and reports both interruptions, each
/// attempt with its own times, and who resumed.
@Suite(.enabled(if: TestEnvironment.shouldRun))
struct RunbookRecordTests {
    typealias Environment = [String: String?]

    /// Polls the run's journal until `condition` holds (the run id is the only folder under runs/).
    static func waitForJournal(
        _ state: ScratchFolder, _ process: Process? = nil,
        until condition: ([JournalEvent]) -> Bool
    ) -> (String, [JournalEvent])? {
        for _ in 0..<1200 {
            if let id =
                (try? FileManager.default.contentsOfDirectory(atPath: state.url.appendingPathComponent("runs").path))?
                .first,
                let events = try? RunbookRunTests.journal(state, id), condition(events)
            {
                return (id, events)
            }
            if let process, !process.isRunning { return nil }
            usleep(100_000)
        }
        return nil
    }

    static func waiting(_ step: String) -> ([JournalEvent]) -> Bool {
        { events in events.contains { $0.kind == .approvalRequested && $0.step == step } }
    }

    @Test func approveAcceptsOnlyAWaitingGateOnceAndRecordsWhoAndWhy() throws {
        let database = try ScratchDatabase()
        let folder = try ScratchFolder()
        let state = try ScratchFolder()
        defer { RestoreTests.dropAll(like: "\(database.name)_%") }
        let log = folder.url.appendingPathComponent("log").path
        var environment = try RunbookRunTests.environment(database, folder, state: state, log: log)
        _ = try BackupRoundTripTests.backup(["--type", "daily", "--compress", "--no-encrypt"], environment)
        // The run stays open after the approval until the second `approve` has been refused:
        // on an idle machine it otherwise ended first, and the refusal said "already ended".
        let release = folder.url.appendingPathComponent("release")
        environment["LIFEBOAT_START_COMMAND"] =
            "while [ ! -e \(shellQuote(release.path)) ]; do sleep 0.1; done; echo start >> \(shellQuote(log))"

        let process = try Command.spawnLifeboat(
            ["runbook", "run", "recent-corruption", "--input", "incident_time=latest"], environment: environment)
        defer { FileManager.default.createFile(atPath: release.path, contents: nil) }
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
        let (runID, _) = try #require(
            Self.waitForJournal(state, process, until: Self.waiting("stop")), "the run reached its gate")

        let unknown = try Command.lifeboat(
            ["runbook", "approve", runID, "nostep", "--by", "bob"], environment: environment)
        #expect(unknown.status != 0)
        #expect(
            unknown.stderr.contains("run \(runID) has no step 'nostep'") && unknown.stderr.contains("restore"),
            "\(unknown.stderr)")
        let notWaiting = try Command.lifeboat(
            ["runbook", "approve", runID, "restore", "--by", "bob"], environment: environment)
        #expect(notWaiting.status != 0)
        #expect(
            notWaiting.stderr.contains("step 'restore' of run \(runID) is not waiting for approval"),
            "\(notWaiting.stderr)")
        #expect(notWaiting.stderr.contains("the step waiting for approval is 'stop'"), "\(notWaiting.stderr)")

        // Waiting shows as waiting, with its time, in both views: never "in progress".
        let status = try Command.lifeboat(["runbook", "status", runID], environment: environment)
        #expect(status.stdout.contains("stop: waiting for approval since "), "\(status.stdout)")
        #expect(!status.stdout.contains("in progress") && !status.stdout.contains("interrupted"), "\(status.stdout)")
        let overview = try Command.lifeboat(["status"], environment: environment)
        #expect(overview.stdout.contains("stop (waiting for approval since "), "\(overview.stdout)")
        #expect(!overview.stdout.contains("in progress"), "\(overview.stdout)")

        let approved = try Command.lifeboat(
            ["runbook", "approve", runID, "stop", "--by", "alice", "--reason", "ticket 42"], environment: environment)
        try #require(approved.succeeded, "\(approved.stderr)")
        #expect(approved.stderr.contains("as alice"))
        let twice = try Command.lifeboat(["runbook", "approve", runID, "stop", "--by", "bob"], environment: environment)
        #expect(twice.status != 0)
        #expect(twice.stderr.contains("already approved by alice"), "\(twice.stderr)")
        FileManager.default.createFile(atPath: release.path, contents: nil)

        for _ in 0..<1200 where process.isRunning { usleep(100_000) }
        #expect(process.terminationStatus == 0)
        let events = try RunbookRunTests.journal(state, runID)
        let approval = try #require(events.first { $0.kind == .approval && $0.step == "stop" })
        #expect(approval.by == "alice" && approval.reason == "ticket 42")
        #expect(approval.osUser == RunEngine.operatorName(), "the OS user who typed the command, beside the name given")

        let finished = try Command.lifeboat(
            ["runbook", "approve", runID, "stop", "--by", "bob"], environment: environment)
        #expect(finished.status != 0)
        #expect(finished.stderr.contains("run \(runID) already ended (succeeded)"), "\(finished.stderr)")
    }

    /// At the run's own terminal the prompt says what to type; "y" is asked again, not taken
    /// as a refusal; "no" is journaled as declined, and the step then says so.
    @Test func thePromptSaysWhatToTypeAsksAgainAndRecordsARefusal() async throws {
        let database = try ScratchDatabase()
        let folder = try ScratchFolder()
        let state = try ScratchFolder()
        defer { RestoreTests.dropAll(like: "\(database.name)_%") }
        let environment = try RunbookRunTests.environment(
            database, folder, state: state, log: folder.url.appendingPathComponent("log").path)
        _ = try BackupRoundTripTests.backup(["--type", "daily", "--compress", "--no-encrypt"], environment)
        let terminal = try InteractiveRestoreTests.TmuxSession.lifeboat(
            ["runbook", "run", "recent-corruption", "--input", "incident_time=latest"],
            environment: environment)
        defer { terminal.kill() }
        try await terminal.waitFor(["Type yes to approve or no to refuse"], timeout: 120)
        try terminal.type("y")
        try await terminal.waitFor(["'y' is neither yes nor no"])
        #expect(
            try RunbookRunTests.journal(state, try #require(Self.waitForJournal(state, until: Self.waiting("stop"))?.0))
                .allSatisfy { $0.kind != .approvalDeclined }, "'y' is not a refusal")
        try terminal.type("no")
        let pane = try await terminal.waitFor(["EXIT="])
        #expect(pane.contains("was not approved (declined by"), "\(pane)")
        #expect(!pane.contains("EXIT=0"))

        let (runID, events) = try #require(Self.waitForJournal(state) { $0.contains { $0.kind == .approvalDeclined } })
        #expect(
            events.contains { $0.kind == .approvalDeclined && $0.step == "stop" && $0.by == RunEngine.operatorName() })
        let status = try Command.lifeboat(["runbook", "status", runID], environment: environment)
        #expect(status.stdout.contains("stop: declined by"), "\(status.stdout)")
        #expect(!status.stdout.contains("interrupted") && !status.stdout.contains("in progress"), "\(status.stdout)")
        let overview = try Command.lifeboat(["status"], environment: environment)
        #expect(overview.stdout.contains("stop (declined by"), "\(overview.stdout)")
        let report = try RunReport(
            json: Data(
                try Command.lifeboat(["report", runID, "--format", "json"], environment: environment).stdout.utf8))
        #expect(report.step("stop")?.status == .declined)
        #expect(report.decisions.map(\.kind) == [.declined])
    }

    /// The bug behind "the journal said `by: root` while the tool said approved as alice": an
    /// approval from another terminal while the prompt waits is the one that counts.
    @Test func anApprovalFromElsewhereWhileThePromptWaitsIsTheOneJournaled() async throws {
        let database = try ScratchDatabase()
        let folder = try ScratchFolder()
        let state = try ScratchFolder()
        defer { RestoreTests.dropAll(like: "\(database.name)_%") }
        let environment = try RunbookRunTests.environment(
            database, folder, state: state, log: folder.url.appendingPathComponent("log").path)
        _ = try BackupRoundTripTests.backup(["--type", "daily", "--compress", "--no-encrypt"], environment)
        let terminal = try InteractiveRestoreTests.TmuxSession.lifeboat(
            ["runbook", "run", "recent-corruption", "--input", "incident_time=latest"],
            environment: environment)
        defer { terminal.kill() }
        try await terminal.waitFor(["Type yes to approve or no to refuse"], timeout: 120)
        let runID = try #require(Self.waitForJournal(state, until: Self.waiting("stop"))?.0)
        let approved = try Command.lifeboat(
            ["runbook", "approve", runID, "stop", "--by", "alice"], environment: environment)
        try #require(approved.succeeded, "\(approved.stderr)")
        let pane = try await terminal.waitFor(["EXIT="], timeout: 120)
        #expect(pane.contains("approved from another terminal by alice"), "\(pane)")
        #expect(pane.contains("EXIT=0"), "\(pane)")
        let approval = try #require(try RunbookRunTests.journal(state, runID).first { $0.kind == .approval })
        #expect(approval.by == "alice", "the name the approver gave, not the OS user at the run's terminal")
    }

    /// `--retry-step` and `--skip-step` are the operator's decisions: each is journaled with who made it.
    @Test func retryAndSkipOnResumeAreJournaledWithWhoDecided() throws {
        for (flag, kind) in [("--retry-step", JournalEvent.Kind.stepRetried), ("--skip-step", .stepSkipped)] {
            let run = try EngineCrashFaultTests.Run()
            let (runID, crashed) = try run.crash(after: "once")
            #expect(crashed.status == SIGKILL)
            let resumed = try Command.lifeboat(
                ["runbook", "resume", runID, "--yes", flag], environment: run.environment)
            try #require(resumed.succeeded, "\(resumed.stderr)")
            let events = try run.journal(runID)
            let decision = try #require(events.first { $0.kind == kind && $0.step == "once" }, "\(flag) is journaled")
            #expect(decision.by == RunEngine.operatorName() && decision.osUser == RunEngine.operatorName())
            let resume = try #require(events.first { $0.kind == .resumed })
            #expect(resume.flags == ["--yes", flag] && resume.user == RunEngine.operatorName())
            #expect(events.filter { $0.kind == .interrupted }.count == 1, "the kill, found at resume")
        }
    }

    /// Acceptance 3: total-loss from the S3 test server, killed with SIGKILL mid-download and
    /// mid-restore (the crash-test hook stops it at the first bytes moved, not after a timer),
    /// resumed with a plain `resume` both times (no --retry-step): it completes, and its report
    /// shows two interruptions, the restore's attempts with their own times, and who resumed.
    @Test func totalLossKilledTwiceResumesWithPlainResumeAndReportsIt() throws {
        let database = try ScratchDatabase()
        let folder = try ScratchFolder()
        let state = try ScratchFolder()
        defer { RestoreTests.dropAll(like: "\(database.name)_%") }
        let bucket = try CloudTests.bucket()
        var environment = try RunbookRunTests.environment(
            database, folder, state: state, log: folder.url.appendingPathComponent("log").path,
            bucket: bucket)
        _ = try BackupRoundTripTests.backup(["--type", "daily", "--compress", "--no-encrypt", "--upload"], environment)
        let original = try RestoreTests.checksums(database)
        try database.connect().query("UPDATE customer SET email = 'damaged@example.invalid'")

        environment["LIFEBOAT_TEST_CRASH_DURING_STEP"] = "prepare"
        let first = try Command.lifeboat(["runbook", "run", "total-loss", "--yes"], environment: environment)
        #expect(
            first.status == SIGKILL,
            "killed mid-download (the streamed restore's first bytes): \(first.status) \(first.stderr)")
        let runID = try #require(RunbookScenarioTests.runIDs(state).first)

        environment["LIFEBOAT_TEST_CRASH_DURING_STEP"] = "prepare"
        let second = try Command.lifeboat(["runbook", "resume", runID, "--yes"], environment: environment)
        #expect(second.status == SIGKILL, "killed mid-restore: \(second.status) \(second.stderr)")
        #expect(try RestoreTests.checksums(database) != original, "the live database is as it was before the restore")

        environment["LIFEBOAT_TEST_CRASH_DURING_STEP"] = nil
        let third = try Command.lifeboat(["runbook", "resume", runID, "--yes"], environment: environment)
        try #require(third.succeeded, "a plain resume redoes the scratch restore: \(third.stderr)")
        #expect(
            third.stderr.contains("restoring again; the live database \(database.name) is untouched"), "\(third.stderr)"
        )
        #expect(try RestoreTests.checksums(database) == original, "the data is back")
        #expect(
            try InteractiveRestoreTests.databases(startingWith: "\(database.name)_restore_").isEmpty,
            "no half-built copy is left")

        // All three formats, the JSON checked against docs/report.schema.json.
        let reports = try ReportTests.reports(runID, environment)
        let report = reports.report
        #expect(report.outcome == .succeeded)
        #expect(report.interruptions.count == 2)
        #expect(report.interruptions.map(\.steps) == [["prepare"], ["prepare"]])
        #expect(report.interruptions.allSatisfy { $0.resumedAt != nil && $0.lostSeconds != nil })
        #expect(
            report.resumes.count == 2
                && report.resumes.allSatisfy { $0.user == RunEngine.operatorName() && $0.flags == ["--yes"] })
        let restore = try #require(report.step("prepare"))
        #expect(restore.attemptHistory.map(\.status) == [.interrupted, .interrupted, .succeeded])
        #expect(restore.attemptHistory[0].startedAt <= restore.attemptHistory[1].startedAt)
        #expect(restore.attemptHistory[0].finishedAt == nil, "killed: its end is unknown, and not made up")
        #expect(restore.attemptHistory[2].finishedAt != nil && restore.attemptHistory[2].durationSeconds != nil)
        #expect(report.decisions.contains { $0.kind == .retried && $0.step == "prepare" && $0.by == nil })
        #expect(report.step("restore")?.attemptHistory.map(\.status) == [.succeeded], "the swap ran once")
        // Durations are the attempts' own work, never first start to last finish.
        for step in report.steps where !step.attemptHistory.isEmpty {
            let work = step.attemptHistory.compactMap(\.durationSeconds).reduce(0, +)
            #expect(
                abs((step.durationSeconds ?? -1) - work) < 0.01,
                "\(step.id): \(String(describing: step.durationSeconds)) vs \(work)")
        }
        #expect(reports.markdown.contains("| Interruptions | 2, "), "\(reports.markdown)")
        #expect(reports.markdown.contains("| ↳ attempt 2 |"))
        #expect(
            reports.html.contains("<section id=\"interruptions\">")
                && reports.html.contains("<rect class=\"interruption\""))
    }

    /// A signal during a run says "interrupted" and the state it leaves: the live database
    /// untouched, the services stopped and the command that starts them.
    @Test func aSignalSaysInterruptedAndWhatStateThingsAreIn() throws {
        let database = try ScratchDatabase()
        let folder = try ScratchFolder()
        let state = try ScratchFolder()
        defer { RestoreTests.dropAll(like: "\(database.name)_%") }
        let log = folder.url.appendingPathComponent("services.log").path
        var environment = try RunbookRunTests.environment(database, folder, state: state, log: log)
        _ = try BackupRoundTripTests.backup(["--type", "daily", "--compress", "--no-encrypt"], environment)
        let original = try RestoreTests.checksums(database)
        // A psql that sleeps before it reads the scratch restore: the step is then in flight.
        let tools = try ScratchFolder()
        let real = try TestEnvironment.pgBin + "/psql"
        let slow = tools.url.appendingPathComponent("psql").path
        try """
        #!/bin/bash
        if [ "${1:-}" = --version ]; then exec \(real) --version; fi
        if [[ "$PGDATABASE" == *_restore_* ]]; then exec \(real) "$@" -c "SELECT pg_sleep(60)" -f -; fi
        exec \(real) "$@"
        """.write(toFile: slow, atomically: true, encoding: .utf8)
        chmod(slow, 0o755)
        environment["PSQL_PATH"] = slow
        environment["RESTORE_JOBS"] = "1"  // psql's path: the parallel one runs no psql to slow down

        let stderrFile = folder.url.appendingPathComponent("stderr.txt")
        _ = FileManager.default.createFile(atPath: stderrFile.path, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Command.lifeboatPath)
        process.arguments = ["runbook", "run", "recent-corruption", "--input", "incident_time=latest", "--yes"]
        var merged = ProcessInfo.processInfo.environment
        for (key, value) in environment { merged[key] = value }
        merged["LIFEBOAT_ENV_FILE"] = "/dev/null"
        process.environment = merged
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        process.standardError = try FileHandle(forWritingTo: stderrFile)
        var empty = sigset_t(), previous = sigset_t()
        sigemptyset(&empty)
        pthread_sigmask(SIG_SETMASK, &empty, &previous)
        try process.run()
        pthread_sigmask(SIG_SETMASK, &previous, nil)
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }

        let (runID, _) = try #require(
            Self.waitForJournal(state, process) { events in
                events.contains { $0.kind == .stepCheckpoint && $0.step == "prepare" }
            }, "the run reached the prepare step")
        kill(process.processIdentifier, SIGINT)
        for _ in 0..<600 where process.isRunning { usleep(100_000) }
        process.waitUntilExit()
        let output = try String(contentsOf: stderrFile, encoding: .utf8)
        #expect(process.terminationStatus != 0)
        #expect(output.contains("interrupted (SIGINT) during step 'prepare'"), "\(output)")
        #expect(output.contains("live database \(database.name) untouched"), "\(output)")
        #expect(!output.contains("services stopped"), "the application runs while the copy is built: \(output)")
        #expect(!FileManager.default.fileExists(atPath: log), "nothing was stopped")
        #expect(output.contains("lifeboat runbook resume \(runID)"))
        #expect(try RestoreTests.checksums(database) == original)
        let events = try RunbookRunTests.journal(state, runID)
        #expect(events.contains { $0.kind == .interrupted && $0.signal == "SIGINT" })

        // The resume it suggests works as it is: the restore's scratch copy is built again.
        environment["PSQL_PATH"] = nil
        let resumed = try Command.lifeboat(["runbook", "resume", runID, "--yes"], environment: environment)
        try #require(resumed.succeeded, "\(resumed.stderr)")
        #expect(try RestoreTests.checksums(database) == original)
        #expect(
            try String(contentsOfFile: log, encoding: .utf8) == "stop\nstart\nhealth\n",
            "started again by the run's own steps")
    }
}
