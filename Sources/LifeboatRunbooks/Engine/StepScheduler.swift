/// Which steps of a run are settled and which may start now, from the run's state and the
/// runbook's graph alone: the engine's scheduling decisions in one pure value, so they can be
/// read and tested without threads, a journal or a database.
///
/// The one question that needs the world (is a decrypted copy still on disk, is a drill's
/// scratch cluster still running) comes in as `needMet`, asked only for the needs a step's
/// action declares (`ActionSpec.resumeNeeds`); the engine answers it from the file system.
struct StepScheduler {
    let runbook: Runbook
    /// Every step the main flow runs, in launch order (topological; a step comes after the steps
    /// it needs). Compensation steps are left out: they run only when the step naming them fails.
    let order: [String]
    /// Whether a declared need of a finished step still holds, given the step's outputs.
    let needMet: (ActionSpec.ResumeNeed, [String: String]) -> Bool

    init(runbook: Runbook, needMet: @escaping (ActionSpec.ResumeNeed, [String: String]) -> Bool) {
        self.runbook = runbook
        self.needMet = needMet
        let compensations = Set(
            runbook.steps.compactMap { step -> String? in
                if case .compensate(let other) = step.onFailure { return other }
                return nil
            })
        order = StepGraph(runbook.steps).topologicalOrder().filter { !compensations.contains($0) }
    }

    /// A step whose work stands: it ended (succeeded, skipped, recorded, or failed with
    /// `on_failure: continue`) and what it left for later steps is still there.
    ///
    /// A step that failed and stopped the run is not settled: resuming runs it again. A step
    /// whose declared need is gone (`ResumeNeed`) is not either: it runs again before the steps
    /// that read its work. A scratch cluster is a need only in drills.
    func settled(_ state: RunState, _ id: String) -> Bool {
        guard state.isDone(id), let step = runbook.step(id) else { return false }
        let record = state.steps[id]
        if record?.status == .failed, step.onFailure != .continue { return false }
        guard record?.status == .succeeded, let spec = ActionCatalog.spec(step.action) else { return true }
        let outputs = record?.outputs ?? [:]
        for need in spec.resumeNeeds {
            if case .runningScratchCluster = need, !state.drill { continue }
            if !needMet(need, outputs) { return false }
        }
        return true
    }

    /// Every step upstream of `step` is settled, not only its direct needs: a step redone on
    /// resume may lie further up than steps long done. Breadth-first over a visited set, so no
    /// graph of diamonds makes it slow.
    func upstreamSettled(_ state: RunState, _ step: Step) -> Bool {
        var seen = Set<String>()
        var queue = step.needs
        while let id = queue.popLast() {
            guard seen.insert(id).inserted else { continue }
            guard settled(state, id) else { return false }
            queue += runbook.step(id)?.needs ?? []
        }
        return true
    }

    /// The steps that may start now, in launch order: not launched yet in this try, not
    /// settled, and everything upstream settled.
    func ready(_ state: RunState, launched: Set<String>) -> [Step] {
        order.compactMap { id in
            guard !launched.contains(id), !settled(state, id), let step = runbook.step(id),
                upstreamSettled(state, step)
            else { return nil }
            return step
        }
    }

    /// The main flow's steps that are not settled: empty when the run is complete.
    func unfinished(_ state: RunState) -> [String] {
        order.filter { !settled(state, $0) }
    }
}
