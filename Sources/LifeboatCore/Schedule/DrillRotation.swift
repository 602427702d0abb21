import Foundation

/// Which scenario the scheduled drill rehearses, and which scenarios `status` expects to see
/// drilled. Unless LIFEBOAT_DRILL_RUNBOOK names one runbook, every scheduled drill takes the
/// next scenario of the rotation: the shipped scenarios that can run unattended on this
/// installation, the one never drilled first, else the one drilled longest ago. So a weekly
/// drill slot covers them all in turn instead of rehearsing the same recovery every week.
///
/// A shipped scenario is in the rotation when its runbook is in LIFEBOAT_RUNBOOKS_DIR (taking
/// one out of the folder takes it out of the rotation) and what it needs is configured:
/// - `recent-corruption`: always (a drill rehearses it with the newest backup);
/// - `weekly-drill`, `total-loss`: they fetch from the bucket, so only with BACKUP_CLOUD_SYNC_ENABLED;
/// - `point-in-time`: the physical path, so only with the pgBackRest engine
///   (LIFEBOAT_PHYSICAL_ENGINE); drilled to `target_time=now`;
/// - `accidental-deletion` never: only a person can say which tables were damaged.
public enum DrillRotation {
    /// A scenario of the rotation: its runbook's name and the inputs an unattended drill gives it.
    public struct Scenario: Sendable, Equatable {
        public let name: String
        public let inputs: [String: String]
    }

    enum Need { case nothing, cloud, physicalEngine }

    /// The shipped scenarios an unattended drill can rehearse, in the order a fresh installation
    /// drills them (the quickest first, so the first slot proves something soon).
    static let shipped: [(scenario: Scenario, need: Need)] = [
        (Scenario(name: "recent-corruption", inputs: ["incident_time": "latest"]), .nothing),
        (Scenario(name: "weekly-drill", inputs: [:]), .cloud),
        (Scenario(name: "total-loss", inputs: [:]), .cloud),
        (Scenario(name: "point-in-time", inputs: ["target_time": "now"]), .physicalEngine)
    ]

    /// The scenarios of the rotation on this installation, in rotation order.
    public static func scenarios(_ configuration: LifeboatConfiguration) throws -> [Scenario] {
        let folder = configuration.runbooksDirectory
        let cloud = try configuration.bool(.cloudSyncEnabled)
        let physical = try PhysicalEngineSettings.configured(configuration) != nil
        return shipped.filter { entry in
            let present = ["yaml", "yml"].contains {
                FileManager.default.fileExists(
                    atPath: folder.appendingPathComponent("\(entry.scenario.name).\($0)").path)
            }
            switch entry.need {
            case .nothing: return present
            case .cloud: return present && cloud
            case .physicalEngine: return present && physical
            }
        }.map(\.scenario)
    }

    /// The scenarios the scheduled drill covers: LIFEBOAT_DRILL_RUNBOOK alone when it is set,
    /// else the rotation. Empty without LIFEBOAT_DRILL_SCHEDULE: no drill is scheduled, so none
    /// is expected (as a backup type is never stale with BACKUP_ENABLED=false).
    public static func watched(_ configuration: LifeboatConfiguration) throws -> [String] {
        guard configuration.string(.drillSchedule) != nil else { return [] }
        if let fixed = configuration.string(.drillRunbook) { return [fixed] }
        return try scenarios(configuration).map(\.name)
    }

    /// The next scenario to drill: the first never drilled (in `scenarios`' order), else the
    /// one whose last drill is oldest; nil when there is none to drill. `lastDrilled` maps a
    /// scenario to the start of its newest drill.
    public static func next(_ scenarios: [Scenario], lastDrilled: [String: Date]) -> Scenario? {
        if let never = scenarios.first(where: { lastDrilled[$0.name] == nil }) { return never }
        return scenarios.min { (lastDrilled[$0.name] ?? .distantPast) < (lastDrilled[$1.name] ?? .distantPast) }
    }

    /// LIFEBOAT_DRILL_MAX_AGE in seconds: how old a scenario's last drill may be before it is stale.
    public static func maxAge(_ configuration: LifeboatConfiguration) throws -> TimeInterval {
        let raw = configuration.string(.drillMaxAge) ?? ConfigurationKey.drillMaxAge.defaultValue ?? "8d"
        guard let seconds = PhysicalEngineSettings.parseDuration(raw), seconds > 0 else {
            throw configuration.invalid(
                .drillMaxAge, raw, "a duration above zero: seconds (691200) or with a unit (36h, 8d)")
        }
        return seconds
    }
}
