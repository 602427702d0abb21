extension ConnectionPool {
    /// One borrowed connection. `release()` returns it; a lease dropped without being released
    /// returns its connection from `deinit`, so a forgotten path cannot leak a pool slot.
    /// Not Sendable: like its connection, a lease belongs to one thread or task at a time.
    public final class Lease {
        /// Use it only until `release()` or `invalidate()`: after that it belongs to someone else.
        public let connection: Connection
        let openedAt: ContinuousClock.Instant
        private let pool: ConnectionPool
        private var isReturned = false

        init(pool: ConnectionPool, connection: Connection, openedAt: ContinuousClock.Instant) {
            self.pool = pool
            self.connection = connection
            self.openedAt = openedAt
        }

        deinit { release() }

        /// Gives the connection back: kept for the next checkout when the pool has room, closed
        /// when it was an overflow connection or is no longer usable. Calling it twice is harmless.
        public func release() {
            guard !isReturned else { return }
            isReturned = true
            pool.checkin(connection, openedAt: openedAt)
        }

        /// Closes the connection instead of returning it, for a holder that knows the session is
        /// spoiled (a SET it cannot undo, a protocol error); its slot is freed for a new connection.
        public func invalidate() {
            guard !isReturned else { return }
            isReturned = true
            connection.close()
            pool.discardCheckedOut()
        }
    }
}
