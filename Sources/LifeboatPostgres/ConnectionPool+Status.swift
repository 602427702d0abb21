extension ConnectionPool {
    /// A snapshot of the pool, as `lifeboat status` shows it (SPEC §6: size, checked_in,
    /// checked_out, overflow).
    public struct Status: Sendable, Equatable, CustomStringConvertible {
        /// Connections the pool keeps (DB_POOL_SIZE).
        public let size: Int
        /// Open connections waiting in the pool to be lent.
        public let checkedIn: Int
        /// Connections lent out, counting ones being opened or checked for their borrower.
        public let checkedOut: Int
        /// Open connections beyond `size`: the overflow ones, closed when returned. Never
        /// negative: SQLAlchemy reports open − size, which is negative until `size` connections
        /// have been opened; here that case is 0, and `size − open` says how many are still unopened.
        public let overflow: Int

        public init(size: Int, checkedIn: Int, checkedOut: Int, overflow: Int) {
            self.size = size
            self.checkedIn = checkedIn
            self.checkedOut = checkedOut
            self.overflow = overflow
        }

        /// Connections open now, lent or not.
        public var open: Int { checkedIn + checkedOut }

        public var description: String {
            "size \(size), checked in \(checkedIn), checked out \(checkedOut), overflow \(overflow)"
        }
    }
}
