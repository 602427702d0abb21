import ArgumentParser
import Foundation
import LifeboatCore
import LifeboatReports
import LifeboatRunbooks

/// An engine over the configured state directory (LIFEBOAT_STATE_DIR).
func runEngine(_ configuration: LifeboatConfiguration) -> RunEngine {
    RunEngine(configuration: configuration, stateDirectory: configuration.stateDirectory)
}

/// Options shared by run and resume.
struct RunOptions: ParsableArguments {
    @Flag(help: "Approve every gate without asking (automation and emergencies).")
    var yes = false

    func engine(_ configuration: LifeboatConfiguration) throws -> RunEngine {
        var engine = runEngine(configuration)
        engine.services = try ServiceProviders.make(from: configuration)
        engine.cancellation = Signals.cancellation
        engine.reportToTerminal()
        try engine.announce(configuration)
        engine.approve = { step, message, watch in
            guard isatty(STDIN_FILENO) == 1 else { return nil }
            return ApprovalPrompt.ask(step: step.id, message: message, watch: watch)
        }
        return engine
    }
}

extension RunbookCommand {
    struct Run: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run a runbook against the target database, journaling every step so it can be resumed.",
            discussion: """
                Examples:
                  lifeboat runbook run recent-corruption
                  lifeboat runbook run accidental-deletion --input tables=payment --input deleted_at=2025-01-18T10:00:00Z --yes
                  lifeboat runbook run total-loss --ignore-preflight disk.server   # you checked the server's disk by hand

                Preflight checks run first; a failed one stops the run before anything changes (exit code 5)
                unless --ignore-preflight names it.
                """)

        @OptionGroup var location: Location
        @OptionGroup var global: GlobalOptions
        @OptionGroup var options: RunOptions

        @OptionGroup var selection: RunbookSelection

        @Option(
            name: .customLong("ignore-preflight"),
            help: "Start even though this preflight check failed (repeatable, or `all`); recorded in the journal.")
        var ignorePreflight: [String] = []

        func run() async throws {
            try await reportingErrors {
                let configuration = try await global.loadConfiguration()
                let runbook = try location.library(configuration).load(selection.name)
                let target = try RestoreRunner(configuration: configuration).targetDatabase()
                let overrides = try PreflightOverrides(ignorePreflight)
                let engine = try options.engine(configuration)
                var inputs = try selection.parsedInputs()
                // With --yes or without a terminal nobody can answer: a missing input is refused
                // (by the planner, naming the --input to give) instead of asked for.
                if !options.yes && isatty(STDIN_FILENO) == 1 {
                    inputs = InputPrompt.askMissing(runbook, given: inputs)
                }
                var engineOptions = RunEngine.Options()
                engineOptions.autoApprove = options.yes
                engineOptions.preflight = RunbookPreflight(
                    configuration: configuration, stateDirectory: engine.stateDirectory, services: engine.services
                )
                .check(runbook, inputs: inputs, target: target, drill: false)
                engineOptions.ignorePreflight = overrides
                printPreflight(engineOptions.preflight!, overrides)
                // A failed preflight check throws PreflightRefusal: said and mapped to its code by reportingErrors.
                let (runID, state) = try engine.start(runbook, inputs: inputs, target: target, options: engineOptions)
                try ObjectivesText.printResult(runID, state, runbook: runbook, json: global.json)
            }
        }
    }

    struct Resume: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Continue an interrupted run from its journal without repeating finished steps.",
            discussion: "Example:\n  lifeboat runbook resume 20250118t030000z-3fa2")

        @OptionGroup var global: GlobalOptions
        @OptionGroup var options: RunOptions

        @Argument(help: "The run id.")
        var runID: String

        @Flag(help: "Resume even though the runbook file changed since the run started.")
        var acceptChangedRunbook = false

        @Flag(help: "Run an interrupted step again even though its action is not safe to repeat.")
        var retryStep = false

        @Flag(help: "Skip an interrupted step that is not safe to repeat (you checked its effect).")
        var skipStep = false

        func run() async throws {
            try await reportingErrors {
                let configuration = try await global.loadConfiguration()
                let engine = try options.engine(configuration)
                let started = RunState(events: try RunJournal.read(try engine.existingJournal(runID)))
                guard let file = started.runbook else {
                    throw RunbookRunError("the journal of \(runID) names no runbook")
                }
                let runbook = try RunbookLibrary.loadValidated(URL(fileURLWithPath: file))
                var engineOptions = RunEngine.Options()
                engineOptions.autoApprove = options.yes
                engineOptions.retryInterruptedStep = retryStep
                engineOptions.skipInterruptedStep = skipStep
                CleanupCommand.noteLeftovers(configuration)
                let state = try engine.resume(
                    runID, runbook: runbook, acceptChangedRunbook: acceptChangedRunbook, options: engineOptions)
                try ObjectivesText.printResult(runID, state, runbook: runbook, json: global.json)
            }
        }
    }

    struct Abort: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "End a run for good: stop it if it is running here, and mark it aborted so it is not resumed.",
            discussion: "Example:\n  lifeboat runbook abort 20250118t030000z-3fa2")

        @OptionGroup var global: GlobalOptions

        @Argument(help: "The run id.")
        var runID: String

        func run() async throws {
            try await reportingErrors {
                let configuration = try await global.loadConfiguration()
                var engine = runEngine(configuration)
                engine.reportToTerminal()
                let who = RunEngine.operatorName()
                try engine.abort(runID, by: who)
                if global.json { try Terminal.printJSON(["run_id": runID, "status": "aborted", "by": who]) }
                Terminal.note("run \(runID) aborted")
            }
        }
    }

    struct Approve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Approve a waiting step of a run, from any terminal.",
            discussion: "Example:\n  lifeboat runbook approve 20250118t030000z-3fa2 stop --by alice")

        @OptionGroup var global: GlobalOptions

        @Argument(help: "The run id.")
        var runID: String

        @Argument(help: "The step id.")
        var step: String

        @Option(help: "Who approves, by name, as the journal should say (the OS user is recorded beside it).")
        var by: String

        @Option(help: "Why, in a few words, for the journal and the report.")
        var reason: String?

        /// `--json`: what was recorded.
        struct Approved: Encodable {
            let runId: String
            let step: String
            let by: String
            let osUser: String
            let reason: String?
        }

        func validate() throws {
            if by.trimmingCharacters(in: .whitespaces).isEmpty {
                throw ValidationError("--by needs a name, e.g. --by alice: the journal records who approved")
            }
        }

        func run() async throws {
            try await reportingErrors {
                let configuration = try await global.loadConfiguration()
                let engine = runEngine(configuration)
                let answer = ApprovalAnswer(approved: true, by: by, osUser: RunEngine.operatorName(), reason: reason)
                try engine.recordApproval(runID: runID, step: step, answer: answer)
                if global.json {
                    try Terminal.printJSON(
                        Approved(runId: runID, step: step, by: by, osUser: answer.osUser, reason: reason))
                }
                Terminal.note(
                    "approved step '\(step)' of run \(runID) as \(by) (OS user \(answer.osUser))"
                        + "; the run takes it up when it next looks (`lifeboat runbook status \(runID)`)")
            }
        }
    }

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show where a run stands, from its journal.",
            discussion: """
                With --json, prints the run as `lifeboat report RUN_ID --format json` does (docs/report.schema.json),
                so status and report always agree.

                Examples:
                  lifeboat runbook status 20250118t030000z-3fa2
                  lifeboat runbook status 20250118t030000z-3fa2 --json
                """)

        @OptionGroup var global: GlobalOptions

        @Argument(help: "The run id.")
        var runID: String

        func run() async throws {
            try await reportingErrors {
                let configuration = try await global.loadConfiguration()
                let events = try RunJournal.read(try runEngine(configuration).existingJournal(runID))
                if global.json {
                    print(try RunReport(runID: runID, events: events).render(.json))
                } else {
                    let state = RunState(events: events)
                    RunbookCommand.printStatus(
                        runID, state, holder: .some(runEngine(configuration).livePID(of: runID, state: state)))
                }
            }
        }
    }

    /// The end of `run` and `resume`: the status table, or the run id and status as JSON.
    static func printResult(_ runID: String, _ state: RunState, json: Bool) throws {
        if json {
            try Terminal.printJSON(["run_id": runID, "status": state.finished?.rawValue ?? "open"])
        } else {
            printStatus(runID, state)
        }
    }

    /// `holder`, where known: the live process running an unfinished run, or nil when none
    /// does, so the run was interrupted (killed, crashed) and its open step is not in progress.
    static func printStatus(_ runID: String, _ state: RunState, holder: pid_t?? = nil) {
        let interrupted = state.finished == nil && holder == .some(nil)
        var headline = state.finished?.rawValue ?? "not finished"
        if state.finished == nil, case .some(let pid) = holder {
            if let waiting = state.awaitingApproval.first, let since = state.steps[waiting]?.waitingForApprovalSince {
                headline =
                    "step '\(waiting)' \(ApprovalGate.waiting(since: since))"
                    + (pid.map { " (pid \($0))" }
                        ?? "; no process runs it: approve it, then `lifeboat runbook resume \(runID)`")
            } else if let declined = state.declined.first, let no = state.steps[declined]?.declines.last {
                headline =
                    "stopped: step '\(declined)' was \(ApprovalGate.declined(no)); `lifeboat runbook resume \(runID)` asks again"
            } else {
                headline =
                    pid.map { "running (pid \($0))" }
                    ?? "interrupted: no process runs it; `lifeboat runbook resume \(runID)` continues it"
            }
        }
        print(
            "run \(runID): \(headline) — \(state.runbook ?? "?") on \(state.target ?? "?")\(state.drill ? " (drill)" : "")"
        )
        for id in state.order {
            guard state.steps[id] != nil else { continue }
            print("  \(id): " + state.stepLine(id, interrupted: interrupted))
        }
        for stop in state.interruptions {
            print(
                "  interrupted at \(ISO8601DateFormatter().string(from: stop.at))"
                    + (stop.signal.map { " by \($0)" } ?? "") + (stop.message.map { ": \($0)" } ?? ""))
        }
        for resume in state.resumes {
            print(
                "  resumed at \(ISO8601DateFormatter().string(from: resume.at)) by \(resume.user ?? "?")"
                    + (resume.flags.isEmpty ? "" : " with \(resume.flags.joined(separator: " "))"))
        }
    }
}

/// The preflight section on stderr, with each overridden failure said once more.
func printPreflight(_ report: PreflightReport, _ overrides: PreflightOverrides) {
    for line in report.lines { Terminal.note(line) }
    for check in report.overridden(overrides) {
        Terminal.note("preflight: \(check.name) FAILED and is overridden by --ignore-preflight: going on")
    }
}
