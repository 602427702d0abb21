import CLibpq
import Synchronization

/// Cancelling a statement that another thread is running on a connection: a parallel restore's
/// workers block inside libpq (a COPY, an index build), and a cancelled restore, or one whose
/// other worker failed, must not wait for them to finish on their own.
extension Connection {
    /// A handle that asks the server to cancel whatever this connection is running. Take it
    /// before handing the connection's work to a thread; it stays valid after the connection
    /// closes (the request then reaches no backend, harmlessly).
    public func cancelHandle() throws(PostgresError) -> CancelHandle {
        let conn = try liveHandle()
        guard let cancel = PQgetCancel(conn) else {
            throw PostgresError(code: .connectionFailed, message: "libpq gave no cancel handle for this connection")
        }
        return CancelHandle(cancel)
    }
}

/// Owns a `PGcancel*`. Sendable: libpq documents `PQcancel` as safe to call from any thread
/// (it is meant for signal handlers), and the handle is freed only in `deinit`, when no thread
/// can still hold it; `sent` is behind a mutex so a handle cancels at most once.
public final class CancelHandle: @unchecked Sendable {
    private let handle: OpaquePointer
    private let sent = Mutex(false)

    init(_ handle: OpaquePointer) { self.handle = handle }

    deinit { PQfreeCancel(handle) }

    /// Sends the cancel request once; later calls do nothing. Failures are ignored: the caller
    /// is already abandoning the work, and a worker that was between statements sees the
    /// failure flag instead.
    public func cancel() {
        let first = sent.withLock { sent -> Bool in
            defer { sent = true }
            return !sent
        }
        guard first else { return }
        var buffer = [CChar](repeating: 0, count: 256)
        _ = PQcancel(handle, &buffer, Int32(buffer.count))
    }
}
