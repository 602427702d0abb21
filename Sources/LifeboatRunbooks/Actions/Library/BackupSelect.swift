import Foundation
import LifeboatCore

/// `backup.select`: the latest backup of a type, the closest one not after a time, or one by
/// name, from BACKUP_DIR or the cloud bucket.
enum BackupSelect: RunbookAction {
    static let spec = ActionSpec(
        name: "backup.select", summary: "choose a backup: the latest of a type, the closest not after a time, or by name",
        parameters: [
            .optional("type", .choice(["daily", "weekly", "monthly", "manual", "any"]), "backup type (default any)"),
            .optional("which", .choice(["latest", "closest", "name"]), "how to choose (default latest)"),
            .optional("before", .timestamp, "with which: closest — the newest backup not after this time"),
            .optional("name", .string, "with which: name — the file name"),
            .optional("source", .choice(["local", "cloud"]), "where to look (default local)"),
        ],
        outputs: ["name", "path", "timestamp", "type", "source", "bytes", "sha256"], safeToRepeat: true, changesLiveSystems: false)

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
            candidates = try sync.remoteBackups().map { ($0.name, $0.object.key, $0.object.size, $0.name.clockWarning(now: now)) }
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
        switch which {
        case "closest":
            guard let before = parameters.string("before").flatMap(InputValues.timestamp) else {
                throw RunbookRunError("which: closest needs 'before' (a timestamp)")
            }
            chosen = current.first { $0.name.timestamp <= before }
        case "name":
            let name = try parameters.required("name")
            chosen = candidates.first { $0.name.fileName == name }
        default:
            chosen = current.first
        }
        guard let chosen else {
            throw RunbookRunError("no \(type == "any" ? "" : type + " ")backup matches (\(which)) in the \(source == "cloud" ? "cloud bucket" : "backup folder")",
                                  hint: source == "cloud" ? "check BACKUP_CLOUD_BUCKET and `lifeboat list --remote`" : "check BACKUP_DIR and `lifeboat list`")
        }
        context.note("selected \(chosen.name.fileName)")
        // Size and SHA-256 go into the journal so a post-incident report can name exactly
        // which bytes were restored, even on another machine.
        let manifest = source == "local" ? (try? BackupReader.open(URL(fileURLWithPath: chosen.path), trust: .unchecked))?.manifest : nil
        let bytes = manifest?.fileBytes ?? chosen.bytes ?? fileSize(chosen.path)
        return ["name": chosen.name.fileName, "path": chosen.path, "timestamp": ISO8601DateFormatter().string(from: chosen.name.timestamp),
                "type": chosen.name.type.rawValue, "source": source, "bytes": bytes.map(String.init) ?? "",
                "sha256": manifest?.sha256 ?? ""]
    }

    private static func fileSize(_ path: String) -> Int64? {
        ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber)?.int64Value
    }
}
