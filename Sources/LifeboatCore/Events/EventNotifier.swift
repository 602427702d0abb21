import Foundation
import Synchronization

/// What commands, the scheduler and the runbook engine hold to announce events. `emit` is
/// synchronous (it returns once every URL has its answer or has used up its retries), delivers
/// to all configured URLs in parallel, and never throws: a receiver that is down must never
/// turn a good backup into a failed one. Failures are written to stderr (URLs redacted) and
/// counted in `statistics`. With no URL configured, `emit` does nothing.
public struct EventNotifier: Sendable {
    public let settings: WebhookSettings
    public let host: String
    public var statistics: WebhookStatistics = .shared
    /// Where failed deliveries are reported; stderr unless a caller wants them elsewhere.
    public var log: @Sendable (String) -> Void = { StandardError.warning($0) }

    public init(settings: WebhookSettings, host: String = LifeboatEvent.localHost) {
        self.settings = settings
        self.host = host
    }

    /// From BACKUP_WEBHOOK_*; throws a configuration error for a malformed value.
    public init(configuration: LifeboatConfiguration) throws {
        self.init(settings: try WebhookSettings(configuration: configuration))
    }

    /// Delivers nothing: for callers that were given no configuration for events.
    public static let disabled = EventNotifier(settings: WebhookSettings(urls: []))

    public var isEnabled: Bool { !settings.urls.isEmpty }

    /// `notifier.emit(.runbookStarted, details: ["runbook": "recent-corruption", "run_id": "…"])`
    @discardableResult
    public func emit(_ name: LifeboatEvent.Name, details: [String: EventValue] = [:]) -> [WebhookDelivery.Outcome] {
        emit(LifeboatEvent(name, details: details, host: host))
    }

    @discardableResult
    public func emit(_ event: LifeboatEvent) -> [WebhookDelivery.Outcome] {
        let urls = settings.urls
        guard !urls.isEmpty else { return [] }
        let delivery = WebhookDelivery(settings: settings)
        let outcomes = Mutex([WebhookDelivery.Outcome?](repeating: nil, count: urls.count))
        DispatchQueue.concurrentPerform(iterations: urls.count) { index in
            let outcome = delivery.send(event, to: urls[index])
            outcomes.withLock { $0[index] = outcome }
        }
        let results = outcomes.withLock { $0.compactMap { $0 } }
        for outcome in results {
            statistics.record(outcome)
            if let problem = outcome.problem {
                log("webhook \(outcome.event.rawValue) to \(outcome.url) not delivered: \(problem) (delivery \(outcome.deliveryID))")
            }
        }
        return results
    }
}
