/// What an action takes and gives: the validator checks runbooks against these declarations,
/// the planner describes steps with them, and resume uses `safeToRepeat` to decide whether an
/// interrupted step may simply run again.
public struct ActionSpec: Sendable {
    public enum ParameterKind: Sendable, Equatable {
        case string, int, bool, duration, timestamp
        /// A timestamp, or `latest` (an incident time not given: the newest backup).
        case timestampOrLatest
        case stringList
        case choice([String])
    }

    public struct Parameter: Sendable {
        public let name: String
        public let kind: ParameterKind
        public let required: Bool
        public let summary: String
    }

    public let name: String
    public let summary: String
    public let parameters: [Parameter]
    public let outputs: [String]
    /// Running it twice does no harm (reads, checks, idempotent service commands).
    public let safeToRepeat: Bool
    /// Changes a live database or service: shown as such in plans, recorded in drills.
    public let changesLiveSystems: Bool

    public func parameter(_ name: String) -> Parameter? { parameters.first { $0.name == name } }
}

extension ActionSpec.Parameter {
    static func required(_ name: String, _ kind: ActionSpec.ParameterKind, _ summary: String) -> Self {
        Self(name: name, kind: kind, required: true, summary: summary)
    }

    static func optional(_ name: String, _ kind: ActionSpec.ParameterKind, _ summary: String) -> Self {
        Self(name: name, kind: kind, required: false, summary: summary)
    }
}
