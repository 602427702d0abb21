import Foundation

/// A runbook run that still needs a person, for `lifeboat status`: one still running, one
/// interrupted (its journal has no end and no process on this host holds it: killed, crashed,
/// or running on another host sharing the state folder) or one that failed. Succeeded and
/// aborted runs are done and not listed; a failed run stays listed (and makes `status`
/// unhealthy) until it is resumed to success, aborted (`lifeboat runbook abort RUN_ID`) or
/// acknowledged (`lifeboat runbook ack RUN_ID`). It lives with the journals, not in the
/// command line, so that whatever shows the status (CLI, metrics, report) classifies runs alike.
public struct OpenRun: Encodable, Sendable {
    public let runId: String
    public let runbook: String
    /// `running`, `interrupted` or `failed`.
    public let status: String
    public let drill: Bool
    public let target: String?
    public let startedAt: Date?
    /// The step in flight (interrupted or running), else the last that failed, else the last
    /// one the journal names.
    public let lastStep: String?
    /// That step's status: `waiting for approval since <time>` at a gate, `declined by …` after
    /// a "no", `in progress` (or `interrupted` when no process runs it) while it works.
    public let lastStepStatus: String?
    /// Why a failed run failed.
    public let message: String?
    public let pid: Int32?

    /// The open runs under LIFEBOAT_STATE_DIR/runs, newest first (run ids start with their
    /// start time), or why the folder could not be read. No folder: no runs.
    public static func scan(_ engine: RunEngine) -> (runs: [OpenRun], error: String?) {
        let folder = engine.stateDirectory.appendingPathComponent("runs")
        guard FileManager.default.fileExists(atPath: folder.path) else { return ([], nil) }
        let ids: [String]
        do {
            ids = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { !$0.hasPrefix(".") }
        } catch {
            return ([], "cannot read \(folder.path): \(error.localizedDescription)")
        }
        var runs: [OpenRun] = []
        var unreadable: [String] = []
        for id in ids.sorted(by: >) {
            let journal = engine.runDirectory(id).appendingPathComponent("journal.jsonl")
            guard FileManager.default.fileExists(atPath: journal.path) else { continue }
            let state: RunState
            do { state = RunState(events: try RunJournal.read(journal)) } catch {
                unreadable.append(id)
                continue
            }
            if let run = OpenRun(id: id, state: state, engine: engine) { runs.append(run) }
        }
        return (runs, unreadable.isEmpty ? nil : "unreadable journals: " + unreadable.joined(separator: ", "))
    }

    /// Nil for a run that is over (succeeded, aborted).
    public init?(id: String, state: RunState, engine: RunEngine) {
        var pid: pid_t?
        switch state.finished {
        case nil:
            pid = engine.livePID(of: id, state: state)
            status = pid == nil ? "interrupted" : "running"
        case .failed? where state.acknowledgedBy == nil:
            status = "failed"
        default:
            return nil
        }
        runId = id
        runbook = state.runbookName ?? state.runbook.map { URL(fileURLWithPath: $0).lastPathComponent } ?? "?"
        drill = state.drill
        target = state.target
        startedAt = state.startedAt
        let step =
            state.inFlight.last ?? state.awaitingApproval.last ?? state.order.last {
                state.steps[$0]?.status == .failed
            } ?? state.order.last
        lastStep = step
        let interrupted = status == "interrupted"
        lastStepStatus = step.flatMap { id in
            state.steps[id] == nil ? nil : state.stepLine(id, interrupted: interrupted, details: false)
        }
        message = status == "failed" ? state.finishMessage : nil
        self.pid = pid
    }
}
