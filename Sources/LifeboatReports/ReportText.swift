import Foundation
import LifeboatRunbooks

/// How reports write times, durations and sizes for people (the JSON keeps raw values).
/// Times are UTC, so a report reads the same wherever it is opened.
enum ReportText {
    static func timestamp(_ date: Date?) -> String {
        guard let date else { return "—" }
        return ISO8601DateFormatter().string(from: date)
    }

    /// `03:04:05`, with the date in front when it is not the day the run started.
    static func clock(_ date: Date?, runStart: Date?) -> String {
        guard let date else { return "—" }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd"
        let sameDay = runStart.map { formatter.string(from: $0) == formatter.string(from: date) } ?? true
        formatter.dateFormat = sameDay ? "HH:mm:ss" : "yyyy-MM-dd HH:mm:ss"
        return formatter.string(from: date)
    }

    /// `0.4s`, `12s`, `3m 05s`, `2h 04m`, `3d 2h`.
    static func duration(_ seconds: Double?) -> String {
        guard let seconds else { return "—" }
        let sign = seconds < 0 ? "-" : ""
        let value = abs(seconds)
        if value < 10 { return sign + String(format: "%.1fs", value) }
        let whole = Int(value.rounded())
        if whole < 60 { return "\(sign)\(whole)s" }
        if whole < 3600 { return sign + String(format: "%dm %02ds", whole / 60, whole % 60) }
        if whole < 86400 { return sign + String(format: "%dh %02dm", whole / 3600, whole % 3600 / 60) }
        return "\(sign)\(whole / 86400)d \(whole % 86400 / 3600)h"
    }

    /// `1.4 MiB`.
    static func bytes(_ count: Int64?) -> String {
        guard let count else { return "—" }
        let units = ["B", "KiB", "MiB", "GiB", "TiB"]
        var value = Double(count)
        var unit = 0
        while value >= 1024 && unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        return unit == 0 ? "\(count) B" : String(format: "%.1f %@", value, units[unit])
    }

    /// `a=1, b=2`, sorted by key: outputs and inputs on one line.
    static func pairs(_ values: [String: String]) -> String {
        values.isEmpty ? "—" : values.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ", ")
    }

    static func outcome(_ outcome: RunOutcome) -> String {
        switch outcome {
        case .succeeded: return "succeeded"
        case .failed: return "failed"
        case .aborted: return "aborted"
        case .interrupted: return "interrupted"
        }
    }

    static func status(_ status: ReportStep.Status) -> String {
        status == .awaitingApproval ? "waiting for approval" : status.rawValue.replacingOccurrences(of: "_", with: " ")
    }

    /// A step's status as the tables show it: a waiting gate says since when.
    static func status(of step: ReportStep) -> String {
        if step.status == .awaitingApproval, let since = step.approval?.waitingSince ?? step.approval?.requestedAt {
            return ApprovalGate.waiting(since: since)
        }
        return status(step.status)
    }

    /// `--yes --retry-step`, or `no flags`.
    static func flags(_ flags: [String]) -> String {
        flags.isEmpty ? "no flags" : flags.joined(separator: " ")
    }

    static let rtoMeaning = "start of the run to validated data"
    static let downtimeMeaning = "the application stopped to started again; in a drill, the steps in between"

    static func rpoMeaning(_ measures: ReportMeasures) -> String {
        "\(measures.rpoReference == "target_time" ? "the target_time input" : "the run's start") minus the backup's snapshot"
    }
}
