import LifeboatCore

/// A report could not be made: what went wrong and what to do about it.
public struct ReportError: ExitStatusError, CustomStringConvertible, Sendable, Equatable {
    public var exitStatus: ExitStatus { .failed }
    /// Extensible, so a new kind of failure does not break callers that switch on the old ones.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let name: String
        public var description: String { name }
        /// The journal has no `run_started` event: not a run's journal, or an empty one.
        public static let notARun = Code(name: "not a run")
        /// A template failed to parse: a bug in Lifeboat, not in the run.
        public static let template = Code(name: "template")
        /// The report could not be written to its file.
        public static let write = Code(name: "write")
    }

    public let code: Code
    public let message: String
    public let hint: String?

    public init(_ code: Code, _ message: String, hint: String? = nil) {
        self.code = code
        self.message = message
        self.hint = hint
    }

    public var description: String { "report: \(message)" + (hint.map { "\n  → \($0)" } ?? "") }
}
