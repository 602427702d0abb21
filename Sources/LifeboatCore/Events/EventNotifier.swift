import Foundation
import Synchronization

/// What commands, the scheduler and the runbook engine hold to announce events. `emit` is
/// synchronous (it returns once every URL and the mail server have their answer or have used up
/// their retries), delivers to all configured URLs and, when BACKUP_EMAIL_EVENTS routes the
/// event there, by email, all in parallel, and never throws: a receiver that is down must never
/// turn a good backup into a failed one. Failures are written to stderr (URLs and passwords
/// redacted) and counted in `statistics` and `emailStatistics`. With neither configured, `emit`
/// does nothing.
public struct EventNotifier: Sendable {
    public let settings: WebhookSettings
    /// Alert email; nil when BACKUP_SMTP_URL is unset.
    public let email: EmailSettings?
    public let host: String
    public var statistics: WebhookStatistics = .shared
    public var emailStatistics: WebhookStatistics = .emails
    /// Where failed deliveries are reported; stderr unless a caller wants them elsewhere.
    public var log: @Sendable (String) -> Void = { StandardError.warning($0) }

    public init(settings: WebhookSettings, email: EmailSettings? = nil, host: String = LifeboatEvent.localHost) {
        self.settings = settings
        self.email = email
        self.host = host
    }

    /// From BACKUP_WEBHOOK_*, BACKUP_SMTP_* and BACKUP_EMAIL_EVENTS; throws a configuration
    /// error for a malformed value.
    public init(configuration: LifeboatConfiguration) throws {
        self.init(
            settings: try WebhookSettings(configuration: configuration), email: try EmailSettings.load(configuration))
    }

    /// Delivers nothing: for callers that were given no configuration for events.
    public static let disabled = EventNotifier(settings: WebhookSettings(urls: []))

    public var isEnabled: Bool { !settings.urls.isEmpty || email != nil }

    /// What became of one event: one outcome per webhook URL, and the email's if it was routed.
    public struct Deliveries: Sendable {
        public var webhooks: [WebhookDelivery.Outcome] = []
        public var email: EmailDelivery.Outcome?
    }

    /// `notifier.emit(.runbookStarted, details: ["runbook": "recent-corruption", "run_id": "…"])`
    @discardableResult
    public func emit(_ name: LifeboatEvent.Name, details: [String: EventValue] = [:]) -> [WebhookDelivery.Outcome] {
        emit(LifeboatEvent(name, details: details, host: host))
    }

    @discardableResult
    public func emit(_ event: LifeboatEvent) -> [WebhookDelivery.Outcome] {
        deliver(event).webhooks
    }

    /// `emit`, telling the email's outcome too.
    @discardableResult
    public func deliver(_ event: LifeboatEvent) -> Deliveries {
        let urls = settings.urls
        let mail = email.flatMap { $0.routes(event.name) ? $0 : nil }
        let channels = urls.count + (mail == nil ? 0 : 1)
        guard channels > 0 else { return Deliveries() }
        let delivery = WebhookDelivery(settings: settings)
        let outcomes = Mutex([WebhookDelivery.Outcome?](repeating: nil, count: urls.count))
        let mailed = Mutex<EmailDelivery.Outcome?>(nil)
        DispatchQueue.concurrentPerform(iterations: channels) { index in
            if index < urls.count {
                let outcome = delivery.send(event, to: urls[index])
                outcomes.withLock { $0[index] = outcome }
            } else if let mail {
                let outcome = EmailDelivery(settings: mail).send(event)
                mailed.withLock { $0 = outcome }
            }
        }
        let results = Deliveries(webhooks: outcomes.withLock { $0.compactMap { $0 } }, email: mailed.withLock { $0 })
        for outcome in results.webhooks {
            statistics.record(outcome)
            if let problem = outcome.problem {
                log(
                    "webhook \(outcome.event.rawValue) to \(outcome.url) not delivered: \(problem) (delivery \(outcome.deliveryID))"
                )
            }
        }
        if let outcome = results.email {
            emailStatistics.record(delivered: outcome.delivered)
            if let problem = outcome.problem {
                log(
                    "email \(outcome.event.rawValue) via \(outcome.server) not sent: \(problem) (Message-ID <\(outcome.messageID)>)"
                )
            }
        }
        return results
    }
}
