import Foundation

/// Errors from libpq, carrying libpq's own message so the user sees what the server said.
public struct PostgresError: Error, CustomStringConvertible, Sendable {
    /// Extensible error kind: new codes do not break callers that switch on known ones.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let rawValue: String
        public init(_ rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        public static let connectionFailed = Code("connection failed")
        public static let queryFailed = Code("query failed")
        public static let copyFailed = Code("COPY failed")
        public static let invalidConnectionString = Code("invalid connection string")
        /// Every connection the pool may open was checked out for the whole wait.
        public static let poolExhausted = Code("pool exhausted")
        /// The pool was closed; it lends no more connections.
        public static let poolClosed = Code("pool closed")
    }

    public let code: Code
    /// libpq's or the server's message, trimmed.
    public let message: String
    /// The five-character SQLSTATE when the server sent one (e.g. 3D000 for an unknown database).
    public let sqlState: String?

    public init(code: Code, message: String, sqlState: String? = nil) {
        self.code = code
        self.message = message.trimmingCharacters(in: .whitespacesAndNewlines)
        self.sqlState = sqlState
    }

    public var description: String {
        if let sqlState { return "\(code): \(message) (SQLSTATE \(sqlState))" }
        return "\(code): \(message)"
    }
}
