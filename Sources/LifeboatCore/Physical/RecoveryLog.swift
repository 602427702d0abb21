import Foundation

/// What a scratch cluster's server log says about its recovery: the WAL segments it restored
/// from the archive, where it stopped, and why it failed. The log is the only witness of the
/// first transaction *not* replayed and of a recovery that died before accepting connections.
public struct RecoveryLog: Sendable, Equatable {
    /// WAL segments restored from the archive, in order.
    public var restoredSegments: [String] = []
    /// "recovery stopping before commit of transaction 745, time 2025-…": that transaction's time.
    public var stoppedBefore: String?
    /// "last completed transaction was at log time 2025-…".
    public var lastCompleted: String?
    /// FATAL and PANIC lines, for the error when recovery fails.
    public var fatal: [String] = []

    public init(_ text: String) {
        for raw in text.split(whereSeparator: \.isNewline) {
            let line = String(raw)
            if let name = Self.between(line, "restored log file \"", "\"") {
                // History files are restored too; only WAL segment names (24 hex digits) count.
                if name.count == 24, name.allSatisfy(\.isHexDigit) { restoredSegments.append(name) }
            } else if line.contains("recovery stopping before commit"), let range = line.range(of: "time ") {
                stoppedBefore = String(line[range.upperBound...]).trimmingCharacters(in: .whitespaces)
            } else if let range = line.range(of: "last completed transaction was at log time ") {
                lastCompleted = String(line[range.upperBound...]).trimmingCharacters(in: .whitespaces)
            } else if line.contains("FATAL:") || line.contains("PANIC:") {
                fatal.append(line)
            }
        }
    }

    public var lastSegment: String? { restoredSegments.last }

    static func between(_ line: String, _ open: String, _ close: String) -> String? {
        guard let start = line.range(of: open), let end = line.range(of: close, range: start.upperBound..<line.endIndex)
        else { return nil }
        return String(line[start.upperBound..<end.lowerBound])
    }

    /// The last `count` lines of a log, for error messages.
    public static func tail(_ text: String, _ count: Int = 8) -> String {
        text.split(whereSeparator: \.isNewline).suffix(count).joined(separator: "\n")
    }
}
