import Foundation

/// What an alert email says: a subject a mail filter can route on
/// (`[lifeboat] CRITICAL backup.verification_failed on db1: …`) and a plain-text body with the
/// same facts as the webhook payload: the chat line, every detail, and the JSON itself.
public enum EmailText {
    /// How urgent an event is, first in the subject so that filters and pagers can key on it.
    public enum Severity: String, Sendable {
        case critical = "CRITICAL", high = "HIGH", warning = "WARNING", info = "INFO"
    }

    /// A bad backup is worse than a missing one (it looks fine until the restore); good news is
    /// information; everything else wants a look.
    public static func severity(of name: LifeboatEvent.Name) -> Severity {
        switch name {
        case .backupVerificationFailed: return .critical
        case .backupFailed: return .high
        case .backupCompleted, .backupVerified, .runbookStarted, .runbookCompleted: return .info
        default: return .warning
        }
    }

    /// One line, at most about 200 characters: long subjects are cut by many clients anyway.
    public static func subject(for event: LifeboatEvent) -> String {
        let summary = EventText.summary(of: event).split(whereSeparator: \.isNewline).joined(separator: " ")
        var subject = "[lifeboat] \(severity(of: event.name).rawValue) \(event.name.rawValue) on \(event.host)"
        if !summary.isEmpty { subject += ": " + summary }
        return subject.count > 200 ? String(subject.prefix(199)) + "…" : subject
    }

    /// `json` is the webhook body of the same event (`WebhookPayload.body`).
    public static func body(for event: LifeboatEvent, json: String) -> String {
        var lines = [
            "\(event.name.rawValue) on \(event.host) at \(event.time.formatted(.iso8601)) (severity: \(severity(of: event.name).rawValue.lowercased()))",
            ""
        ]
        let summary = EventText.summary(of: event)
        if !summary.isEmpty { lines += [summary, ""] }
        if !event.details.isEmpty {
            lines.append("Details:")
            for key in event.details.keys.sorted() { lines += detailLines(key, event.details[key]!) }
            lines.append("")
        }
        lines += [
            "The same event as webhooks receive it:",
            json,
            "",
            "-- ",
            "Sent by lifeboat \(LifeboatVersion.current) on \(event.host): BACKUP_EMAIL_EVENTS routes \(event.name.rawValue) to email."
        ]
        return lines.joined(separator: "\n") + "\n"
    }

    /// `  key: value`, with multi-line text indented under it and a list of objects (the
    /// verification mismatches) one item a line.
    static func detailLines(_ key: String, _ value: EventValue) -> [String] {
        switch value {
        case .array(let items)
        where items.contains(where: { if case .object = $0 { return true } else { return false } }):
            return ["  \(key):"] + items.map { "    - " + inline($0) }
        default:
            let text = inline(value).split(separator: "\n", omittingEmptySubsequences: false)
            return ["  \(key): \(text.first ?? "")"] + text.dropFirst().map { "      \($0)" }
        }
    }

    static func inline(_ value: EventValue) -> String {
        switch value {
        case .null: return "(none)"
        case .array(let items): return items.isEmpty ? "(none)" : items.map(inline).joined(separator: ", ")
        case .object(let fields):
            return fields.keys.sorted().map { "\($0): \(inline(fields[$0]!))" }.joined(separator: ", ")
        default: return value.text ?? ""
        }
    }
}
