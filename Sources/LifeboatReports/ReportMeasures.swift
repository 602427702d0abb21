/// RTO and RPO, measured the same way for drills and real runs (`DrillMeasures`).
public struct ReportMeasures: Codable, Sendable, Equatable {
    /// Start of the run to the moment restored data was validated; nil if never reached.
    public var rtoSeconds: Double?
    /// The reference time minus the chosen backup's snapshot; nil without a chosen backup.
    public var rpoSeconds: Double?
    /// What the RPO is measured from: "target_time" (the input) or "run start".
    public var rpoReference: String
    /// The first step stopping the application (or PostgreSQL) starting to the last one
    /// starting it again finishing; nil when the run stopped nothing.
    public var downtimeSeconds: Double? = nil

    enum CodingKeys: String, CodingKey {
        case rtoSeconds = "rto_seconds", rpoSeconds = "rpo_seconds", rpoReference = "rpo_reference", downtimeSeconds =
            "downtime_seconds"
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(rtoSeconds, forKey: .rtoSeconds)
        try container.encode(rpoSeconds, forKey: .rpoSeconds)
        try container.encode(rpoReference, forKey: .rpoReference)
        try container.encode(downtimeSeconds, forKey: .downtimeSeconds)
    }
}
