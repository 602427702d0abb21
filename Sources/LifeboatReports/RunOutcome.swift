/// How a run ended, as far as its journal tells.
public enum RunOutcome: String, Codable, Sendable, CaseIterable {
    case succeeded, failed, aborted
    /// The journal has no end: the process was killed, its machine went down, it was
    /// stopped with Ctrl-C, or it is still running (only its host can tell).
    case interrupted
}
