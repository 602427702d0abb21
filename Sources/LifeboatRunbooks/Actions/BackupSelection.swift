import Foundation
import LifeboatCore

/// `backup.select`: the latest backup of a type, the closest one not after a time, or one by
/// name, from BACKUP_DIR or the cloud bucket.
enum BackupSelection {
    static func run(_ parameters: ResolvedParameters, _ context: ActionContext) throws -> [String: String] {
        let type = parameters.string("type") ?? "any"
        let which = parameters.string("which") ?? "latest"
        let source = parameters.string("source") ?? "local"
        var candidates: [(name: BackupName, path: String)]
        if source == "cloud" {
            let sync = try CloudSync(configuration: context.configuration, cancellation: context.cancellation)
            candidates = try sync.remoteBackups().map { ($0.name, $0.object.key) }
        } else {
            candidates = try BackupInventory.scan(context.configuration.backupDirectory).entries.map { ($0.name, $0.path.path) }
        }
        if type != "any" { candidates = candidates.filter { $0.name.type.rawValue == type } }
        candidates.sort { $0.name > $1.name }
        let chosen: (name: BackupName, path: String)?
        switch which {
        case "closest":
            guard let before = parameters.string("before").flatMap(InputValues.timestamp) else {
                throw RunbookRunError("which: closest needs 'before' (a timestamp)")
            }
            chosen = candidates.first { $0.name.timestamp <= before }
        case "name":
            let name = try parameters.required("name")
            chosen = candidates.first { $0.name.fileName == name }
        default:
            chosen = candidates.first
        }
        guard let chosen else {
            throw RunbookRunError("no \(type == "any" ? "" : type + " ")backup matches (\(which)) in the \(source == "cloud" ? "cloud bucket" : "backup folder")",
                                  hint: source == "cloud" ? "check BACKUP_CLOUD_BUCKET and `lifeboat list --remote`" : "check BACKUP_DIR and `lifeboat list`")
        }
        context.note("selected \(chosen.name.fileName)")
        return ["name": chosen.name.fileName, "path": chosen.path, "timestamp": ISO8601DateFormatter().string(from: chosen.name.timestamp),
                "type": chosen.name.type.rawValue, "source": source]
    }
}
