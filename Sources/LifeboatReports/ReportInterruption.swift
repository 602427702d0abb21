import Foundation

/// A stop without an end, and the resume that picked the run up: when it stopped (a signal's
/// time, or the last moment a killed process was known alive), why, which steps it cut short,
/// what state it left, and the time lost until the run went on.
public struct ReportInterruption: Codable, Sendable, Equatable {
    public var at: Date
    /// When it was noticed: the signal, or the resume that found the process gone.
    public var recordedAt: Date
    /// SIGINT, SIGTERM; nil for a process found dead (SIGKILL, a crash, a host gone).
    public var signal: String?
    /// The signal, "process gone (killed, crashed or host down)" or "stopped by Lifeboat".
    public var cause: String
    public var message: String?
    public var steps: [String]
    public var resumedAt: Date?
    public var lostSeconds: Double?

    enum CodingKeys: String, CodingKey {
        case at, recordedAt = "recorded_at", signal, cause, message, steps, resumedAt = "resumed_at", lostSeconds =
            "lost_seconds"
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(at, forKey: .at)
        try container.encode(recordedAt, forKey: .recordedAt)
        try container.encode(signal, forKey: .signal)
        try container.encode(cause, forKey: .cause)
        try container.encode(message, forKey: .message)
        try container.encode(steps, forKey: .steps)
        try container.encode(resumedAt, forKey: .resumedAt)
        try container.encode(lostSeconds, forKey: .lostSeconds)
    }
}

/// `lifeboat runbook resume`: who (the OS user), on which machine, with which flags.
public struct ReportResume: Codable, Sendable, Equatable {
    public var at: Date
    public var user: String?
    public var host: String?
    public var flags: [String]

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(at, forKey: .at)
        try container.encode(user, forKey: .user)
        try container.encode(host, forKey: .host)
        try container.encode(flags, forKey: .flags)
    }
}

/// A person's (or the engine's) decision: a "no" at a gate, or an interrupted step run again
/// (`--retry-step`, or redone by the engine because that was safe) or skipped (`--skip-step`).
public struct ReportDecision: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable {
        case declined, retried, skipped
    }

    public var kind: Kind
    public var step: String
    public var at: Date
    /// The name given (`--by`) or the OS user; nil when the engine decided (a safe redo).
    public var by: String?
    public var osUser: String?
    public var reason: String?

    enum CodingKeys: String, CodingKey {
        case kind, step, at, by, osUser = "os_user", reason
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(kind, forKey: .kind)
        try container.encode(step, forKey: .step)
        try container.encode(at, forKey: .at)
        try container.encode(by, forKey: .by)
        try container.encode(osUser, forKey: .osUser)
        try container.encode(reason, forKey: .reason)
    }
}
