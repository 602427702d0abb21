import Foundation
import LifeboatRunbooks

/// Every run in a state directory, one row each, oldest first: what `lifeboat history` shows.
/// Each row comes from the run's journal through `RunReport`, so history and the report of a
/// run can never disagree about its measures or its objectives.
public struct RunHistory: Codable, Sendable, Equatable {
    /// Bumped when a key changes meaning or goes away; new keys do not bump it.
    public static let schemaVersion = 1

    public struct Row: Codable, Sendable, Equatable {
        public var runID: String
        public var startedAt: Date?
        public var scenario: String
        public var drill: Bool
        public var outcome: RunOutcome
        /// The backup the run restored (a physical run's backup set), when it chose one.
        public var backup: String?
        public var rtoSeconds: Double?
        public var rpoSeconds: Double?
        public var downtimeSeconds: Double?
        public var objectives: [ReportObjective]
        /// true when every objective was met, false when one was missed, nil without objectives.
        public var objectivesMet: Bool?

        enum CodingKeys: String, CodingKey {
            case runID = "run_id", startedAt = "started_at", scenario, drill, outcome, backup
            case rtoSeconds = "rto_seconds", rpoSeconds = "rpo_seconds", downtimeSeconds = "downtime_seconds"
            case objectives, objectivesMet = "objectives_met"
        }

        public init(_ report: RunReport) {
            runID = report.runID
            startedAt = report.startedAt
            scenario = report.scenario.name
            drill = report.drill
            outcome = report.outcome
            backup = report.recovery?.backupSet ?? report.backup?.name
            rtoSeconds = report.measures.rtoSeconds
            rpoSeconds = report.measures.rpoSeconds
            downtimeSeconds = report.measures.downtimeSeconds
            objectives = report.objectives
            objectivesMet = report.objectives.isEmpty ? nil : report.objectives.allSatisfy(\.met)
        }

        /// Every key present, unknown values null, as in the run report.
        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(runID, forKey: .runID)
            try container.encode(startedAt, forKey: .startedAt)
            try container.encode(scenario, forKey: .scenario)
            try container.encode(drill, forKey: .drill)
            try container.encode(outcome, forKey: .outcome)
            try container.encode(backup, forKey: .backup)
            try container.encode(rtoSeconds, forKey: .rtoSeconds)
            try container.encode(rpoSeconds, forKey: .rpoSeconds)
            try container.encode(downtimeSeconds, forKey: .downtimeSeconds)
            try container.encode(objectives, forKey: .objectives)
            try container.encode(objectivesMet, forKey: .objectivesMet)
        }
    }

    /// Which runs to list.
    public struct Filter: Sendable, Equatable {
        public enum Kind: Sendable, Equatable { case all, drills, runs }
        public var scenario: String?
        public var kind: Kind
        /// Runs started at or after this time; nil for all.
        public var since: Date?

        public init(scenario: String? = nil, kind: Kind = .all, since: Date? = nil) {
            self.scenario = scenario
            self.kind = kind
            self.since = since
        }

        func admits(_ row: Row) -> Bool {
            if let scenario, row.scenario != scenario { return false }
            switch kind {
            case .all: break
            case .drills: if !row.drill { return false }
            case .runs: if row.drill { return false }
            }
            if let since { return (row.startedAt ?? .distantPast) >= since }
            return true
        }
    }

    public var schemaVersion: Int
    public var generatedAt: Date
    public var rows: [Row]

    enum CodingKeys: String, CodingKey {
        case schemaVersion = "schema_version", generatedAt = "generated_at", rows = "runs"
    }

    public init(rows: [Row], generatedAt: Date = Date()) {
        schemaVersion = Self.schemaVersion
        self.generatedAt = generatedAt
        self.rows = rows.sorted { ($0.startedAt ?? .distantPast, $0.runID) < ($1.startedAt ?? .distantPast, $1.runID) }
    }

    /// The runs under `stateDirectory/runs` that `filter` admits. A folder without a readable
    /// journal of a run (a copy in progress, a stray folder) is left out and named in `skipped`,
    /// so one bad folder does not hide the history of every other run.
    public static func read(stateDirectory: URL, filter: Filter = Filter(), generatedAt: Date = Date()) -> (
        history: RunHistory, skipped: [String]
    ) {
        let runs = stateDirectory.appendingPathComponent("runs")
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: runs.path)) ?? []).filter {
            !$0.hasPrefix(".")
        }.sorted()
        var rows: [Row] = []
        var skipped: [String] = []
        for name in names {
            let journal = runs.appendingPathComponent(name).appendingPathComponent("journal.jsonl")
            guard let events = try? RunJournal.read(journal),
                let report = try? RunReport(runID: name, events: events, generatedAt: generatedAt)
            else {
                skipped.append(name)
                continue
            }
            let row = Row(report)
            if filter.admits(row) { rows.append(row) }
        }
        return (RunHistory(rows: rows, generatedAt: generatedAt), skipped)
    }
}
