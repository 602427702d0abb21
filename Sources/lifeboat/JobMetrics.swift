import Foundation
import LifeboatCore
import LifeboatRunbooks
import Synchronization

/// The metrics textfile of this invocation (`--metrics-file`, LIFEBOAT_METRICS_FILE), updated
/// when a job ends, with the webhook deliveries that failed since the last update added in.
enum JobMetrics {
    private static let countedWebhookFailures = Mutex(0)

    static func record(_ configuration: LifeboatConfiguration, _ change: (inout MetricsLedger) -> Void) {
        guard let textfile = MetricsTextfile(configuration: configuration) else { return }
        let failures = WebhookStatistics.shared.failures
        let new = countedWebhookFailures.withLock { counted in
            defer { counted = failures }
            return failures - counted
        }
        textfile.update { ledger in
            change(&ledger)
            ledger.webhookFailures += new
        }
    }

    /// Free space of BACKUP_DIR, as the backup just left it.
    static func diskFree(_ configuration: LifeboatConfiguration, into ledger: inout MetricsLedger) {
        if let free = try? DiskSpace.freeBytes(configuration) { ledger.diskFreeBytes[configuration.backupDirectory.path] = free }
    }
}

extension RunEngine {
    /// Run events to the webhooks, and each run's outcome to the metrics textfile.
    mutating func announce(_ configuration: LifeboatConfiguration) throws {
        let notifier = try EventNotifier(configuration: configuration)
        let runs = stateDirectory.appendingPathComponent("runs")
        onEvent = { event in
            let name = LifeboatEvent.Name(rawValue: event.name) ?? .runbookNotice
            notifier.emit(name, details: event.details.mapValues { EventValue.string($0) })
            if name == .runbookCompleted || name == .runbookFailed {
                JobMetrics.record(configuration) {
                    $0.runbookRun(event.details["runbook"] ?? "?", drill: event.details["drill"] == "true",
                                  outcome: name == .runbookCompleted ? "succeeded" : "failed")
                    DrillMetrics.record(event, runs: runs, into: &$0)
                }
            }
        }
    }
}
