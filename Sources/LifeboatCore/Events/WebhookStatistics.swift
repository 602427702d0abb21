import Foundation
import Synchronization

/// Counts of webhook deliveries in this process, for metrics (`lifeboat_webhook_failures_total`)
/// and tests. Safe to read and update from any thread; `shared` is the one the notifiers use
/// unless told otherwise.
public final class WebhookStatistics: Sendable {
    public struct Counts: Sendable, Equatable {
        public var delivered = 0
        /// Deliveries that failed for good (after their retries, or at a 4xx).
        public var failed = 0
        public var lastFailure: Date?
    }

    public static let shared = WebhookStatistics()
    /// The same counts for alert emails, kept apart so that each channel's failures show.
    public static let emails = WebhookStatistics()

    private let counts = Mutex(Counts())

    public init() {}

    public var snapshot: Counts { counts.withLock { $0 } }
    public var failures: Int { snapshot.failed }
    public var deliveries: Int { snapshot.delivered }

    func record(_ outcome: WebhookDelivery.Outcome) {
        record(delivered: outcome.delivered)
    }

    func record(delivered: Bool) {
        counts.withLock { counts in
            if delivered {
                counts.delivered += 1
            } else {
                counts.failed += 1
                counts.lastFailure = Date()
            }
        }
    }
}
