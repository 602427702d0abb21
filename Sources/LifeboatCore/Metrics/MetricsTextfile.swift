import Foundation
import Glibc
import LifeboatStreams
import Prometheus

/// The node_exporter textfile (`--metrics-file`, LIFEBOAT_METRICS_FILE): after each job the
/// ledger beside it is updated under a lock and the file is rewritten atomically, so the
/// exporter never reads half a file and two jobs finishing together lose no count.
public struct MetricsTextfile: Sendable {
    public let url: URL

    public init(path: String) {
        url = URL(fileURLWithPath: path)
    }

    /// The configured textfile, or nil when metrics are off.
    public init?(configuration: LifeboatConfiguration) {
        guard let path = configuration.string(.metricsFile), !path.isEmpty else { return nil }
        self.init(path: path)
    }

    /// `.NAME.json` beside the textfile: node_exporter reads only `*.prom`.
    public var ledgerURL: URL {
        url.deletingLastPathComponent().appendingPathComponent("." + url.lastPathComponent + ".json")
    }

    /// Applies `change` to the ledger and rewrites the textfile. Metrics never fail a job: a
    /// problem is reported through `warn` and the job's own result stands.
    public func update(
        warn: (String) -> Void = { try? FileHandle.standardError.write(contentsOf: Data("warning: \($0)\n".utf8)) },
        _ change: (inout MetricsLedger) -> Void
    ) {
        do {
            try FileManager.default.createDirectory(
                at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            let lock = open(
                url.deletingLastPathComponent().appendingPathComponent("." + url.lastPathComponent + ".lock").path,
                // The folder is often writable by node_exporter's group: never follow a planted link.
                O_CREAT | O_RDWR | O_NOFOLLOW | O_CLOEXEC, 0o644)
            guard lock >= 0 else {
                throw LifeboatError(
                    stage: "metrics",
                    message: "cannot open the lock beside \(url.path): \(String(cString: strerror(errno)))")
            }
            defer { close(lock) }
            flock(lock, LOCK_EX)
            var ledger = currentLedger()
            change(&ledger)
            try AtomicFileSink.writeReplacing(Array(try Self.encoder.encode(ledger)), to: ledgerURL)
            // node_exporter runs as another user
            try AtomicFileSink.writeReplacing(Array(Self.render(ledger).utf8), to: url, permissions: 0o644)
        } catch {
            warn("metrics: could not update \(url.path): \(error) (the job's result is not affected)")
        }
    }

    /// The counts so far; none yet (or an unreadable ledger) reads as empty.
    public func currentLedger() -> MetricsLedger {
        (try? Data(contentsOf: ledgerURL)).flatMap { try? Self.decoder.decode(MetricsLedger.self, from: $0) }
            ?? MetricsLedger()
    }

    /// The ledger in Prometheus text format, through swift-prometheus's registry.
    public static func render(_ ledger: MetricsLedger) -> String {
        let registry = PrometheusCollectorRegistry()
        // "lifeboat_backups_total" → namespace lifeboat, name backups, unit total.
        func descriptor(_ name: String, _ help: String) -> MetricNameDescriptor {
            var parts = name.split(separator: "_").map(String.init)
            let unit = parts.removeLast()
            return MetricNameDescriptor(
                namespace: parts.removeFirst(), metricName: parts.joined(separator: "_"), unitName: unit, helpText: help
            )
        }
        func counter(_ name: String, _ help: String, _ labels: [(String, String)] = []) -> Counter {
            registry.makeCounter(descriptor: descriptor(name, help), labels: labels)
        }
        func gauge(_ name: String, _ help: String, _ labels: [(String, String)] = []) -> Gauge {
            registry.makeGauge(descriptor: descriptor(name, help), labels: labels)
        }
        for (type, stats) in ledger.backups.sorted(by: { $0.key < $1.key }) {
            counter(
                "lifeboat_backups_total", "Backups taken, by type and result", [("type", type), ("result", "success")]
            ).increment(by: Int64(stats.succeeded))
            counter(
                "lifeboat_backups_total", "Backups taken, by type and result", [("type", type), ("result", "failure")]
            ).increment(by: Int64(stats.failed))
            if let last = stats.lastSuccess {
                gauge(
                    "lifeboat_backup_last_success_timestamp_seconds",
                    "When the last successful backup of a type finished (Unix time)", [("type", type)]
                ).set(to: last.timeIntervalSince1970)
            }
            if let duration = stats.lastDurationSeconds {
                gauge(
                    "lifeboat_backup_duration_seconds", "Duration of the last successful backup of a type",
                    [("type", type)]
                ).set(to: duration)
            }
            if let size = stats.lastSizeBytes {
                gauge(
                    "lifeboat_backup_size_bytes", "Size of the last successful backup file of a type", [("type", type)]
                ).set(to: Double(size))
            }
        }
        for result in ["passed", "failed", "error"] {
            counter(
                "lifeboat_verifications_total",
                "Backup verifications, by result (failed: the backup is bad; error: it could not be checked)",
                [("result", result)]
            )
            .increment(by: Int64(ledger.verifications[result] ?? 0))
        }
        if let passed = ledger.lastVerificationPassed {
            gauge("lifeboat_verification_last_passed", "1 when the last verification passed, else 0").set(
                to: passed ? 1 : 0)
        }
        if let last = ledger.lastVerification {
            gauge("lifeboat_verification_last_timestamp_seconds", "When the last verification ended (Unix time)")
                .set(to: last.timeIntervalSince1970)
        }
        counter("lifeboat_cloud_uploads_total", "Cloud uploads, by result", [("result", "success")])
            .increment(by: Int64(ledger.uploads.succeeded))
        counter("lifeboat_cloud_uploads_total", "Cloud uploads, by result", [("result", "failure")])
            .increment(by: Int64(ledger.uploads.failed))
        counter("lifeboat_cloud_upload_bytes_total", "Bytes uploaded to the cloud").increment(by: ledger.uploads.bytes)
        if let duration = ledger.uploads.lastDurationSeconds {
            gauge("lifeboat_cloud_upload_duration_seconds", "Duration of the last successful upload").set(to: duration)
        }
        for (key, count) in ledger.runbookRuns.sorted(by: { $0.key < $1.key }) {
            let parts = key.split(separator: "\u{1F}", omittingEmptySubsequences: false).map(String.init)
            guard parts.count == 3 else { continue }
            counter(
                "lifeboat_runbook_runs_total", "Runbook runs and drills, by outcome",
                [("runbook", parts[0]), ("mode", parts[1]), ("outcome", parts[2])]
            ).increment(by: Int64(count))
        }
        for (runbook, drill) in ledger.drills.sorted(by: { $0.key < $1.key }) {
            let label = [("runbook", runbook)]
            gauge(
                "lifeboat_drill_last_timestamp_seconds", "When the last succeeded drill of a runbook ended (Unix time)",
                label
            ).set(to: drill.at.timeIntervalSince1970)
            if let rto = drill.rtoSeconds {
                gauge("lifeboat_drill_rto_seconds", "RTO of the last succeeded drill of a runbook", label).set(to: rto)
            }
            if let rpo = drill.rpoSeconds {
                gauge("lifeboat_drill_rpo_seconds", "RPO of the last succeeded drill of a runbook", label).set(to: rpo)
            }
            if let downtime = drill.downtimeSeconds {
                gauge("lifeboat_drill_downtime_seconds", "Downtime of the last succeeded drill of a runbook", label)
                    .set(to: downtime)
            }
            for (objective, met) in drill.objectivesMet.sorted(by: { $0.key < $1.key }) {
                gauge(
                    "lifeboat_drill_objective_met",
                    "1 when the last succeeded drill of a runbook met the objective, else 0",
                    label + [("objective", objective)]
                ).set(to: met ? 1 : 0)
            }
        }
        for (path, free) in ledger.diskFreeBytes.sorted(by: { $0.key < $1.key }) {
            gauge("lifeboat_disk_free_bytes", "Free bytes in the backup folder at the last backup", [("path", path)])
                .set(to: Double(free))
        }
        counter("lifeboat_webhook_delivery_failures_total", "Webhook deliveries that failed after every retry")
            .increment(by: Int64(ledger.webhookFailures))
        return registry.emitToString()
    }

    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.dateEncodingStrategy = .iso8601
        return encoder
    }()

    static let decoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }()
}
