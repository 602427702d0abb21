/// A mail that could not be sent: the server as logs may show it (no credentials), what went
/// wrong in libcurl's words and the server's own last reply, and what to check.
public struct SMTPError: Error, CustomStringConvertible, Sendable {
    /// Extensible: new codes do not break callers that switch on the ones they know.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let rawValue: String
        public init(_ rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        /// No connection, a timeout, a dropped session, a 4xx (try again later) reply: retried.
        public static let connection = Code("connection")
        /// The server's certificate is not trusted or not for its name: never retried.
        public static let tls = Code("tls")
        /// The server refused the login: never retried.
        public static let login = Code("login")
        /// A 5xx reply to the sender, a recipient or the message: never retried.
        public static let rejected = Code("rejected")
        /// The URL or an option was refused before anything was sent.
        public static let setup = Code("setup")
    }

    /// `smtp://mail.example.com:587`: scheme, host and port only.
    public let server: String
    public let code: Code
    public let message: String
    /// The server's last reply code (`550`), when it sent one.
    public let reply: Int?
    public let attempts: Int
    public let hint: String?

    public init(server: String, code: Code, message: String, reply: Int? = nil, attempts: Int = 1, hint: String? = nil)
    {
        self.server = server
        self.code = code
        self.message = message
        self.reply = reply
        self.attempts = attempts
        self.hint = hint
    }

    public var description: String {
        var text = "\(server): \(message)"
        if attempts > 1 { text += " (after \(attempts) attempts)" }
        return text
    }
}
