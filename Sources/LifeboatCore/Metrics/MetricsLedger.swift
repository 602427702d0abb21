import Foundation

/// Everything the metrics say, kept between runs: each `lifeboat` invocation is a separate
/// process, so counters live in this small JSON ledger beside the textfile and every job adds
/// to them before the textfile is written again.
public struct MetricsLedger: Codable, Sendable, Equatable {
    public struct BackupStats: Codable, Sendable, Equatable {
        public var succeeded = 0
        public var failed = 0
        public var lastSuccess: Date?
        public var lastDurationSeconds: Double?
        public var lastSizeBytes: Int64?
    }

    public struct UploadStats: Codable, Sendable, Equatable {
        public var succeeded = 0
        public var failed = 0
        public var bytes: Int64 = 0
        public var lastDurationSeconds: Double?
    }

    /// By backup type (daily, weekly, monthly, manual).
    public var backups: [String: BackupStats] = [:]
    /// By result: passed, failed (the backup is bad), error (it could not be checked).
    public var verifications: [String: Int] = [:]
    public var lastVerification: Date?
    public var lastVerificationPassed: Bool?
    public var uploads = UploadStats()
    /// By "runbook\u{1F}mode\u{1F}outcome" (mode: run or drill).
    public var runbookRuns: [String: Int] = [:]
    /// By folder.
    public var diskFreeBytes: [String: Int64] = [:]
    public var webhookFailures = 0
    /// The last succeeded drill of each runbook (scenario).
    public var drills: [String: DrillStats] = [:]

    /// What the last drill of a scenario achieved, and whether it met each objective.
    public struct DrillStats: Codable, Sendable, Equatable {
        public var at: Date
        public var rtoSeconds: Double?
        public var rpoSeconds: Double?
        public var downtimeSeconds: Double?
        /// By objective (rto, rpo, downtime); only the runbook's declared objectives.
        public var objectivesMet: [String: Bool]

        public init(
            at: Date, rtoSeconds: Double?, rpoSeconds: Double?, downtimeSeconds: Double?, objectivesMet: [String: Bool]
        ) {
            self.at = at
            self.rtoSeconds = rtoSeconds
            self.rpoSeconds = rpoSeconds
            self.downtimeSeconds = downtimeSeconds
            self.objectivesMet = objectivesMet
        }
    }

    public init() {}

    /// A ledger written before a key existed reads it as empty, so counts are never lost to an upgrade.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        backups = try container.decodeIfPresent([String: BackupStats].self, forKey: .backups) ?? [:]
        verifications = try container.decodeIfPresent([String: Int].self, forKey: .verifications) ?? [:]
        lastVerification = try container.decodeIfPresent(Date.self, forKey: .lastVerification)
        lastVerificationPassed = try container.decodeIfPresent(Bool.self, forKey: .lastVerificationPassed)
        uploads = try container.decodeIfPresent(UploadStats.self, forKey: .uploads) ?? UploadStats()
        runbookRuns = try container.decodeIfPresent([String: Int].self, forKey: .runbookRuns) ?? [:]
        diskFreeBytes = try container.decodeIfPresent([String: Int64].self, forKey: .diskFreeBytes) ?? [:]
        webhookFailures = try container.decodeIfPresent(Int.self, forKey: .webhookFailures) ?? 0
        drills = try container.decodeIfPresent([String: DrillStats].self, forKey: .drills) ?? [:]
    }

    public mutating func backup(
        type: String, succeeded: Bool, durationSeconds: Double?, sizeBytes: Int64?, at date: Date = Date()
    ) {
        var stats = backups[type] ?? BackupStats()
        if succeeded {
            stats.succeeded += 1
            stats.lastSuccess = date
            stats.lastDurationSeconds = durationSeconds
            stats.lastSizeBytes = sizeBytes
        } else {
            stats.failed += 1
        }
        backups[type] = stats
    }

    public mutating func verification(_ result: String, at date: Date = Date()) {
        verifications[result, default: 0] += 1
        lastVerification = date
        lastVerificationPassed = result == "passed"
    }

    public mutating func upload(succeeded: Bool, bytes: Int64, durationSeconds: Double?) {
        if succeeded {
            uploads.succeeded += 1
            uploads.bytes += bytes
            uploads.lastDurationSeconds = durationSeconds
        } else {
            uploads.failed += 1
        }
    }

    public mutating func runbookRun(_ runbook: String, drill: Bool, outcome: String) {
        runbookRuns[[runbook, drill ? "drill" : "run", outcome].joined(separator: "\u{1F}"), default: 0] += 1
    }
}
