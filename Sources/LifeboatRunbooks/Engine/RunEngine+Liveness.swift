import Foundation

extension RunEngine {
    /// The pid of a live process on this host running `runID` (it holds the target's lock
    /// file), or nil: a journal without an end and no such process is a run that was
    /// interrupted, which `lifeboat status` must tell apart from one still going.
    public func livePID(of runID: String, state: RunState) -> pid_t? {
        RunLock.holder(stateDirectory: stateDirectory, target: state.target ?? "", runID: runID)
    }
}
