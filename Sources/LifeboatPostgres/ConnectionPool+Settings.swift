extension ConnectionPool {
    /// How the pool sizes itself, waits and refreshes connections: the parameters of SQLAlchemy's
    /// QueuePool, which the seed set from DB_POOL_SIZE, DB_MAX_OVERFLOW, DB_POOL_TIMEOUT,
    /// DB_POOL_RECYCLE, DB_CONNECT_TIMEOUT and DB_POOL_PRE_PING (LifeboatCore reads those into
    /// this struct). The defaults are the seed's.
    public struct Settings: Sendable, Equatable {
        /// Connections kept open between uses (DB_POOL_SIZE, at least 1). They are opened on
        /// demand, not up front.
        public var size: Int
        /// Connections opened beyond `size` while all kept ones are busy, and closed (not kept)
        /// when returned (DB_MAX_OVERFLOW, 0 or more). `nil` is no limit (SQLAlchemy's -1).
        public var maxOverflow: Int?
        /// How long a checkout waits when `size + maxOverflow` connections are all checked out,
        /// before it fails with `PostgresError.Code.poolExhausted` (DB_POOL_TIMEOUT).
        public var timeout: Duration
        /// Age after which a connection is closed and replaced at its next checkout, so that
        /// firewalls and server-side idle limits never meet an old session (DB_POOL_RECYCLE).
        /// `nil` never recycles (SQLAlchemy's -1).
        public var recycle: Duration?
        /// libpq's connect_timeout for every connection the pool opens, rounded up to whole
        /// seconds; zero waits forever (DB_CONNECT_TIMEOUT).
        public var connectTimeout: Duration
        /// Whether a checkout first proves the connection alive with `SELECT 1` and replaces it
        /// when the server has gone away (DB_POOL_PRE_PING).
        public var prePing: Bool

        public init(
            size: Int = 20, maxOverflow: Int? = 40, timeout: Duration = .seconds(30),
            recycle: Duration? = .seconds(3600), connectTimeout: Duration = .seconds(10), prePing: Bool = true
        ) {
            self.size = size
            self.maxOverflow = maxOverflow
            self.timeout = timeout
            self.recycle = recycle
            self.connectTimeout = connectTimeout
            self.prePing = prePing
        }

        /// The most connections open at once; `nil` without an overflow limit.
        public var limit: Int? { maxOverflow.map { size + $0 } }

        /// Values no pool can work with are programming errors: configuration is checked
        /// (with messages naming the variable) before it gets here.
        func checkValid() {
            precondition(size >= 1, "ConnectionPool.Settings.size must be at least 1, is \(size)")
            precondition((maxOverflow ?? 0) >= 0, "ConnectionPool.Settings.maxOverflow must be 0 or more, or nil")
            precondition(
                timeout >= .zero && (recycle ?? .zero) >= .zero && connectTimeout >= .zero,
                "ConnectionPool.Settings durations must not be negative")
        }
    }
}
