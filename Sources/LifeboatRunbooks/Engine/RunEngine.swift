import Foundation
import LifeboatCore
import LifeboatStreams

/// Executes a validated runbook step by step, writing every start, attempt, approval, output
/// and end to the run's journal before going on, so a run killed at any point resumes from the
/// journal alone: finished steps are not repeated, an interrupted one is repeated only when its
/// action is safe to repeat.
public struct RunEngine {
    public struct Options {
        public var autoApprove = false
        public var drill = false
        /// Decide an interrupted step that is not safe to repeat.
        public var retryInterruptedStep = false
        public var skipInterruptedStep = false
        public init() {}
    }

    public let configuration: LifeboatConfiguration
    public let stateDirectory: URL
    public var services: (any ServiceProvider)?
    public var cancellation: CancellationFlag?
    public var note: (String) -> Void = { _ in }
    /// Asks a person at this terminal to approve a gate: returns who approved, throws to
    /// refuse, or returns nil when there is no terminal (the run then waits for
    /// `lifeboat runbook approve RUN_ID STEP` from elsewhere).
    public var approve: (Step, String) throws -> String? = { _, _ in nil }
    /// How often a run waiting for an approval looks for one.
    public var approvalPollInterval: TimeInterval = 0.5
    public var environment = ProcessInfo.processInfo.environment

    public init(configuration: LifeboatConfiguration, stateDirectory: URL) {
        self.configuration = configuration
        self.stateDirectory = stateDirectory
    }

    public func runDirectory(_ runID: String) -> URL {
        stateDirectory.appendingPathComponent("runs").appendingPathComponent(runID)
    }

    /// The journal of an existing run, or a clear error when this state directory has none.
    public func existingJournal(_ runID: String) throws -> URL {
        let url = runDirectory(runID).appendingPathComponent("journal.jsonl")
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw RunbookRunError("no run \(runID) in \(stateDirectory.path)/runs",
                                  hint: "copy the run's folder here, or set LIFEBOAT_STATE_DIR")
        }
        return url
    }

    /// Who is at the keyboard, for journals and approvals: the sudo caller first.
    public static func operatorName(_ environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        environment["SUDO_USER"] ?? environment["USER"] ?? NSUserName()
    }

    public static func newRunID(_ date: Date = Date()) -> String {
        BackupName.format(date).lowercased() + "-" + String(UInt16.random(in: 0...UInt16.max), radix: 16)
    }

    /// Starts a new run; returns its id and final state.
    public func start(_ runbook: Runbook, inputs given: [String: String], target: String, options: Options) throws -> (String, RunState) {
        let inputs = Dictionary(try Planner(environment: environment).inputs(for: runbook, given: given), uniquingKeysWith: { a, _ in a })
        let runID = Self.newRunID()
        let journal = try RunJournal(directory: runDirectory(runID))
        var event = JournalEvent(kind: .runStarted)
        event.runbook = runbook.file
        event.runbookSha256 = runbook.sha256
        event.runbookName = runbook.name
        event.runbookDescription = runbook.description
        event.inputs = inputs
        event.user = Self.operatorName(environment)
        event.host = ProcessInfo.processInfo.hostName
        event.target = target
        event.drill = options.drill
        try journal.append(event)
        note("run \(runID) started — journal \(journal.url.path)")
        return (runID, try execute(runbook, runID: runID, journal: journal, options: options))
    }

    /// Continues a run from its journal.
    public func resume(_ runID: String, runbook: Runbook, acceptChangedRunbook: Bool, options: Options) throws -> RunState {
        let directory = runDirectory(runID)
        let state = RunState(events: try RunJournal.read(try existingJournal(runID)))
        if state.finished == .succeeded { return state }
        if state.finished == .aborted {
            throw RunbookRunError("run \(runID) was aborted", hint: "start a new run with `lifeboat runbook run`")
        }
        if state.runbookSha256 != runbook.sha256 && !acceptChangedRunbook {
            throw RunbookRunError("the runbook changed since run \(runID) started",
                                  hint: "resume with --accept-changed-runbook if the change is intended")
        }
        var options = options
        options.drill = state.drill
        return try execute(runbook, runID: runID, journal: try RunJournal(directory: directory), options: options)
    }

    private func execute(_ runbook: Runbook, runID: String, journal: RunJournal, options: Options) throws -> RunState {
        var state = RunState(events: try RunJournal.read(journal.url))
        let target = state.target ?? ""
        let lock = try RunLock(stateDirectory: stateDirectory, target: target, runID: runID, conninfo: configuration.databaseURL ?? "")
        defer { lock.release() }
        let context = ActionContext(configuration: configuration, runID: runID, runDirectory: runDirectory(runID), target: target,
                                    drill: options.drill, services: options.drill ? nil : services, cancellation: cancellation, note: note)

        func record(_ event: JournalEvent) throws {
            try journal.append(event)
            state.apply(event)
        }
        func finishRun(_ status: JournalEvent.Status, _ message: String? = nil) throws {
            var event = JournalEvent(kind: .runFinished)
            event.status = status
            event.message = message
            try record(event)
        }

        // Compensation steps run only when the step naming them fails, never in the main flow.
        let compensations = Set(runbook.steps.compactMap { step -> String? in
            if case .compensate(let other) = step.onFailure { return other }
            return nil
        })
        for id in StepGraph(runbook.steps).topologicalOrder() where !compensations.contains(id) {
            guard let step = runbook.step(id), let spec = ActionCatalog.spec(step.action) else { continue }
            if state.isDone(id) { continue }
            if state.inFlight.contains(id) && !spec.safeToRepeat && !options.retryInterruptedStep {
                if options.skipInterruptedStep {
                    var skipped = JournalEvent(kind: .stepFinished, step: id)
                    skipped.status = .skipped
                    skipped.message = "skipped on resume by the operator"
                    try record(skipped)
                    continue
                }
                throw RunbookRunError("step '\(id)' (\(step.action)) was interrupted and is not safe to repeat",
                                      hint: "check its effect, then resume with --retry-step or --skip-step")
            }
            let resolver = References(state: state, runID: runID, environment: environment)
            if let when = step.when, try !Expression.parse(when).evaluate(resolve: resolver.value) {
                var skipped = JournalEvent(kind: .stepFinished, step: id)
                skipped.status = .skipped
                skipped.message = "when: \(when) is false"
                try record(skipped)
                continue
            }
            let behaviour = options.drill ? (step.drill ?? (step.action.hasPrefix("services.") ? .record : .run)) : .run
            if behaviour != .run {
                var event = JournalEvent(kind: .stepFinished, step: id)
                event.status = behaviour == .record ? .recorded : .skipped
                event.message = "drill: \(behaviour.rawValue)"
                try record(event)
                note("\(id): \(behaviour == .record ? "recorded, not run (drill)" : "skipped (drill)")")
                continue
            }
            if let message = step.approval, state.steps[id]?.approvedBy == nil {
                let text = try Template.parse(message).render(resolve: resolver.text)
                let who = options.drill ? "auto (drill)"
                    : (options.autoApprove ? "auto (--yes)" : try awaitApproval(step, text, runID: runID))
                var event = JournalEvent(kind: .approval, step: id)
                event.by = who
                event.message = text
                try record(event)
            }
            let parameters = ResolvedParameters(values: try step.parameters.mapValues { value in
                try value.texts.map { try Template.parse($0).render(resolve: resolver.text) }
            })
            do {
                let outputs = try attempt(step, parameters: parameters, context: context, record: record)
                var event = JournalEvent(kind: .stepFinished, step: id)
                event.status = .succeeded
                event.outputs = outputs
                event.durationSeconds = state.steps[id]?.startedAt.map { Date().timeIntervalSince($0) }
                try record(event)
            } catch {
                if cancellation?.isCancelled == true {
                    var event = JournalEvent(kind: .stepFinished, step: id)
                    event.status = .interrupted
                    event.message = "\(error)"
                    try record(event)
                    throw RunbookRunError("run \(runID) interrupted during step '\(id)'", hint: "resume it with `lifeboat runbook resume \(runID)`")
                }
                var event = JournalEvent(kind: .stepFinished, step: id)
                event.status = .failed
                event.message = "\(error)"
                try record(event)
                note("\(id) FAILED: \(error)")
                switch step.onFailure {
                case .continue:
                    continue
                case .compensate(let other):
                    if let compensation = runbook.step(other) {
                        let compensationParameters = ResolvedParameters(values: try compensation.parameters.mapValues { value in
                            try value.texts.map { try Template.parse($0).render(resolve: resolver.text) }
                        })
                        let outputs = try? attempt(compensation, parameters: compensationParameters, context: context, record: record)
                        var done = JournalEvent(kind: .stepFinished, step: other)
                        done.status = outputs == nil ? .failed : .succeeded
                        done.outputs = outputs
                        done.message = "compensation for \(id)"
                        try record(done)
                    }
                    try finishRun(.failed, "step \(id) failed; compensation \(other) ran")
                    throw RunbookRunError("run \(runID) stopped: step '\(id)' failed: \(error)")
                case .abort:
                    try finishRun(.failed, "step \(id) failed")
                    throw RunbookRunError("run \(runID) stopped: step '\(id)' failed: \(error)",
                                          hint: "fix the cause and resume with `lifeboat runbook resume \(runID) --retry-step`")
                }
            }
        }
        try finishRun(.succeeded)
        removeDecryptedArtifacts(runbook, state)
        return state
    }

    /// Plaintext copies made by `backup.decrypt` live only as long as the run needs them: a
    /// finished run removes them (a failed one keeps them, 0600, for its resume).
    private func removeDecryptedArtifacts(_ runbook: Runbook, _ state: RunState) {
        for step in runbook.steps where step.action == "backup.decrypt" {
            guard let path = state.steps[step.id]?.outputs["path"], path.hasPrefix(runDirectory("").path) else { continue }
            try? FileManager.default.removeItem(atPath: path)
            try? FileManager.default.removeItem(atPath: path + ".manifest.json")
        }
    }

    /// Ends a run for good: a live process holding it (on this host) is asked to stop first,
    /// then the journal records the abort, so the run can no longer be resumed.
    public func abort(_ runID: String, by: String) throws {
        let state = RunState(events: try RunJournal.read(try existingJournal(runID)))
        if let finished = state.finished, finished != .failed {
            throw RunbookRunError("run \(runID) already ended (\(finished.rawValue))")
        }
        if let pid = RunLock.holder(stateDirectory: stateDirectory, target: state.target ?? "", runID: runID) {
            note("asking run \(runID) (pid \(pid)) to stop")
            kill(pid, SIGTERM)
            for _ in 0..<300 where kill(pid, 0) == 0 { Thread.sleep(forTimeInterval: 0.1) }
        }
        var event = JournalEvent(kind: .runFinished)
        event.status = .aborted
        event.message = "aborted by \(by)"
        try RunJournal(directory: runDirectory(runID)).append(event)
    }

    /// The file `lifeboat runbook approve` writes for a step of a run.
    public func approvalFile(runID: String, step: String) -> URL {
        runDirectory(runID).appendingPathComponent("approvals").appendingPathComponent(step)
    }

    /// Records an approval given from another terminal (or ahead of time).
    public func recordApproval(runID: String, step: String, by: String) throws {
        let file = approvalFile(runID: runID, step: step)
        try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
        try AtomicFileSink.writeReplacing(Array(by.utf8), to: file)
    }

    /// An approval already given, the person at this terminal, or one given later with
    /// `lifeboat runbook approve`, waited for here (Ctrl-C leaves the run resumable).
    private func awaitApproval(_ step: Step, _ message: String, runID: String) throws -> String {
        let file = approvalFile(runID: runID, step: step.id)
        func given() -> String? { (try? String(contentsOf: file, encoding: .utf8)).map { $0.trimmingCharacters(in: .whitespacesAndNewlines) } }
        if let who = given() { return who }
        if let who = try approve(step, message) { return who }
        note("step '\(step.id)' waits for approval: \(message)\n  approve it with: lifeboat runbook approve \(runID) \(step.id) --by NAME")
        while true {
            if let who = given() { return who }
            if cancellation?.isCancelled == true {
                throw RunbookRunError("stopped while waiting for approval of '\(step.id)'",
                                      hint: "resume with `lifeboat runbook resume \(runID)`")
            }
            Thread.sleep(forTimeInterval: approvalPollInterval)
        }
    }

    /// Runs a step with its retry policy, journaling each attempt.
    private func attempt(_ step: Step, parameters: ResolvedParameters, context: ActionContext,
                         record: (JournalEvent) throws -> Void) throws -> [String: String] {
        let attempts = step.retry?.attempts ?? 1
        var delay = step.retry?.initialDelay ?? 0
        for number in 1...attempts {
            var started = JournalEvent(kind: .stepStarted, step: step.id)
            started.attempt = number
            try record(started)
            note("\(step.id) [\(step.action)]" + (number > 1 ? " attempt \(number)/\(attempts)" : ""))
            do {
                return try withTimeout(step, context) { try ActionExecutor.run(step.action, parameters, $0) }
            } catch {
                if number == attempts || cancellation?.isCancelled == true { throw error }
                note("\(step.id): \(error) — retrying in \(DurationValue(seconds: delay))")
                Thread.sleep(forTimeInterval: delay)
                delay *= step.retry?.factor ?? 2
            }
        }
        throw RunbookRunError("no attempt ran")
    }
}

extension RunEngine {
    /// Runs one attempt with the step's own cancellation: a signal to the process or the
    /// step's timeout stops it the same way (children killed, temporary databases dropped).
    func withTimeout<T>(_ step: Step, _ context: ActionContext, _ body: (ActionContext) throws -> T) throws -> T {
        let stepFlag = CancellationFlag()
        cancellation?.onCancel { stepFlag.cancel(reason: "a signal") }
        defer { cancellation?.onCancel(nil) }
        var context = context
        context.cancellation = stepFlag
        context.stepTimeout = step.timeout
        if let timeout = step.timeout {
            DispatchQueue.global().asyncAfter(deadline: .now() + timeout) {
                stepFlag.cancel(reason: "its \(DurationValue(seconds: timeout)) timeout")
            }
        }
        do {
            let result = try body(context)
            if stepFlag.isCancelled && cancellation?.isCancelled != true, let timeout = step.timeout {
                throw RunbookRunError("step '\(step.id)' timed out after \(DurationValue(seconds: timeout))")
            }
            return result
        } catch {
            if stepFlag.isCancelled && cancellation?.isCancelled != true, let timeout = step.timeout {
                throw RunbookRunError("step '\(step.id)' timed out after \(DurationValue(seconds: timeout)): \(error)")
            }
            throw error
        }
    }
}

/// Resolves `${...}` references during a run from the journal's state.
struct References {
    let state: RunState
    let runID: String
    let environment: [String: String]

    func text(_ reference: Reference) throws -> String {
        switch reference {
        case .input(let name):
            guard let value = state.inputs[name] else { throw RunbookRunError("input '\(name)' has no value") }
            return value
        case .stepOutput(let step, let output):
            guard let record = state.steps[step] else { throw RunbookRunError("step '\(step)' has not run") }
            return record.outputs[output] ?? ""
        case .env(let name):
            return environment[name] ?? ""
        case .runID:
            return runID
        }
    }

    func value(_ reference: Reference) throws -> Expression.Value {
        let text = try text(reference)
        if let number = Double(text) { return .number(number) }
        if text == "true" || text == "false" { return .bool(text == "true") }
        return .string(text)
    }
}
