import Foundation

/// One try of a step with its own start and end: a step retried after a failure, or run again
/// after the run was interrupted, has several, and each is measured on its own (a step's time
/// is never its first start to its last finish, which would count the hours the run stood still).
public struct ReportAttempt: Codable, Sendable, Equatable {
    public var number: Int
    public var startedAt: Date
    /// For an interrupted attempt: the signal's time, or the last moment its process was known alive.
    public var finishedAt: Date?
    public var durationSeconds: Double?
    /// succeeded, failed, interrupted…; nil while it runs (or the journal stops mid-attempt).
    public var status: ReportStep.Status?
    public var message: String?

    enum CodingKeys: String, CodingKey {
        case number, startedAt = "started_at", finishedAt = "finished_at", durationSeconds = "duration_seconds", status,
            message
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(number, forKey: .number)
        try container.encode(startedAt, forKey: .startedAt)
        try container.encode(finishedAt, forKey: .finishedAt)
        try container.encode(durationSeconds, forKey: .durationSeconds)
        try container.encode(status, forKey: .status)
        try container.encode(message, forKey: .message)
    }
}
