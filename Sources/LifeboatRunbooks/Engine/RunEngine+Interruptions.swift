import Foundation
import LifeboatCore

/// The run's own record of its stops: a signal (journaled as the run stops, with the state it
/// leaves) and a process found dead by the resume that takes the run up again.
extension RunEngine {
    /// Journals the resume (once it holds the lock), after the interruption it found when
    /// nothing recorded one: the process was killed, or its host went down.
    func recordResume(_ resuming: ResumeRecord, recorder: RunRecorder) throws {
        let state = recorder.state
        if state.stoppedSilently, let last = state.lastEventAt {
            var event = JournalEvent(kind: .interrupted)
            event.lastEventAt = last
            let open = state.inFlight + state.awaitingApproval
            event.message =
                "no process was running it: it was killed or its host went down"
                + (open.isEmpty ? "" : " during \(open.map { "'\($0)'" }.joined(separator: ", "))")
            try recorder.record(event)
        }
        var event = JournalEvent(kind: .resumed)
        event.user = resuming.user
        event.osUser = resuming.user
        event.host = ProcessInfo.processInfo.hostName
        event.flags = resuming.flags
        try recorder.record(event)
    }

    /// Journals a stop by `signal` with the state it leaves, and returns the error that says so.
    func recordSignal(_ signal: String, runbook: Runbook, runID: String, recorder: RunRecorder, options: Options) throws
        -> RunbookRunError
    {
        let state = recorder.state
        let open = state.order.filter { state.steps[$0]?.status == .interrupted } + state.awaitingApproval
        let where_ =
            open.isEmpty
            ? ""
            : (state.awaitingApproval.isEmpty ? " during step " : " while waiting at ")
                + open.map { "'\($0)'" }.joined(separator: ", ")
        let situation = interruptionState(runbook, state, options: options)
        var event = JournalEvent(kind: .interrupted)
        event.signal = signal
        event.message = situation
        try recorder.record(event)
        return RunbookRunError(
            "interrupted (\(signal))\(where_): \(situation)",
            hint: "resume it with `lifeboat runbook resume \(runID)`, or end it with `lifeboat runbook abort \(runID)`")
    }

    /// What a stopped run leaves: whether the live database changed, and whether the services
    /// are down (with the command that starts them).
    func interruptionState(_ runbook: Runbook, _ state: RunState, options: Options) -> String {
        let target = state.target ?? "the target database"
        var parts: [String] = []
        let changing = [RestoreDatabase.name, RestoreTables.name, PhysicalRestoreAction.name]
        if options.drill {
            parts.append("a drill: the live database was not touched")
        } else if let changed = state.order.first(where: {
            changing.contains(state.steps[$0]?.action ?? "") && state.steps[$0]?.status == .succeeded
        }) {
            parts.append("the live database \(target) was changed by step '\(changed)'")
        } else if let cut = state.order.first(where: {
            changing.contains(state.steps[$0]?.action ?? "") && state.steps[$0]?.status == .interrupted
        }) {
            let checkpoint = state.steps[cut]?.checkpoint
            // A safe restore that saw the signal drops its scratch copy itself; the swap is what counts.
            if let keptAs = checkpoint?[ScratchRedo.Key.keptAs], !keptAs.isEmpty,
                (try? DatabaseAdmin(conninfo: configuration.databaseURL ?? "")).map({ admin in
                    defer { admin.close() }
                    return (try? admin.exists(keptAs)) == false
                }) == true
            {
                parts.append("live database \(target) untouched")
            } else if checkpoint?[ScratchRedo.Key.targetExisted] == "false" {
                parts.append("live database \(target) untouched (it did not exist)")
            } else {
                parts.append("step '\(cut)' may have changed \(target): check it before resuming")
            }
        } else {
            parts.append("live database \(target) untouched")
        }
        let stopped = state.order.last {
            state.steps[$0]?.action == ServicesStop.name && state.steps[$0]?.status == .succeeded
        }
        let started = state.order.contains {
            state.steps[$0]?.action == ServicesStart.name && state.steps[$0]?.status == .succeeded
        }
        if !options.drill, let stopped, !started {
            let commands = services?.commands(for: .start).map(ServiceProviders.commandLine) ?? []
            parts.append(
                "services stopped by step '\(stopped)'"
                    + (commands.isEmpty
                        ? ": start them with your provider's start command (`lifeboat config` shows it)"
                        : ": start them with `\(commands.joined(separator: " && "))`, or resume the run, whose later steps start them")
            )
        }
        return parts.joined(separator: "; ")
    }
}
