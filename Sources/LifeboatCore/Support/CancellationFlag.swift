import Synchronization

/// Set from a signal handler thread, read by the synchronous pipeline between chunks.
/// The optional action (stop a child process) runs once, at the moment of cancellation.
public final class CancellationFlag: Sendable {
    private let state = Mutex<(cancelled: Bool, reason: String, action: (@Sendable () -> Void)?)>((false, "", nil))

    public init() {}

    public var isCancelled: Bool { state.withLock { $0.cancelled } }
    public var reason: String { state.withLock { $0.reason } }

    public func cancel(reason: String) {
        let action = state.withLock { state -> (@Sendable () -> Void)? in
            guard !state.cancelled else { return nil }
            state.cancelled = true
            state.reason = reason
            return state.action
        }
        action?()
    }

    /// Registers what to do on cancellation; runs it at once if already cancelled.
    public func onCancel(_ action: (@Sendable () -> Void)?) {
        let runNow = state.withLock { state -> Bool in
            state.action = action
            return state.cancelled
        }
        if runNow { action?() }
    }
}
