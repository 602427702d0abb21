import Foundation
import LifeboatCore

/// `backup.select`: the latest backup of a type, the closest one not after a time, the newest
/// one taken before an incident, or one by name, from BACKUP_DIR or the cloud bucket. Its
/// `reason` says why that one, for the plan, the approval and the report.
public enum BackupSelect: RunbookAction {
    public static let name = "backup.select"

    public enum Output {
        public static let name = "name", path = "path", timestamp = "timestamp", type = "type", source = "source"
        public static let bytes = "bytes", sha256 = "sha256"
        /// Why this backup: for the plan, the approval and the report.
        public static let reason = "reason"
    }

    static let spec = ActionSpec(
        name: name,
        summary:
            "choose a backup: the latest of a type, the closest not after a time, the newest taken before an incident, or by name",
        parameters: [
            .optional("type", .choice(["daily", "weekly", "monthly", "manual", "any"]), "backup type (default any)"),
            .optional("which", .choice(["latest", "closest", "incident", "name"]), "how to choose (default latest)"),
            .optional("before", .timestamp, "with which: closest — the newest backup not after this time"),
            .optional(
                "incident", .timestampOrLatest,
                "with which: incident — when the damage began: the newest backup taken before it; latest: the newest backup"
            ),
            .optional("name", .string, "with which: name — the file name"),
            .optional("source", .choice(["local", "cloud"]), "where to look (default local)")
        ],
        outputs: [
            Output.name, Output.path, Output.timestamp, Output.type, Output.source, Output.bytes, Output.sha256,
            Output.reason
        ],
        safeToRepeat: true, changesLiveSystems: false)

    static func run(_ parameters: ResolvedParameters, _ context: ActionContext) throws -> [String: String] {
        let type = parameters.string("type") ?? "any"
        let which = parameters.string("which") ?? "latest"
        let source = parameters.string("source") ?? "local"
        // A backup dated ahead of the clock (name or manifest) is chosen only by name (see
        // BackupClock): a planted `…_20990101…` file must never become the latest or the closest.
        let now = Date()
        var candidates: [(name: BackupName, path: String, bytes: Int64?, clockWarning: String?)]
        if source == "cloud" {
            let sync = try CloudSync(configuration: context.configuration, cancellation: context.cancellation)
            candidates = try sync.remoteBackups().map {
                ($0.name, $0.object.key, $0.object.size, $0.name.clockWarning(now: now))
            }
        } else {
            candidates = try BackupInventory.scan(context.configuration.backupDirectory).entries
                .map { ($0.name, $0.path.path, nil, $0.clockWarning(now: now)) }
        }
        if type != "any" { candidates = candidates.filter { $0.name.type.rawValue == type } }
        candidates.sort { $0.name > $1.name }
        let current = candidates.filter { $0.clockWarning == nil }
        if which != "name" {
            for warning in candidates.compactMap(\.clockWarning) { context.note("warning: " + warning) }
        }
        let chosen: (name: BackupName, path: String, bytes: Int64?, clockWarning: String?)?
        let kind = type == "any" ? "" : type + " "
        let reason: String
        switch which {
        case "closest":
            guard let before = parameters.string("before").flatMap(InputValues.timestamp) else {
                throw RunbookRunError("which: closest needs 'before' (a timestamp)")
            }
            chosen = current.first { $0.name.timestamp <= before }
            reason = "the newest \(kind)backup not after \(Self.time(before))"
        case "incident":
            let incident = try parameters.required("incident")
            if incident == "latest" {
                chosen = current.first
                reason = "the latest \(kind)backup (incident time given as latest)"
            } else {
                guard let time = InputValues.timestamp(incident) else {
                    throw RunbookRunError(
                        "incident '\(incident)' is not a time or latest",
                        hint: "start a new run with --input incident_time=2025-01-18T03:00:00Z")
                }
                // Taken before the damage began: a backup from after it may hold the damage.
                chosen = current.first { $0.name.timestamp < time }
                reason = "the newest \(kind)backup taken before the incident at \(Self.time(time))"
            }
        case "name":
            let name = try parameters.required("name")
            chosen = candidates.first { $0.name.fileName == name }
            reason = "named"
        default:
            chosen = current.first
            reason = "the latest \(kind)backup"
        }
        guard let chosen else {
            let range =
                current.isEmpty
                ? "; there is none"
                : "; the oldest is \(current.last!.name.fileName), the newest \(current.first!.name.fileName)"
            throw NoMatch(
                message:
                    "no \(kind)backup matches (\(reason == "named" ? "by name" : reason)) in the \(source == "cloud" ? "cloud bucket" : "backup folder")\(range)",
                hint: (source == "cloud"
                    ? "check BACKUP_CLOUD_BUCKET and `lifeboat list --remote`" : "check BACKUP_DIR and `lifeboat list`")
                    + "; or start a new run with an input the backups cover")
        }
        context.note("selected \(chosen.name.fileName)")
        // Size and SHA-256 go into the journal so a post-incident report can name exactly
        // which bytes were restored, even on another machine.
        let manifest =
            source == "local"
            ? (try? BackupReader.open(URL(fileURLWithPath: chosen.path), trust: .unchecked))?.manifest : nil
        let bytes = manifest?.fileBytes ?? chosen.bytes ?? fileSize(chosen.path)
        return [
            Output.name: chosen.name.fileName, Output.path: chosen.path,
            Output.timestamp: ISO8601DateFormatter().string(from: chosen.name.timestamp),
            Output.type: chosen.name.type.rawValue, Output.source: source, Output.bytes: bytes.map(String.init) ?? "",
            Output.sha256: manifest?.sha256 ?? "", Output.reason: reason
        ]
    }

    static func time(_ date: Date) -> String { ISO8601DateFormatter().string(from: date) }

    /// No backup fits the inputs (a time before the oldest, a type never taken): the
    /// preflight fails on it (`backup.choice`) instead of the run failing at its first step.
    struct NoMatch: Error, CustomStringConvertible {
        let message: String
        let hint: String
        var description: String { message + "\n  → " + hint }
    }

    private static func fileSize(_ path: String) -> Int64? {
        ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber)?.int64Value
    }
}
