import Foundation

/// What one service action did, kept for the restore report and the journal.
public struct ServiceOutcome: Sendable, Equatable, Codable {
    public let action: ServiceAction
    /// The argv that decided the outcome: the first that failed, else the last that ran.
    /// Empty when the action was skipped.
    public let command: [String]
    /// Nil when the action was skipped or the command was ended by a signal.
    public let exitStatus: Int32?
    /// The signal that ended the command (SIGTERM or SIGKILL after a timeout).
    public let signal: Int32?
    public let timedOut: Bool
    /// The last lines (about 20) of the commands' combined stdout and stderr.
    public let outputTail: String
    /// True when every command exited with status 0, and for a skipped action, which did not
    /// fail: callers test `succeeded` alone to decide whether to raise the alarm.
    public let succeeded: Bool
    public let skipped: Bool

    public init(
        action: ServiceAction, command: [String], exitStatus: Int32?, signal: Int32? = nil,
        timedOut: Bool = false, outputTail: String, succeeded: Bool, skipped: Bool = false
    ) {
        self.action = action
        self.command = command
        self.exitStatus = exitStatus
        self.signal = signal
        self.timedOut = timedOut
        self.outputTail = outputTail
        self.succeeded = succeeded
        self.skipped = skipped
    }

    public static func skipped(_ action: ServiceAction) -> ServiceOutcome {
        ServiceOutcome(action: action, command: [], exitStatus: nil, outputTail: "", succeeded: true, skipped: true)
    }

    /// One line for humans: "`systemctl start app` exited with status 1".
    public var summary: String {
        if skipped { return "\(action.rawValue): skipped (no check configured)" }
        let shown = "`\(ServiceProviders.commandLine(command))`"
        if timedOut { return "\(shown) timed out and was stopped" }
        if let signal { return "\(shown) was killed by signal \(signal)" }
        if succeeded { return "\(shown) succeeded" }
        return "\(shown) exited with status \(exitStatus.map(String.init) ?? "?")"
    }
}
