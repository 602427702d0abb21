import Foundation
import Testing
import LifeboatCore
import LifeboatRunbooks

/// The runbook engine killed with SIGKILL where it hurts most: after a step's action returned
/// and before its end was journaled (the test-only crash point `LIFEBOAT_TEST_CRASH_AFTER_STEP`),
/// and in the middle of decrypting a backup. The journal then has the step started and never
/// finished: `runbook resume` must treat it as interrupted, running it again only when its
/// action is safe to repeat and otherwise stopping to ask, so it is never lost or doubled.
@Suite(.enabled(if: TestEnvironment.shouldRun))
struct EngineCrashFaultTests {
    static let runbook = """
        name: crash-after-step
        description: A step whose effect must happen once, a check that may run twice, a last step.
        steps:
          - id: once
            action: shell
            with: { command: "echo once >> \\"${env.LB_WORK}/log\\"" }
          - id: check
            action: services.health
            needs: [once]
          - id: last
            action: shell
            with: { command: "echo last >> \\"${env.LB_WORK}/log\\"" }
            needs: [check]
        """

    struct Run {
        let work: ScratchFolder
        let state: ScratchFolder
        let database: ScratchDatabase
        let file: URL
        var environment: [String: String?]
        var log: String { Faults.text(work.url.appendingPathComponent("log")) }

        init(_ yaml: String = EngineCrashFaultTests.runbook) throws {
            work = try ScratchFolder()
            state = try ScratchFolder()
            database = try ScratchDatabase(fromPagila: false)
            file = work.url.appendingPathComponent("runbook.yaml")
            try yaml.write(to: file, atomically: true, encoding: .utf8)
            let log = work.url.appendingPathComponent("log").path
            environment = [
                "DATABASE_URL": database.url, "LIFEBOAT_STATE_DIR": state.path, "LB_WORK": work.path,
                "LIFEBOAT_SERVICES_PROVIDER": "command", "LIFEBOAT_STOP_COMMAND": "true",
                "LIFEBOAT_START_COMMAND": "true",
                "LIFEBOAT_HEALTH_COMMAND": "echo health >> \(shellQuote(log))"
            ]
        }

        /// Runs the runbook with the engine set to kill itself after `step`; returns the run id.
        func crash(after step: String) throws -> (String, CommandResult) {
            var environment = environment
            environment["LIFEBOAT_TEST_CRASH_AFTER_STEP"] = step
            let result = try Command.lifeboat(["runbook", "run", file.path, "--yes"], environment: environment)
            let runID = try #require(
                try FileManager.default.contentsOfDirectory(atPath: state.url.appendingPathComponent("runs").path).first
            )
            return (runID, result)
        }

        func journal(_ runID: String) throws -> [JournalEvent] {
            try RunJournal.read(state.url.appendingPathComponent("runs/\(runID)/journal.jsonl"))
        }

        func count(_ events: [JournalEvent], _ kind: JournalEvent.Kind, _ step: String) -> Int {
            events.filter { $0.kind == kind && $0.step == step }.count
        }
    }

    static func killedBySIGKILL(_ result: CommandResult) -> Bool { result.status == SIGKILL }

    @Test func unsafeStepFinishedButNotJournaledIsNeitherLostNorDoubled() throws {
        try FaultLog.run("engine SIGKILL between step finished and journal written (not safe to repeat)") { fault in
            let run = try Run()
            let (runID, crashed) = try run.crash(after: "once")
            fault.check(
                Self.killedBySIGKILL(crashed), "the engine died by SIGKILL: \(crashed.status) \(crashed.stderr)")
            fault.check(run.log == "once\n", "the step's effect happened: \(run.log)")
            let events = try run.journal(runID)
            fault.check(
                run.count(events, .stepStarted, "once") == 1 && run.count(events, .stepFinished, "once") == 0,
                "the journal has it started, never finished")
            let status = try Command.lifeboat(["runbook", "status", runID], environment: run.environment)
            fault.check(
                status.stdout.contains("interrupted: no process runs it")
                    && status.stdout.contains("once: interrupted"),
                "status calls the run and its step interrupted: \(status.stdout)")

            let refused = try Command.lifeboat(["runbook", "resume", runID, "--yes"], environment: run.environment)
            fault.check(refused.status == 1, "resume stops: \(refused.stderr)")
            fault.check(
                refused.stderr.contains("step 'once' (shell) was interrupted and is not safe to repeat")
                    && refused.stderr.contains("--retry-step or --skip-step"), "and asks: \(refused.stderr)")
            fault.check(run.log == "once\n", "nothing ran again")

            let skipped = try Command.lifeboat(
                ["runbook", "resume", runID, "--yes", "--skip-step"], environment: run.environment)
            fault.check(skipped.succeeded, "the operator skips it, having checked its effect: \(skipped.stderr)")
            fault.check(run.log == "once\nhealth\nlast\n", "once exactly once, then the rest: \(run.log)")
            let final = try run.journal(runID)
            let once = final.last { $0.kind == .stepFinished && $0.step == "once" }
            fault.check(
                once?.status == .skipped && once?.message == "skipped on resume by the operator",
                "journaled as the operator's skip")
            fault.check(run.count(final, .stepStarted, "once") == 1, "never started twice")
            fault.check(final.last?.kind == .runFinished && final.last?.status == .succeeded, "the run succeeded")
        }
    }

    @Test func safeStepFinishedButNotJournaledRunsAgain() throws {
        try FaultLog.run("engine SIGKILL between step finished and journal written (safe to repeat)") { fault in
            let run = try Run()
            let (runID, crashed) = try run.crash(after: "check")
            fault.check(
                Self.killedBySIGKILL(crashed), "the engine died by SIGKILL: \(crashed.status) \(crashed.stderr)")
            fault.check(run.log == "once\nhealth\n", "\(run.log)")
            let resumed = try Command.lifeboat(["runbook", "resume", runID, "--yes"], environment: run.environment)
            fault.check(resumed.succeeded, "resume runs the check again by itself: \(resumed.stderr)")
            fault.check(
                run.log == "once\nhealth\nhealth\nlast\n",
                "the finished step is not repeated, the interrupted check is: \(run.log)")
            let events = try run.journal(runID)
            fault.check(
                run.count(events, .stepStarted, "once") == 1 && run.count(events, .stepStarted, "check") == 2
                    && run.count(events, .stepFinished, "check") == 1, "journaled once finished, twice started")
            fault.check(events.last?.status == .succeeded, "the run succeeded")
        }
    }

    /// Killed while `backup.decrypt` writes its plaintext artifact (the backup is fed through
    /// a FIFO, stopped half-way): the resumed decrypt must not trip over the dead one's partial
    /// file, and no plaintext is left once the run ends.
    @Test func killedMidDecryptResumes() throws {
        try FaultLog.run("engine SIGKILL mid-decrypt, then resumed") { fault in
            let database = try ScratchDatabase()
            let folder = try ScratchFolder()
            var environment = try BackupRoundTripTests.environment(database, folder)
            environment["BACKUP_DISK_MIN_FREE_GB"] = "0"
            let (backup, _) = try BackupRoundTripTests.backup(
                ["--type", "daily", "--no-compress", "--encrypt"], environment)
            let run = try Run(
                """
                name: decrypt-then-note
                description: Decrypts a named backup, then notes that it did.
                steps:
                  - id: decrypt
                    action: backup.decrypt
                    with: { backup: "${env.LB_SOURCE}" }
                  - id: last
                    action: shell
                    with: { command: "echo last >> \\"${env.LB_WORK}/log\\"" }
                    needs: [decrypt]
                """)
            // The source is a FIFO with the backup's name, fed the first half of the backup.
            let feed = try ScratchFolder()
            let source = feed.url.appendingPathComponent(backup.lastPathComponent)
            try #require(mkfifo(source.path, 0o600) == 0)
            let stop = feed.url.appendingPathComponent("stop")
            let half =
                ((try FileManager.default.attributesOfItem(atPath: backup.path)[.size] as? NSNumber)?.intValue ?? 0) / 2
            let feeder = Process()
            feeder.executableURL = URL(fileURLWithPath: "/bin/bash")
            feeder.arguments = [
                "-c",
                "exec 3>\(shellQuote(source.path)); head -c \(half) \(shellQuote(backup.path)) >&3; "
                    + "while [ ! -f \(shellQuote(stop.path)) ] && [ -d \(shellQuote(feed.path)) ]; do sleep 0.05; done"
            ]
            feeder.standardOutput = FileHandle.nullDevice
            feeder.standardError = FileHandle.nullDevice
            try feeder.run()
            // The feeder ends on `stop`; one still blocked opening the FIFO (no reader came) is killed.
            let stopFeeder = {
                _ = FileManager.default.createFile(atPath: stop.path, contents: nil)
                if !Faults.wait(5, until: { !feeder.isRunning }) { kill(feeder.processIdentifier, SIGKILL) }
                feeder.waitUntilExit()
            }
            defer { if feeder.isRunning { stopFeeder() } }
            var runEnvironment = run.environment
            for (key, value) in environment where key != "DATABASE_URL" { runEnvironment[key] = value }
            runEnvironment["LB_SOURCE"] = source.path
            let output = run.work.url.appendingPathComponent("engine.out")
            let engine = try Faults.spawn(
                ["runbook", "run", run.file.path, "--yes"], environment: runEnvironment, output: output)
            let name = String(backup.lastPathComponent.dropLast(4))
            var runID: String?
            var artifacts: URL?
            let writing = Faults.wait(120) {
                runID =
                    runID
                    ?? (try? FileManager.default.contentsOfDirectory(
                        atPath: run.state.url.appendingPathComponent("runs").path))?.first
                guard let runID else { return false }
                artifacts = run.state.url.appendingPathComponent("runs/\(runID)/artifacts")
                let partial = artifacts!.appendingPathComponent(".\(name).partial")
                return
                    ((try? FileManager.default.attributesOfItem(atPath: partial.path)[.size] as? NSNumber)?.intValue
                    ?? 0) > 0
            }
            kill(engine.processIdentifier, SIGKILL)
            engine.waitUntilExit()
            stopFeeder()
            fault.check(writing, "the decrypt was writing its artifact: \(Faults.text(output))")
            let id = try #require(runID)
            let left = (try? FileManager.default.contentsOfDirectory(atPath: artifacts!.path)) ?? []
            fault.check(left == [".\(name).partial"], "only the dead decrypt's partial file: \(left)")

            // The whole backup is there now; decrypting is safe to repeat, so resume does it.
            try FileManager.default.removeItem(at: source)
            try FileManager.default.copyItem(at: backup, to: source)
            let resumed = try Command.lifeboat(["runbook", "resume", id, "--yes"], environment: runEnvironment)
            fault.check(resumed.succeeded, "the run resumes: \(resumed.stderr)")
            fault.check(run.log == "last\n", "the next step ran once: \(run.log)")
            let events = try run.journal(id)
            fault.check(
                run.count(events, .stepStarted, "decrypt") == 2 && events.last?.status == .succeeded,
                "decrypt ran again and the run succeeded")
            let remaining = (try? FileManager.default.contentsOfDirectory(atPath: artifacts!.path)) ?? []
            fault.check(remaining.isEmpty, "no plaintext left in the run folder: \(remaining)")
        }
    }
}
