import Foundation
import Synchronization

/// The metrics textfile of this invocation (`--metrics-file`, LIFEBOAT_METRICS_FILE), updated
/// when a job ends, with the webhook deliveries that failed since the last update added in.
/// In the library so that every job (backup, upload, verify, runbook run) counts the same way,
/// whichever command or worker runs it.
public enum JobMetrics {
    private static let countedWebhookFailures = Mutex(0)

    public static func record(_ configuration: LifeboatConfiguration, _ change: (inout MetricsLedger) -> Void) {
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
    public static func diskFree(_ configuration: LifeboatConfiguration, into ledger: inout MetricsLedger) {
        if let free = try? DiskSpace.freeBytes(configuration) {
            ledger.diskFreeBytes[configuration.backupDirectory.path] = free
        }
    }
}
