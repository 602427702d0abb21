/// The one human line an event becomes in a chat channel:
/// `:white_check_mark: backup.completed on db1: backup_daily_20250118T030001Z.sql.gz (12.3 MB, 4.1 s)`.
/// Built from the details each event carries; a `summary` detail, when given, is used as is.
public enum EventText {
    public static func line(for event: LifeboatEvent) -> String {
        let head = "\(emoji(event.name)) \(event.name.rawValue) on \(event.host)"
        let summary = summary(of: event)
        return summary.isEmpty ? head : "\(head): \(summary)"
    }

    /// `line(for:)` with `&`, `<` and `>` escaped, as Slack's message format requires.
    public static func slackLine(for event: LifeboatEvent) -> String {
        line(for: event).replacingOccurrences(of: "&", with: "&amp;")
            .replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }

    static func emoji(_ name: LifeboatEvent.Name) -> String {
        switch name {
        case .backupCompleted, .backupVerified, .runbookCompleted: return ":white_check_mark:"
        case .backupFailed, .backupVerificationFailed, .cloudSyncFailed, .runbookStepFailed, .runbookFailed:
            return ":x:"
        case .diskLow, .backupSizeAnomaly, .runbookObjectiveMissed, .drillRegressed: return ":warning:"
        case .runbookStarted: return ":arrow_forward:"
        case .runbookApprovalNeeded: return ":raised_hand:"
        case .runbookNotice: return ":loudspeaker:"
        }
    }

    static func summary(of event: LifeboatEvent) -> String {
        let details = event.details
        func text(_ key: String) -> String? { details[key]?.text.flatMap { $0.isEmpty ? nil : $0 } }
        if let summary = text("summary") { return summary }
        let file = text("file") ?? "?"
        switch event.name {
        case .backupCompleted:
            var facts: [String] = []
            if let bytes = details["bytes"]?.integer { facts.append(ByteSize.decimal(bytes)) }
            if let seconds = details["duration_seconds"]?.number { facts.append(ByteSize.seconds(seconds)) }
            return facts.isEmpty ? file : "\(file) (\(facts.joined(separator: ", ")))"
        case .backupFailed:
            return "\(text("type") ?? "a") backup failed: "
                + [text("stage"), text("error")].compactMap { $0 }.joined(separator: ": ")
        case .backupVerified:
            return "\(file) restores" + (details["matched_manifest"] == .bool(true) ? " and matches its manifest" : "")
        case .backupVerificationFailed:
            return "\(file): " + (text("error") ?? "verification failed")
        case .diskLow:
            guard let free = details["free_bytes"]?.integer, let threshold = details["threshold_bytes"]?.integer else {
                return text("directory") ?? ""
            }
            return
                "\(text("directory") ?? "BACKUP_DIR") has \(ByteSize.decimal(free)) free, below \(ByteSize.decimal(threshold))"
        case .cloudSyncFailed:
            return "\(file) not uploaded: " + (text("error") ?? "upload failed")
        case .backupSizeAnomaly:
            guard let bytes = details["bytes"]?.integer, let median = details["median"]?.integer else { return file }
            let relation = text("direction").map { "\($0) than" } ?? "far from"
            return "\(file) is \(ByteSize.decimal(bytes)), \(relation) the median "
                + "of the last \(text("window") ?? "few") (\(ByteSize.decimal(median)))"
        case .runbookObjectiveMissed:
            let objective = (text("objective") ?? "an objective").uppercased()
            let run = text("run_id").map { " (run \($0))" } ?? ""
            return
                "\(text("runbook") ?? "runbook")\(run): \(objective) objective of \(text("objective_seconds") ?? "?")s missed, "
                + "achieved \(text("achieved_seconds") ?? "?")s"
        case .drillRegressed:
            let run = text("run_id").map { " (run \($0))" } ?? ""
            return
                "\(text("runbook") ?? "runbook")\(run): drill RTO \(text("rto_seconds") ?? "?")s is \(text("factor") ?? "?")× "
                + "the median of the previous drills (\(text("median_seconds") ?? "?")s)"
        case .runbookStarted, .runbookStepFailed, .runbookApprovalNeeded, .runbookCompleted, .runbookFailed,
            .runbookNotice:
            var parts = [text("runbook") ?? "runbook"]
            if let name = text("event") { parts[0] += " \(name)" }
            if let run = text("run_id") { parts[0] += " (run \(run))" }
            if let step = text("step") { parts.append("step \(step)") }
            if let message = text("error") ?? text("message") { parts.append(message) }
            return parts.joined(separator: ": ")
        }
    }
}
