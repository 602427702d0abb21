import Synchronization

/// Set from a signal handler thread, read by the synchronous pipeline between chunks.
/// The optional action (stop a child process) runs once, at the moment of cancellation.
/// Child flags (one per concurrently running runbook step) are cancelled with their parent but
/// can also be cancelled on their own (a step's timeout) without touching the parent.
public final class CancellationFlag: Sendable {
    private struct State {
        var cancelled = false
        var reason = ""
        var action: (@Sendable () -> Void)?
        var children: [ObjectIdentifier: CancellationFlag] = [:]
    }

    private let state = Mutex(State())

    public init() {}

    public var isCancelled: Bool { state.withLock { $0.cancelled } }
    public var reason: String { state.withLock { $0.reason } }

    public func cancel(reason: String) {
        let (action, children) = state.withLock { state -> ((@Sendable () -> Void)?, [CancellationFlag]) in
            guard !state.cancelled else { return (nil, []) }
            state.cancelled = true
            state.reason = reason
            return (state.action, Array(state.children.values))
        }
        action?()
        for child in children { child.cancel(reason: reason) }
    }

    /// Registers what to do on cancellation; runs it at once if already cancelled.
    public func onCancel(_ action: (@Sendable () -> Void)?) {
        let runNow = state.withLock { state -> Bool in
            state.action = action
            return state.cancelled
        }
        if runNow { action?() }
    }

    /// A flag cancelled together with this one; already cancelled when this one is.
    public func makeChild() -> CancellationFlag {
        let child = CancellationFlag()
        let reason = state.withLock { state -> String? in
            if state.cancelled { return state.reason }
            state.children[ObjectIdentifier(child)] = child
            return nil
        }
        if let reason { child.cancel(reason: reason) }
        return child
    }

    /// Forgets a child whose work has ended.
    public func removeChild(_ child: CancellationFlag) {
        _ = state.withLock { $0.children.removeValue(forKey: ObjectIdentifier(child)) }
    }
}
