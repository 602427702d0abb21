import CLibpq

/// What the pool asks of a connection before lending it again: is it alive, and is it clean.
extension Connection {
    /// Whether libpq still holds an open connection. libpq learns that the server ended a session
    /// (pg_terminate_backend, a restart) only on the next round trip, so a connection killed since
    /// its last query still reports true here; `ping()` finds out.
    public var isOpen: Bool {
        guard let conn = try? liveHandle() else { return false }
        return PQstatus(conn) == CONNECTION_OK
    }

    /// One cheap round trip (`SELECT 1`): true when the server answered.
    public func ping() -> Bool {
        (try? query("SELECT 1")) != nil && isOpen
    }

    /// Where the session stands between statements, as `PQtransactionStatus` reports it.
    public enum TransactionState: Sendable {
        /// No transaction open: the state a pooled connection must be lent in.
        case idle
        /// A command is still running (an unfinished COPY): the connection cannot be reused.
        case busy
        case inTransaction
        /// Inside a transaction that failed: only ROLLBACK is accepted.
        case failedTransaction
        /// The connection is broken or closed.
        case unknown
    }

    public var transactionState: TransactionState {
        guard let conn = try? liveHandle() else { return .unknown }
        switch PQtransactionStatus(conn) {
        case PQTRANS_IDLE: return .idle
        case PQTRANS_ACTIVE: return .busy
        case PQTRANS_INTRANS: return .inTransaction
        case PQTRANS_INERROR: return .failedTransaction
        default: return .unknown
        }
    }

    /// Makes the connection fit for its next holder, as SQLAlchemy's reset-on-return does: a
    /// transaction left open is rolled back, so no lock or half-done work passes to another
    /// caller. False when the connection is broken or busy and must be closed instead.
    func resetForReuse() -> Bool {
        switch transactionState {
        case .idle:
            return isOpen
        case .inTransaction, .failedTransaction:
            guard (try? query("ROLLBACK")) != nil else { return false }
            return transactionState == .idle && isOpen
        case .busy, .unknown:
            return false
        }
    }

    /// The value libpq uses for `keyword` on this connection (e.g. "connect_timeout", "host"),
    /// whether it came from the connection string, the environment or libpq's defaults.
    /// Passwords are never returned.
    public func option(_ keyword: String) -> String? {
        guard keyword != "password", let conn = try? liveHandle(), let options = PQconninfo(conn) else { return nil }
        defer { PQconninfoFree(options) }
        var cursor = options
        while let name = cursor.pointee.keyword {
            if String(cString: name) == keyword { return cursor.pointee.val.map { String(cString: $0) } }
            cursor += 1
        }
        return nil
    }
}
