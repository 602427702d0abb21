/// One line of `lifeboat engine check`: what was checked, how it came out, and for anything
/// short of ok, what to do.
public struct EngineFinding: Sendable, Encodable, Equatable {
    public enum Level: String, Sendable, Encodable {
        case ok, warning, failed, skipped
    }

    /// Short name of the check: `pgbackrest info`, `archive_command`, `wal archive`, ...
    public let check: String
    public let level: Level
    public let message: String
    public let hint: String?

    public init(_ check: String, _ level: Level, _ message: String, hint: String? = nil) {
        self.check = check
        self.level = level
        self.message = message
        self.hint = hint
    }

    public var isProblem: Bool { level == .failed }
}
