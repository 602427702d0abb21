import Foundation

/// A thread-safe, blocking pool of libpq connections to one database, with the semantics of
/// SQLAlchemy's QueuePool that the seed relied on:
///
/// - up to `size` connections are kept between uses, opened on demand;
/// - when all are lent, up to `maxOverflow` more are opened, and closed when returned;
/// - when `size + maxOverflow` are lent, a checkout waits up to `timeout` for one to come back,
///   then fails with `PostgresError.Code.poolExhausted`;
/// - at checkout, a connection older than `recycle` is replaced, and with `prePing` one that
///   fails `SELECT 1` (killed by pg_terminate_backend, server restarted) is replaced transparently;
/// - a returned connection has any open transaction rolled back, and is closed if broken.
///
/// Connections are opened and checked outside the lock, so one slow connect does not stall
/// other borrowers. Checkout blocks its thread: from async code, call it where blocking is
/// acceptable (as the rest of Lifeboat does with libpq).
public final class ConnectionPool: @unchecked Sendable {
    // @unchecked: the only mutable state is `state`, read and written only while `condition`
    // is locked; a connection belongs either to `state.idle` or to exactly one lease.
    public let settings: Settings
    private let conninfo: String
    private let database: String?
    private let condition = NSCondition()
    private var state = State()

    private struct State {
        /// Returned connections, oldest return first (QueuePool's FIFO order keeps all of them warm).
        var idle: [(connection: Connection, openedAt: ContinuousClock.Instant)] = []
        /// Lent connections, including slots whose connection is being opened or checked.
        var checkedOut = 0
        var isClosed = false
        var open: Int { idle.count + checkedOut }
    }

    /// A pool for `conninfo` (URL or key=value; empty: the PG* variables), or for `database` on
    /// the same server when given. Nothing is opened until the first checkout.
    public init(_ conninfo: String, database: String? = nil, settings: Settings = Settings()) {
        settings.checkValid()
        self.conninfo = conninfo
        self.database = database
        self.settings = settings
    }

    deinit { close() }

    /// Lends a connection until the lease is released. Waits up to `settings.timeout` when every
    /// connection the pool may open is lent.
    public func checkout() throws(PostgresError) -> Lease {
        switch try reserve() {
        case .idle(let connection, let openedAt):
            do throws(PostgresError) {
                return try refreshed(connection, openedAt: openedAt)
            } catch {
                discardCheckedOut()
                throw error
            }
        case .newSlot:
            do throws(PostgresError) {
                return try openLease()
            } catch {
                discardCheckedOut()
                throw error
            }
        }
    }

    /// Runs `body` with a borrowed connection and returns it on every path, thrown errors included.
    public func withConnection<Value>(_ body: (Connection) throws -> Value) throws -> Value {
        let lease = try checkout()
        defer { lease.release() }
        return try body(lease.connection)
    }

    public var status: Status {
        condition.lock()
        defer { condition.unlock() }
        return Status(
            size: settings.size, checkedIn: state.idle.count, checkedOut: state.checkedOut,
            overflow: max(0, state.open - settings.size))
    }

    /// Closes every idle connection and refuses further checkouts (waiters fail with
    /// `poolClosed`). Lent connections are closed when they come back.
    public func close() {
        condition.lock()
        state.isClosed = true
        let idle = state.idle
        state.idle = []
        condition.broadcast()
        condition.unlock()
        for entry in idle { entry.connection.close() }
    }

    // MARK: checkout and return

    private enum Reservation {
        case idle(Connection, openedAt: ContinuousClock.Instant)
        case newSlot
    }

    /// Takes an idle connection or the right to open one, waiting for either until the deadline.
    private func reserve() throws(PostgresError) -> Reservation {
        let deadline = ContinuousClock.now.advanced(by: settings.timeout)
        condition.lock()
        defer { condition.unlock() }
        while true {
            guard !state.isClosed else {
                throw PostgresError(
                    code: .poolClosed, message: "the connection pool was closed; no more connections are lent")
            }
            if !state.idle.isEmpty {
                let entry = state.idle.removeFirst()
                state.checkedOut += 1
                return .idle(entry.connection, openedAt: entry.openedAt)
            }
            if settings.limit.map({ state.open < $0 }) ?? true {
                state.checkedOut += 1
                return .newSlot
            }
            let remaining = ContinuousClock.now.duration(to: deadline)
            guard remaining > .zero else { throw exhausted() }
            // A wake-up (return, freed slot, close) or the deadline: either way, look again.
            _ = condition.wait(until: Date(timeIntervalSinceNow: remaining.timeInterval))
        }
    }

    private func exhausted() -> PostgresError {
        let limit = settings.limit ?? state.open
        return PostgresError(
            code: .poolExhausted,
            message: "\(state.checkedOut) of \(limit) connections checked out for \(settings.timeout.secondsText) s; "
                + "raise DB_POOL_SIZE/DB_MAX_OVERFLOW or find what holds connections")
    }

    /// The idle connection, or a new one in its place when it is too old or no longer answers.
    private func refreshed(_ connection: Connection, openedAt: ContinuousClock.Instant) throws(PostgresError) -> Lease {
        let tooOld = settings.recycle.map { openedAt.duration(to: .now) >= $0 } ?? false
        let dead = !tooOld && (!connection.isOpen || (settings.prePing && !connection.ping()))
        guard tooOld || dead else { return Lease(pool: self, connection: connection, openedAt: openedAt) }
        connection.close()
        return try openLease()
    }

    private func openLease() throws(PostgresError) -> Lease {
        let connection = try Connection(conninfo, database: database, connectTimeout: settings.connectTimeout)
        return Lease(pool: self, connection: connection, openedAt: .now)
    }

    /// Takes a lent connection back: kept while the pool has fewer than `size` idle, otherwise
    /// (an overflow connection, a broken one, a closed pool) closed.
    func checkin(_ connection: Connection, openedAt: ContinuousClock.Instant) {
        // On the borrower's thread, before the lock: a ROLLBACK is a round trip.
        let reusable = connection.resetForReuse()
        condition.lock()
        state.checkedOut -= 1
        let keep = reusable && !state.isClosed && state.idle.count < settings.size
        if keep { state.idle.append((connection, openedAt)) }
        condition.signal()
        condition.unlock()
        if !keep { connection.close() }
    }

    /// Frees the slot of a lent connection that is gone (closed by its lease, or never opened).
    func discardCheckedOut() {
        condition.lock()
        state.checkedOut -= 1
        condition.signal()
        condition.unlock()
    }
}
