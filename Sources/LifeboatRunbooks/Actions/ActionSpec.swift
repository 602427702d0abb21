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

    /// What a finished step's work leaves behind that the steps after it read, and that may be
    /// gone when a run is resumed. The engine checks these, never action names: a need no longer
    /// met makes the step run again before the steps that read it.
    public enum ResumeNeed: Sendable, Equatable {
        /// The file an output names, in the run folder, removed whenever a try of the run ends
        /// (plaintext: `backup.decrypt`'s copy). A resume makes it again.
        case transientRunFile(output: String)
        /// In a drill, the scratch cluster in the folder an output names, running (the drill's
        /// validation steps connect to it; the end of a try stops it). A resume starts it again.
        case runningScratchCluster(output: String)
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
    /// What a resume needs of this step's finished work (`ResumeNeed`); most actions need nothing.
    public var resumeNeeds: [ResumeNeed] = []

    public func parameter(_ name: String) -> Parameter? { parameters.first { $0.name == name } }

    /// The output naming a database a step made (`restore.database`, `restore.database_prepare`):
    /// one key for every action that makes one, because a drill drops the databases its steps
    /// name there (`RunEngine.finishScratchDatabases`) whichever action made them.
    public static let databaseOutput = "database"
}

extension ActionSpec.Parameter {
    static func required(_ name: String, _ kind: ActionSpec.ParameterKind, _ summary: String) -> Self {
        Self(name: name, kind: kind, required: true, summary: summary)
    }

    static func optional(_ name: String, _ kind: ActionSpec.ParameterKind, _ summary: String) -> Self {
        Self(name: name, kind: kind, required: false, summary: summary)
    }
}
