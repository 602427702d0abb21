import Foundation

/// Whether each scenario has been drilled recently enough, for `lifeboat status` and its exit
/// code: a recovery nobody has rehearsed lately is a promise nobody has checked. A watched
/// scenario (see `DrillRotation.watched`) never drilled, or whose last drill started more than
/// LIFEBOAT_DRILL_MAX_AGE ago, is stale; its objectives and outcome are shown beside it. A
/// failed last drill still counts as a drill here: `status` already calls it unhealthy as a
/// failed run until it is acknowledged. Scenarios drilled but not watched are listed too.
public struct DrillFreshness: Sendable, Encodable {
    /// The newest drill of a scenario, as its journal tells it.
    public struct LastDrill: Sendable, Encodable, Equatable {
        public let runId: String
        public let startedAt: Date
        /// succeeded, failed, aborted or interrupted.
        public let outcome: String
        /// true when every objective was met, false when one was missed, nil when not judged.
        public let objectivesMet: Bool?
        /// The objectives it missed (rto, rpo, downtime).
        public let missed: [String]

        public init(runId: String, startedAt: Date, outcome: String, objectivesMet: Bool?, missed: [String]) {
            self.runId = runId
            self.startedAt = startedAt
            self.outcome = outcome
            self.objectivesMet = objectivesMet
            self.missed = missed
        }
    }

    public struct Scenario: Sendable, Encodable {
        public let name: String
        /// In the drills the schedule runs, so its staleness counts.
        public let watched: Bool
        public let lastDrill: LastDrill?
        public let ageSeconds: Int?
        public let stale: Bool
        /// When the last drill turns stale (past when stale); absent when never drilled.
        public let staleAfter: Date?
    }

    /// LIFEBOAT_DRILL_SCHEDULE is set: without it no drill is expected and nothing is stale.
    public let scheduled: Bool
    public let maxAgeSeconds: Double
    public let scenarios: [Scenario]

    /// Watched scenarios first in their rotation order, then the others drilled, by name.
    public init(watched: [String], lastDrills: [String: LastDrill], maxAge: TimeInterval, now: Date, scheduled: Bool) {
        self.scheduled = scheduled
        maxAgeSeconds = maxAge
        let others = lastDrills.keys.filter { !watched.contains($0) }.sorted()
        scenarios = (watched.map { ($0, true) } + others.map { ($0, false) }).map { name, isWatched in
            let last = lastDrills[name]
            let deadline = last.map { $0.startedAt.addingTimeInterval(maxAge) }
            let stale = isWatched && (deadline.map { $0 <= now } ?? true)
            return Scenario(
                name: name, watched: isWatched, lastDrill: last,
                ageSeconds: last.map { Int(now.timeIntervalSince($0.startedAt)) },
                stale: stale, staleAfter: deadline)
        }
    }

    /// One line per stale scenario for `status`'s problems, saying what to run.
    public var problems: [String] {
        let limit = DrillFreshness.age(maxAgeSeconds)
        return scenarios.filter(\.stale).map { scenario in
            guard let last = scenario.lastDrill else {
                return
                    "scenario \(scenario.name) was never drilled (drills are due every \(limit), LIFEBOAT_DRILL_MAX_AGE); run `lifeboat drill \(scenario.name)`"
            }
            return
                "scenario \(scenario.name) was last drilled \(DrillFreshness.age(Double(scenario.ageSeconds ?? 0))) ago (run \(last.runId)), "
                + "more than LIFEBOAT_DRILL_MAX_AGE (\(limit)); run `lifeboat drill \(scenario.name)`"
        }
    }

    /// `9d 2h`, `5h 10m`, `40m`: an age as people say it.
    public static func age(_ seconds: Double) -> String {
        let whole = Int(seconds.rounded())
        if whole >= 86_400 {
            return "\(whole / 86_400)d" + (whole % 86_400 >= 3600 ? " \(whole % 86_400 / 3600)h" : "")
        }
        if whole >= 3600 { return "\(whole / 3600)h" + (whole % 3600 >= 60 ? " \(whole % 3600 / 60)m" : "") }
        if whole >= 60 { return "\(whole / 60)m" }
        return "\(whole)s"
    }
}
