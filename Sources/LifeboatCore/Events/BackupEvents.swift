import Foundation

/// The details of the backup events, built in one place so that `lifeboat backup`, `verify`
/// and the scheduler send the same keys (docs/events-and-metrics.md lists them).
public enum BackupEvents {
    public static func completed(_ result: BackupCreator.Result) -> [String: EventValue] {
        let manifest = result.manifest
        return [
            "file": .string(manifest.fileName),
            "path": .string(result.path.path),
            "type": .string(manifest.type.rawValue),
            "database": .string(manifest.database),
            "bytes": EventValue(manifest.fileBytes),
            "dump_bytes": EventValue(manifest.dumpBytes),
            "sha256": .string(manifest.sha256),
            "duration_seconds": EventValue(seconds: manifest.finishedAt.timeIntervalSince(manifest.startedAt)),
            "tables": EventValue(manifest.tables.count),
            "rows": EventValue(manifest.totalRows),
            "compressed": .bool(manifest.compression != nil),
            "encrypted": .bool(manifest.encryption != nil)
        ]
    }

    public static func failed(type: BackupType, error: LifeboatError) -> [String: EventValue] {
        [
            "type": .string(type.rawValue),
            "stage": .string(error.stage),
            "error": .string(error.message),
            "hint": EventValue(error.hint),
            "exit_code": EventValue(Int(error.category.rawValue))
        ]
    }

    public static func verified(_ report: BackupVerifier.Report) -> [String: EventValue] {
        var details = common(report)
        details["matched_manifest"] = .bool(report.checks.contains { $0.name == "row counts" && $0.result == "passed" })
        return details
    }

    /// A bad backup: the failed check and, for row counts, every table that differs
    /// (`actual` is null for a table missing from the restore).
    public static func verificationFailed(_ report: BackupVerifier.Report) -> [String: EventValue] {
        var details = common(report)
        details["verdict"] = "bad"
        // The failure's first line: the hint after it is about the CLI, not the receiver.
        let failure: String? = report.failure?.split(separator: "\n").first.map(String.init)
        details["error"] = EventValue(failure)
        details["failed_check"] = EventValue(report.checks.first { $0.result == "failed" }?.name)
        details["mismatches"] = .array(report.mismatches.map(mismatch))
        return details
    }

    /// Verification could not run (database unreachable, key missing): nothing is known about
    /// the backup, but the check an operator relies on did not happen.
    public static func verificationFailed(file: URL, error: LifeboatError) -> [String: EventValue] {
        [
            "file": .string(file.lastPathComponent),
            "path": .string(file.path),
            "verdict": "unchecked",
            "error": .string("\(error.stage): \(error.message)"),
            "hint": EventValue(error.hint),
            "mismatches": []
        ]
    }

    public static func cloudSyncFailed(file: URL, error: LifeboatError) -> [String: EventValue] {
        [
            "file": .string(file.lastPathComponent),
            "path": .string(file.path),
            "stage": .string(error.stage),
            "error": .string(error.message),
            "hint": EventValue(error.hint)
        ]
    }

    public static func diskLow(_ space: DiskSpaceCheck.Outcome) -> [String: EventValue] {
        [
            "directory": .string(space.directory.path),
            "free_bytes": EventValue(space.freeBytes),
            "threshold_bytes": EventValue(space.thresholdBytes),
            "estimated_backup_bytes": space.estimate.map { EventValue($0.bytes) } ?? .null
        ]
    }

    /// `bytes` and `median` are in `measure` (`dump_bytes`: plain SQL, or `file_bytes`);
    /// `band` is the percentage allowed either side of the median, `low`..`high` the sizes that pass.
    public static func sizeAnomaly(_ anomaly: SizeAnomaly, path: URL) -> [String: EventValue] {
        [
            "file": .string(anomaly.file),
            "path": .string(path.path),
            "type": .string(anomaly.type.rawValue),
            "database": .string(anomaly.database),
            "measure": .string(anomaly.measure.rawValue),
            "bytes": EventValue(anomaly.bytes),
            "median": EventValue(anomaly.median),
            "window": EventValue(anomaly.compared.count),
            "compared": .array(anomaly.compared.map(EventValue.string)),
            "band": anomaly.bandPercent == anomaly.bandPercent.rounded()
                ? EventValue(Int64(anomaly.bandPercent)) : .number(anomaly.bandPercent),
            "low": EventValue(anomaly.low),
            "high": EventValue(anomaly.high),
            "direction": .string(anomaly.direction.rawValue)
        ]
    }

    private static func mismatch(_ mismatch: RowCountValidator.Mismatch) -> EventValue {
        let actual: EventValue = mismatch.actual.map { EventValue.integer($0) } ?? .null
        return .object(["table": .string(mismatch.table), "expected": .integer(mismatch.expected), "actual": actual])
    }

    private static func common(_ report: BackupVerifier.Report) -> [String: EventValue] {
        let file = URL(fileURLWithPath: report.file)
        return [
            "file": .string(file.lastPathComponent),
            "path": .string(report.file),
            "checks": .array(report.checks.map { ["name": .string($0.name), "result": .string($0.result)] }),
            "duration_seconds": EventValue(seconds: report.finishedAt.timeIntervalSince(report.startedAt))
        ]
    }
}
