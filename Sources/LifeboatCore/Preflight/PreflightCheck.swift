import Foundation

/// One preflight check's verdict: what was looked at, the figure it found, and what to do
/// when it is not fine. Written to run journals, so it is plain Codable data.
public struct PreflightCheck: Sendable, Codable, Equatable {
    public enum Status: String, Sendable, Codable, Comparable {
        /// Does not apply to this operation (an unencrypted backup needs no key); says why.
        case skipped
        case ok
        /// Could not be measured or is close to the limit: shown, never stops anything.
        case warn
        /// Stops a real run or restore unless overridden with --ignore-preflight NAME.
        case fail

        private var rank: Int { [.skipped: 0, .ok: 1, .warn: 2, .fail: 3][self]! }
        public static func < (a: Status, b: Status) -> Bool { a.rank < b.rank }
    }

    /// `disk.server`, `disk.local`, `server.version`, `server.objects`, `backup.choice`, `backup.tables`, `gpg.secret_key`, `cloud.object`,
    /// `services.commands` or `target.lock`: what `--ignore-preflight` takes.
    public let name: String
    public var status: Status
    /// The measurement, e.g. "4.1 GB free in /var/lib/postgresql/15/main, 1.2 GB needed".
    public var figure: String
    public var hint: String?

    public init(_ name: String, _ status: Status, _ figure: String, hint: String? = nil) {
        self.name = name
        self.status = status
        self.figure = figure
        self.hint = hint
    }

    /// The names of every check, in the order they are reported.
    public static let names = [
        "disk.server", "disk.local", "server.version", "server.objects", "backup.choice", "backup.tables",
        "gpg.secret_key", "cloud.object",
        "services.commands", "target.lock"
    ]

    /// Checks no `--ignore-preflight` goes past: a held target is never taken over.
    public static let binding: Set<String> = ["target.lock"]

    /// One line, as the plan, restore and drill print it: `fail  gpg.secret_key  …`.
    public var line: String {
        let padded = name.padding(toLength: 18, withPad: " ", startingAt: 0)
        return "\(status.rawValue.padding(toLength: 7, withPad: " ", startingAt: 0)) \(padded)\(figure)"
            + (status >= .warn ? (hint.map { "\n          → \($0)" } ?? "") : "")
    }
}
