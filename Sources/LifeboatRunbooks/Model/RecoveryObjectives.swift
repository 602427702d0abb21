// The promises a runbook makes: how fast (RTO), how little lost (RPO), how long the
// application is down. Every drill and real run is judged against them (`ObjectiveVerdict`).

import Foundation

/// A runbook's `objectives:` map. Each objective is optional: a runbook promises only what its
/// authors can stand behind, and an objective left out is never judged.
public struct RecoveryObjectives: Sendable, Equatable {
    /// The objectives a runbook can declare, in the order reports list them. The raw value is
    /// the YAML key, the journal's name and the event's `objective` detail.
    public enum Kind: String, Sendable, CaseIterable, Codable {
        /// Start of the run to validated data (`DrillMeasures.rtoSeconds`).
        case rto
        /// The reference time minus the restored data's time (`DrillMeasures.rpoSeconds`).
        case rpo
        /// services.stop starting to services.start finishing (`DrillMeasures.downtimeSeconds`).
        case downtime
    }

    public var rto: DurationValue?
    public var rpo: DurationValue?
    public var downtime: DurationValue?
    /// Where each objective was written, for the validator's file:line.
    public var locations: [Kind: SourceLocation]

    public init(
        rto: DurationValue? = nil, rpo: DurationValue? = nil, downtime: DurationValue? = nil,
        locations: [Kind: SourceLocation] = [:]
    ) {
        self.rto = rto
        self.rpo = rpo
        self.downtime = downtime
        self.locations = locations
    }

    public static let none = RecoveryObjectives()

    public subscript(kind: Kind) -> DurationValue? {
        get {
            switch kind {
            case .rto: rto
            case .rpo: rpo
            case .downtime: downtime
            }
        }
        set {
            switch kind {
            case .rto: rto = newValue
            case .rpo: rpo = newValue
            case .downtime: downtime = newValue
            }
        }
    }

    /// The declared objectives, in `Kind` order.
    public var declared: [(kind: Kind, value: DurationValue)] {
        Kind.allCases.compactMap { kind in self[kind].map { (kind, $0) } }
    }

    public var isEmpty: Bool { declared.isEmpty }
}
