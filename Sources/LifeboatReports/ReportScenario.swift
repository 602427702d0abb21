/// Which runbook ran: its name and description as journaled, the file it came from, and the
/// SHA-256 of that file's bytes at the start (proof of exactly which procedure was followed).
public struct ReportScenario: Codable, Sendable, Equatable {
    public var name: String
    public var file: String?
    public var description: String?
    public var sha256: String?

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(name, forKey: .name)
        try container.encode(file, forKey: .file)
        try container.encode(description, forKey: .description)
        try container.encode(sha256, forKey: .sha256)
    }
}
