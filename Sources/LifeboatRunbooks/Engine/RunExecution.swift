import Foundation
import LifeboatCore
import Synchronization

/// How a step ended, as the scheduler sees it.
enum StepEnd: Sendable {
    /// Finished (succeeded, skipped, recorded, or failed with `on_failure: continue`).
    case done
    /// Failed with `on_failure: abort` or after its compensation: the run ends failed.
    case failed(RunbookRunError)
    /// Interrupted by a signal, or not safe to repeat: the run stays resumable.
    case halted(any Error)
}

extension RunEngine {
    /// Runs every step whose `needs` are done, each on its own thread, so independent branches
    /// (fetching from the cloud while services stop, say) overlap. A step that ends the run
    /// stops new steps from starting; the ones already running finish and are journaled.
    /// `lock`: the target's lock when the caller took it already (a new run takes it before
    /// its journal exists); a resume takes it here, and only then journals itself (`resuming`).
    func execute(
        _ runbook: Runbook, runID: String, journal: RunJournal, options: Options, lock held: RunLock? = nil,
        resuming: ResumeRecord? = nil
    ) throws -> RunState {
        let recorder = try RunRecorder(journal: journal)
        let target = recorder.state.target ?? ""
        let lock =
            try held
            ?? RunLock(
                stateDirectory: stateDirectory, target: target, runID: runID, conninfo: configuration.databaseURL ?? "")
        defer { lock.release() }
        if let resuming { try recordResume(resuming, recorder: recorder) }
        // Plaintext copies go when the run ends, however it ends: succeeded, failed, interrupted.
        defer { removeDecryptedArtifacts(runbook, recorder.state) }
        // A PITR drill's scratch cluster too: stopped, and removed unless kept.
        defer { finishScratchClusters(runbook, recorder.state, keep: options.keepScratch) }
        // And its scratch databases, once the run has ended (an interrupted one keeps them for the resume).
        defer { finishScratchDatabases(recorder.state, keep: options.keepScratch) }
        let live = options.drill ? try? RestoreRunner(configuration: configuration).targetDatabase() : nil
        var context = ActionContext(
            configuration: configuration, runID: runID, runDirectory: runDirectory(runID), target: target,
            drill: options.drill, services: options.drill ? nil : services, cancellation: cancellation, note: note)
        context.keepScratch = options.keepScratch
        if let onEvent {
            let name = runbook.name
            context.emit = { @Sendable event in
                var details = event.details
                details["runbook"] = details["runbook"] ?? name
                onEvent(RunEvent(name: event.name, details: details))
            }
        }
        let scheduler = StepScheduler(runbook: runbook) { need, outputs in
            self.resumeNeedMet(need, outputs, runID: runID)
        }
        let board = ProgressBoard()
        let ended = Completions()
        let ticker = progress.map { report in Ticker(every: 1) { report(board.snapshot()) } }
        defer {
            ticker?.stop()
            progress?([])  // nothing runs any more: the status line goes away
        }

        // Each step runs on a thread of its own; this loop only starts what the scheduler says
        // is ready and collects ends. The first failure stops new launches; the steps already
        // running finish (or fail) before the run ends.
        var running = Set<String>()
        var launched = Set<String>()
        var stop: StepEnd?
        while true {
            if stop == nil {
                for step in scheduler.ready(recorder.state, launched: launched) {
                    launched.insert(step.id)
                    running.insert(step.id)
                    let parameters = StepLaunch(
                        step: step, runbook: runbook, runID: runID, options: options, live: live, context: context)
                    Thread.detachNewThread {
                        let end = self.run(parameters, recorder: recorder, board: board)
                        ended.push(step.id, end)
                    }
                }
            }
            if running.isEmpty { break }
            let (id, end) = ended.pop()
            running.remove(id)
            if case .done = end { continue }
            if stop == nil { stop = end }
        }

        switch stop {
        case .failed(let error)?:
            var event = JournalEvent(kind: .runFinished)
            event.status = .failed
            event.message = error.message
            try recorder.record(event)
            onEvent?(
                RunEvent(
                    name: "runbook.failed",
                    details: [
                        "run_id": runID, "runbook": runbook.name, "drill": String(options.drill), "error": error.message
                    ]))
            throw error
        case .halted(let error)?:
            if let signal = cancellation?.isCancelled == true ? cancellation?.reason : nil {
                throw try recordSignal(signal, runbook: runbook, runID: runID, recorder: recorder, options: options)
            }
            // Stopped by the engine itself (a step it would not repeat, a journal it could not
            // write): said in the journal too, so the next resume does not take it for a kill.
            if recorder.state.stoppedSilently {
                var event = JournalEvent(kind: .interrupted)
                event.message = "stopped by Lifeboat: \(error)"
                try? recorder.record(event)
            }
            throw error
        case .done?, nil:
            break
        }
        let unfinished = scheduler.unfinished(recorder.state)
        guard unfinished.isEmpty else {
            throw RunbookRunError(
                "run \(runID) stopped with steps not run: \(unfinished.joined(separator: ", "))",
                hint: "resume it with `lifeboat runbook resume \(runID)`")
        }
        var finished = JournalEvent(kind: .runFinished)
        finished.status = .succeeded
        finished.objectives = judgeRecovery(runbook, runID: runID, state: recorder.state, drill: options.drill)
        try recorder.record(finished)
        onEvent?(
            RunEvent(
                name: "runbook.completed",
                details: ["run_id": runID, "runbook": runbook.name, "drill": String(options.drill)]))
        return recorder.state
    }

    /// One step from its `when` to its end: drill behaviour, approval gate, attempts with
    /// retries and timeout, and what its `on_failure` says when it fails.
    func run(_ launch: StepLaunch, recorder: RunRecorder, board: ProgressBoard) -> StepEnd {
        let step = launch.step
        let id = step.id
        func finish(
            _ status: JournalEvent.Status, _ message: String? = nil, outputs: [String: String]? = nil,
            step other: Step? = nil
        ) throws {
            let which = other ?? step
            var event = JournalEvent(kind: .stepFinished, step: which.id)
            event.action = which.action
            event.status = status
            event.message = message
            event.outputs = outputs
            // This attempt's own time, not the first start's: a step redone after an interruption
            // did its work once, not across the hours the run stood still.
            event.durationSeconds = recorder.state.steps[which.id]?.openAttempt.map {
                Date().timeIntervalSince($0.startedAt)
            }
            try recorder.record(event)
        }
        do {
            guard let spec = ActionCatalog.spec(step.action) else {
                throw RunbookRunError("unknown action \(step.action)")
            }
            let state = recorder.state
            if state.inFlight.contains(id) && !spec.safeToRepeat {
                var decision = JournalEvent(kind: .stepRetried, step: id)
                decision.action = step.action
                decision.osUser = Self.operatorName(environment)
                if launch.options.retryInterruptedStep {
                    decision.by = decision.osUser
                    decision.message = "run again on resume by the operator (--retry-step)"
                    try recorder.record(decision)
                } else if launch.options.skipInterruptedStep {
                    decision.kind = .stepSkipped
                    decision.by = decision.osUser
                    decision.message = "marked done on resume by the operator (--skip-step)"
                    try recorder.record(decision)
                    try finish(.skipped, "skipped on resume by the operator")
                    return .done
                } else {
                    switch ScratchRedo.assess(
                        step, checkpoint: state.steps[id]?.checkpoint, configuration: configuration,
                        drill: launch.options.drill)
                    {
                    case .redo(let why):
                        decision.message = why
                        try recorder.record(decision)
                        note("\(id): \(why)")
                    case .unsafe(let why):
                        return .halted(
                            RunbookRunError(
                                "step '\(id)' (\(step.action)) was interrupted and is not safe to repeat: \(why)",
                                hint: "check its effect, then resume with --retry-step or --skip-step"))
                    }
                }
            }
            let resolver = References(state: state, runID: launch.runID, environment: environment)
            if let when = step.when, try !Expression.parse(when).evaluate(resolve: resolver.value) {
                try finish(.skipped, "when: \(when) is false")
                return .done
            }
            let behaviour = launch.options.drill ? drillBehaviour(step) : .run
            if behaviour != .run {
                try finish(behaviour == .record ? .recorded : .skipped, "drill: \(behaviour.rawValue)")
                note("\(id): \(behaviour == .record ? "recorded, not run (drill)" : "skipped (drill)")")
                return .done
            }
            if let message = step.approval, state.steps[id]?.approvedBy == nil {
                let text = try Template.parse(message).render(resolve: resolver.text)
                var requested = JournalEvent(kind: .approvalRequested, step: id)
                requested.action = step.action
                requested.message = text
                try recorder.record(requested)
                let answer: ApprovalAnswer
                let osUser = Self.operatorName(environment)
                if launch.options.drill {
                    answer = ApprovalAnswer(approved: true, by: "auto (drill)", osUser: osUser)
                } else if launch.options.autoApprove {
                    answer = ApprovalAnswer(approved: true, by: "auto (--yes)", osUser: osUser)
                } else {
                    onEvent?(
                        RunEvent(
                            name: "runbook.approval_needed",
                            details: [
                                "run_id": launch.runID, "runbook": launch.runbook.name, "step": id, "message": text,
                                "approve_with": "lifeboat runbook approve \(launch.runID) \(id) --by NAME"
                            ]))
                    answer = try awaitApproval(step, text, runID: launch.runID)
                }
                try recorder.record(answer.event(step: id, message: text))
                guard answer.approved else {
                    return .halted(
                        RunbookRunError(
                            "step '\(id)' was not approved (\(ApprovalGate.declined(RunState.Decision(at: answer.at, by: answer.by, osUser: answer.osUser, reason: answer.reason)))): the run stops here, nothing after it ran",
                            hint:
                                "`lifeboat runbook resume \(launch.runID)` asks again; `lifeboat runbook abort \(launch.runID)` ends the run"
                        ))
                }
            }
            let parameters = try resolver.parameters(of: step)
            do {
                if let live = launch.live { try guardLiveDatabase(step, parameters, live: live) }
                board.begin(id, action: step.action)
                defer { board.end(id) }
                progress?(board.snapshot())
                var context = launch.context
                if launch.options.drill { context.scratchURL = scratchURL(launch.runbook, recorder.state) }
                context.checkpoint = { details in
                    var event = JournalEvent(kind: .stepCheckpoint, step: id)
                    event.action = step.action
                    event.outputs = details
                    try recorder.record(event)
                }
                context.progress = { [progress] bytes in
                    CrashTestHook.stepProgressed(id)
                    board.bytes(id, bytes)
                    if let progress, board.reportDue() { progress(board.snapshot()) }
                }
                let outputs = try attempt(step, parameters: parameters, context: context, recorder: recorder)
                CrashTestHook.stepReturned(id)
                try finish(.succeeded, outputs: outputs)
                return .done
            } catch {
                if cancellation?.isCancelled == true {
                    try finish(.interrupted, "\(error)")
                    return .halted(
                        RunbookRunError(
                            "run \(launch.runID) interrupted during step '\(id)'",
                            hint: "resume it with `lifeboat runbook resume \(launch.runID)`"))
                }
                try finish(.failed, "\(error)")
                note("\(id) FAILED: \(error)")
                onEvent?(
                    RunEvent(
                        name: "runbook.step_failed",
                        details: [
                            "run_id": launch.runID, "runbook": launch.runbook.name, "step": id,
                            "action": step.action, "error": "\(error)"
                        ]))
                switch step.onFailure {
                case .continue:
                    return .done
                case .compensate(let other):
                    if let compensation = launch.runbook.step(other) {
                        let outputs = try? attempt(
                            compensation, parameters: try resolver.parameters(of: compensation),
                            context: launch.context, recorder: recorder)
                        try finish(
                            outputs == nil ? .failed : .succeeded, "compensation for \(id)", outputs: outputs,
                            step: compensation)
                    }
                    return .failed(
                        RunbookRunError(
                            "run \(launch.runID) stopped: step '\(id)' failed: \(error); compensation \(other) ran"))
                case .abort:
                    return .failed(
                        RunbookRunError(
                            "run \(launch.runID) stopped: step '\(id)' failed: \(error)",
                            hint: "fix the cause and resume with `lifeboat runbook resume \(launch.runID) --retry-step`"
                        ))
                }
            }
        } catch {
            // The journal could not be written, or a reference could not be resolved: the
            // run cannot go on safely, and stays resumable.
            return .halted(error)
        }
    }

    /// In a drill, service steps run only where a drill command is configured; everything
    /// else runs against the scratch target unless the step says otherwise.
    func drillBehaviour(_ step: Step) -> Step.DrillBehaviour {
        if let explicit = step.drill { return explicit }
        guard step.action.hasPrefix(ServiceStep.family) else { return .run }
        let kind = ServiceStep.kind(of: step.action)
        return kind.flatMap { ServiceStep.drillCommand($0, configuration) } == nil ? .record : .run
    }

    /// A drill never touches the live database, even when a step names it explicitly.
    func guardLiveDatabase(_ step: Step, _ parameters: ResolvedParameters, live: String) throws {
        if parameters.string("database") == live {
            throw RunbookRunError(
                "drill step '\(step.id)' names the live database \(live)",
                hint: "drills run against a scratch database; leave `database:` out so the drill's target is used")
        }
    }

    /// Runs a step with its retry policy, journaling each attempt.
    func attempt(_ step: Step, parameters: ResolvedParameters, context: ActionContext, recorder: RunRecorder) throws
        -> [String: String]
    {
        let attempts = step.retry?.attempts ?? 1
        var delay = step.retry?.initialDelay ?? 0
        for number in 1...attempts {
            var started = JournalEvent(kind: .stepStarted, step: step.id)
            started.action = step.action
            // Counted across the run, so a try after a resume is not "attempt 1" again.
            started.attempt = (recorder.state.steps[step.id]?.tries.count ?? 0) + 1
            try recorder.record(started)
            note("\(step.id) [\(step.action)]" + (number > 1 ? " attempt \(number)/\(attempts)" : ""))
            do {
                return try withTimeout(step, context) { try ActionExecutor.run(step.action, parameters, $0) }
            } catch {
                if number == attempts || cancellation?.isCancelled == true { throw error }
                // The same bytes get the same signature verdict: waiting and retrying only delays the refusal.
                if (error as? LifeboatError)?.stage == BackupTrust.refusalStage { throw error }
                note("\(step.id): \(error) — retrying in \(DurationValue(seconds: delay))")
                Thread.sleep(forTimeInterval: delay)
                delay *= step.retry?.factor ?? 2
            }
        }
        throw RunbookRunError("no attempt ran")
    }

    /// Runs one attempt with the step's own cancellation: a signal to the process or the
    /// step's timeout stops it the same way (children killed, temporary databases dropped).
    func withTimeout<T>(_ step: Step, _ context: ActionContext, _ body: (ActionContext) throws -> T) throws -> T {
        let stepFlag = cancellation?.makeChild() ?? CancellationFlag()
        defer { cancellation?.removeChild(stepFlag) }
        var context = context
        context.cancellation = stepFlag
        context.stepTimeout = step.timeout
        if let timeout = step.timeout {
            DispatchQueue.global().asyncAfter(deadline: .now() + timeout) {
                stepFlag.cancel(reason: "its \(DurationValue(seconds: timeout)) timeout")
            }
        }
        let timedOut = { stepFlag.isCancelled && self.cancellation?.isCancelled != true && step.timeout != nil }
        do {
            let result = try body(context)
            if timedOut(), let timeout = step.timeout {
                throw RunbookRunError("step '\(step.id)' timed out after \(DurationValue(seconds: timeout))")
            }
            return result
        } catch {
            if timedOut(), let timeout = step.timeout {
                throw RunbookRunError("step '\(step.id)' timed out after \(DurationValue(seconds: timeout)): \(error)")
            }
            throw error
        }
    }
}

/// What a step thread needs from the scheduler.
struct StepLaunch: Sendable {
    let step: Step
    let runbook: Runbook
    let runID: String
    let options: RunEngine.Options
    /// In a drill: the live database, which no step may name.
    let live: String?
    let context: ActionContext
}

/// Step ends handed from step threads to the scheduler, in the order they happen.
final class Completions: Sendable {
    private let queue = Mutex<[(String, StepEnd)]>([])
    private let signal = DispatchSemaphore(value: 0)

    func push(_ id: String, _ end: StepEnd) {
        queue.withLock { $0.append((id, end)) }
        signal.signal()
    }

    func pop() -> (String, StepEnd) {
        signal.wait()
        return queue.withLock { $0.removeFirst() }
    }
}

/// Calls `body` every `interval` seconds on a background thread until stopped.
final class Ticker: Sendable {
    private let stopped = Mutex(false)

    init(every interval: TimeInterval, _ body: @escaping @Sendable () -> Void) {
        Thread.detachNewThread { [self] in
            while !isStopped {
                Thread.sleep(forTimeInterval: interval)
                if !isStopped { body() }
            }
        }
    }

    private var isStopped: Bool { stopped.withLock { $0 } }

    func stop() { stopped.withLock { $0 = true } }
}
