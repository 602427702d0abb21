import Foundation

/// A disaster-recovery scenario as written in `runbooks/NAME.yaml`: typed inputs and a graph
/// of steps. Every part keeps where it was written, so validation can point at the line.
public struct Runbook: Sendable {
    public let name: String
    public let description: String
    public let inputs: [InputSpec]
    public let target: TargetSpec
    /// What every drill and real run of it is judged against (`objectives:`); may be empty.
    public let objectives: RecoveryObjectives
    public let steps: [Step]
    public let file: String
    /// SHA-256 of the file's bytes: a resumed run refuses a runbook edited since it started.
    public let sha256: String
    public let location: SourceLocation

    public func step(_ id: String) -> Step? { steps.first { $0.id == id } }
}

public struct InputSpec: Sendable {
    public enum Kind: String, Sendable, CaseIterable {
        case string, int, bool, duration, timestamp
    }

    public let name: String
    public let kind: Kind
    public let defaultValue: String?
    public let required: Bool
    public let description: String?
    public let location: SourceLocation
}

/// What the runbook acts on; both default to the configuration (DATABASE_URL, services provider).
public struct TargetSpec: Sendable {
    public let database: String?
    public let services: String?
}

public struct Step: Sendable {
    public enum OnFailure: Sendable, Equatable {
        case abort
        case `continue`
        /// Run this compensation step, then abort.
        case compensate(String)
    }

    public enum DrillBehaviour: String, Sendable, CaseIterable {
        /// Run as in a real incident (against the drill's scratch target).
        case run
        /// Record what would have run, do nothing.
        case record
        /// Leave out of drills.
        case skip
    }

    public struct Retry: Sendable, Equatable {
        public let attempts: Int
        public let initialDelay: TimeInterval
        public let factor: Double
    }

    public let id: String
    public let action: String
    /// Parameters as written: strings that may hold `${...}` references, or lists of them.
    public let parameters: [String: ParameterValue]
    public let needs: [String]
    public let when: String?
    public let retry: Retry?
    public let timeout: TimeInterval?
    public let onFailure: OnFailure
    public let approval: String?
    public let drill: DrillBehaviour?
    public let location: SourceLocation
    /// Where each key of the step (and each parameter, as "with.NAME") was written.
    public let keyLocations: [String: SourceLocation]

    public func location(of key: String) -> SourceLocation { keyLocations[key] ?? location }
}

/// A parameter value: YAML scalars are kept as their text (typed checking happens against the
/// action's declaration), lists as lists.
public enum ParameterValue: Sendable, Equatable {
    case scalar(String)
    case list([String])

    public var texts: [String] {
        switch self {
        case .scalar(let text): [text]
        case .list(let items): items
        }
    }
}
