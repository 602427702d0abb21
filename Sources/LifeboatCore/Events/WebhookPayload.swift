import Foundation

/// How an event is written as a webhook body.
public enum WebhookFormat: String, Sendable, CaseIterable {
    /// `{"event", "time", "host", "delivery_id", "details"}`.
    case json
    /// The same object plus `text`, the one line a Slack (or Mattermost, Teams workflow,
    /// Discord `/slack`) incoming webhook shows; they ignore the other keys.
    case slack
}

/// The body of one webhook delivery. Built once per delivery and sent unchanged on every
/// retry, so the signature and `delivery_id` stay the same and a receiver can drop repeats.
public enum WebhookPayload {
    public static func fields(_ event: LifeboatEvent, deliveryID: String, format: WebhookFormat) -> [String: EventValue]
    {
        var fields: [String: EventValue] = [
            "event": .string(event.name.rawValue),
            "time": .string(event.time.formatted(.iso8601)),
            "host": .string(event.host),
            "delivery_id": .string(deliveryID),
            "details": .object(event.details)
        ]
        if format == .slack { fields["text"] = .string(EventText.slackLine(for: event)) }
        return fields
    }

    /// Compact JSON with sorted keys: the same event always gives the same bytes.
    public static func body(_ event: LifeboatEvent, deliveryID: String, format: WebhookFormat) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Array(try encoder.encode(fields(event, deliveryID: deliveryID, format: format)))
    }
}
