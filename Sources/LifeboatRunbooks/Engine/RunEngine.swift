import Foundation
import Synchronization
import LifeboatCore
import LifeboatStreams

/// Executes a validated runbook step by step, writing every start, attempt, approval, output
/// and end to the run's journal before going on, so a run killed at any point resumes from the
/// journal alone: finished steps are not repeated, an interrupted one is repeated only when its
/// action is safe to repeat.
public struct RunEngine: Sendable {
    public struct Options: Sendable {
        public var autoApprove = false
        public var drill = false
        /// Decide an interrupted step that is not safe to repeat.
        public var retryInterruptedStep = false
        public var skipInterruptedStep = false
        /// The preflight taken before the run (RunbookPreflight): journaled after the start; a
        /// failed check not in `ignorePreflight` stops a real run before it takes the lock.
        public var preflight: PreflightReport?
        public var ignorePreflight = PreflightOverrides.none
        /// A drill's `--keep`: PITR scratch clusters keep their folder (stopped) after the run.
        public var keepScratch = false
        public init() {}
    }

    public let configuration: LifeboatConfiguration
    public let stateDirectory: URL
    public var services: (any ServiceProvider)?
    public var cancellation: CancellationFlag?
    /// Where human messages go; called from step threads, so it must be safe to call concurrently.
    public var note: @Sendable (String) -> Void = { _ in }
    /// Called about once a second (and when a step starts) with the steps running now.
    public var progress: (@Sendable ([StepProgress]) -> Void)?
    /// Run events for webhooks.
    public var onEvent: (@Sendable (RunEvent) -> Void)?
    /// Asks a person at this terminal to answer a gate: returns their answer (yes or no), an
    /// answer given elsewhere meanwhile (`ApprovalWatch.elsewhere`), or nil when there is no
    /// terminal or no answer was typed (the run then waits for `lifeboat runbook approve RUN_ID
    /// STEP` from elsewhere).
    public var approve: @Sendable (Step, String, ApprovalWatch) throws -> ApprovalAnswer? = { _, _, _ in nil }
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
            throw RunbookRunError(
                "no run \(runID) in \(stateDirectory.path)/runs",
                hint: "copy the run's folder here, or set LIFEBOAT_STATE_DIR")
        }
        return url
    }

    /// Who is at the keyboard, for journals and approvals: the sudo caller first.
    public static func operatorName(_ environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        environment["SUDO_USER"] ?? environment["USER"] ?? NSUserName()
    }

    /// `20250118t030000z_3fa2`: lower case, digits and `_` only, so that names runbooks make
    /// from it (`pitr_${run.id}`) are plain SQL identifiers that never need quoting.
    public static func newRunID(_ date: Date = Date()) -> String {
        BackupName.format(date).lowercased() + "_" + String(UInt16.random(in: 0...UInt16.max), radix: 16)
    }

    /// Starts a new run; returns its id and final state.
    public func start(_ runbook: Runbook, inputs given: [String: String], target: String, options: Options) throws -> (
        String, RunState
    ) {
        let inputs = Dictionary(
            try Planner(environment: environment).inputs(for: runbook, given: given), uniquingKeysWith: { a, _ in a })
        // A drill changes nothing live: its failed checks are shown and journaled, not obeyed.
        // target.lock is shown but left to the lock itself, taken next: it refuses a held
        // target with the holder's name and no race, and no flag can override it.
        if let report = options.preflight, !options.drill {
            try report.gate(options.ignorePreflight.adding("target.lock"), what: "run")
        }
        let runID = Self.newRunID()
        // The target's lock before the journal: a run refused because another one holds the
        // target must leave no journal behind, or it would show as an interrupted run (and
        // `resume` could start it later).
        let lock = try RunLock(
            stateDirectory: stateDirectory, target: target, runID: runID, conninfo: configuration.databaseURL ?? "")
        defer { lock.release() }
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
        if options.drill && options.keepScratch { event.keepScratch = true }
        try journal.append(event)
        if let report = options.preflight {
            var preflight = JournalEvent(kind: .preflight)
            preflight.checks = report.checks
            preflight.overridden = report.overridden(options.ignorePreflight).map(\.name).filter { $0 != "target.lock" }
            try journal.append(preflight)
        }
        note("run \(runID) started — journal \(journal.url.path)")
        onEvent?(
            RunEvent(
                name: "runbook.started",
                details: [
                    "run_id": runID, "runbook": runbook.name, "target": target,
                    "drill": String(options.drill), "user": event.user ?? ""
                ]))
        return (runID, try execute(runbook, runID: runID, journal: journal, options: options, lock: lock))
    }

    /// Continues a run from its journal. The resume is journaled (who, with which flags), and
    /// so is the interruption it found, when nothing recorded it (a killed process).
    public func resume(_ runID: String, runbook: Runbook, acceptChangedRunbook: Bool, options: Options) throws
        -> RunState
    {
        let directory = runDirectory(runID)
        let state = RunState(events: try RunJournal.read(try existingJournal(runID)))
        if state.finished == .succeeded { return state }
        if state.finished == .aborted {
            throw RunbookRunError("run \(runID) was aborted", hint: "start a new run with `lifeboat runbook run`")
        }
        if state.runbookSha256 != runbook.sha256 && !acceptChangedRunbook {
            throw RunbookRunError(
                "the runbook changed since run \(runID) started",
                hint: "resume with --accept-changed-runbook if the change is intended")
        }
        var options = options
        options.drill = state.drill
        options.keepScratch = options.keepScratch || state.keepScratch
        var flags: [String] = []
        if options.autoApprove { flags.append("--yes") }
        if options.retryInterruptedStep { flags.append("--retry-step") }
        if options.skipInterruptedStep { flags.append("--skip-step") }
        if acceptChangedRunbook { flags.append("--accept-changed-runbook") }
        return try execute(
            runbook, runID: runID, journal: try RunJournal(directory: directory), options: options,
            resuming: ResumeRecord(flags: flags, user: Self.operatorName(environment)))
    }

    /// Plaintext copies made by `backup.decrypt` live only as long as the run needs them: a run
    /// removes them when it ends, failed or interrupted too (a resume decrypts again).
    func removeDecryptedArtifacts(_ runbook: Runbook, _ state: RunState) {
        for step in runbook.steps {
            for case .transientRunFile(let output) in ActionCatalog.spec(step.action)?.resumeNeeds ?? [] {
                guard let path = state.steps[step.id]?.outputs[output], path.hasPrefix(runDirectory("").path) else {
                    continue
                }
                try? FileManager.default.removeItem(atPath: path)
                try? FileManager.default.removeItem(atPath: path + ".manifest.json")
            }
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

    /// Records an approval given from another terminal, for the running engine to journal (a
    /// second process must not append to a journal a live run writes). Refused, with what to do,
    /// for a run that ended, a step the run does not have, a step not waiting at its gate, and
    /// a step already approved.
    public func recordApproval(runID: String, step: String, answer: ApprovalAnswer) throws {
        let state = RunState(events: try RunJournal.read(try existingJournal(runID)))
        let known =
            (try? state.runbook.map { try RunbookLibrary.loadValidated(URL(fileURLWithPath: $0)) })??.steps.map(\.id)
            ?? state.order
        try ApprovalGate.check(
            step: step, runID: runID, state: state, runbookSteps: known,
            pending: ApprovalAnswer.read(approvalFile(runID: runID, step: step)))
        let file = approvalFile(runID: runID, step: step)
        try FileManager.default.createDirectory(
            at: file.deletingLastPathComponent(), withIntermediateDirectories: true,
            attributes: [.posixPermissions: 0o700])
        try AtomicFileSink.writeReplacing(Array(try answer.encoded()), to: file)
    }

    /// An approval already given, the person at this terminal, or one given later with
    /// `lifeboat runbook approve`, waited for here (Ctrl-C leaves the run resumable).
    private static let promptLock = Mutex(())

    func awaitApproval(_ step: Step, _ message: String, runID: String) throws -> ApprovalAnswer {
        let file = approvalFile(runID: runID, step: step.id)
        let given: @Sendable () -> ApprovalAnswer? = { ApprovalAnswer.read(file) }
        if let answer = given() { return answer }
        let command = "lifeboat runbook approve \(runID) \(step.id) --by NAME"
        let watch = ApprovalWatch(
            elsewhere: given, cancelled: { [cancellation] in cancellation?.isCancelled == true },
            approveCommand: command)
        // Concurrent branches may reach gates together: one question at a time at the terminal.
        if let answer = try Self.promptLock.withLock({ _ in try approve(step, message, watch) }) { return answer }
        note("step '\(step.id)' waits for approval: \(message)\n  approve it with: \(command)")
        while true {
            if let answer = given() { return answer }
            if cancellation?.isCancelled == true {
                throw RunbookRunError(
                    "stopped while waiting for approval of '\(step.id)'",
                    hint: "resume it with `lifeboat runbook resume \(runID)`")
            }
            Thread.sleep(forTimeInterval: approvalPollInterval)
        }
    }
}

/// What a resume journals about itself once it holds the run's lock.
struct ResumeRecord: Sendable {
    let flags: [String]
    let user: String
}
