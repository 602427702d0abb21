import Foundation
import LifeboatCore

/// Human output on stderr, machine output (JSON) on stdout. Writes never trap: a job whose
/// worker died (its stderr pipe closed) must still clean up after itself.
enum Terminal {
    static let stderrIsTerminal = isatty(STDERR_FILENO) == 1

    static func error(_ text: String) {
        try? FileHandle.standardError.write(contentsOf: Data("error: \(text)\n".utf8))
    }

    static func note(_ text: String) {
        try? FileHandle.standardError.write(contentsOf: Data("\(text)\n".utf8))
    }

    static func printJSON(_ value: some Encodable) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        encoder.keyEncodingStrategy = .convertToSnakeCase
        let data = try encoder.encode(value) + Data("\n".utf8)
        try? FileHandle.standardOutput.write(contentsOf: data)  // a closed pipe is the reader's choice
    }

    /// Sizes as people read them: 1.4 MiB.
    static func bytes(_ count: Int64) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB"]
        var value = Double(count)
        var unit = 0
        while value >= 1024 && unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        return unit == 0 ? "\(count) B" : String(format: "%.1f %@", value, units[unit])
    }

    /// Ages as people read them: 3h 12m, 2d 4h.
    static func age(since date: Date, now: Date = Date()) -> String {
        let seconds = max(0, Int(now.timeIntervalSince(date)))
        if seconds < 60 { return "\(seconds)s" }
        if seconds < 3600 { return "\(seconds / 60)m" }
        if seconds < 86400 { return "\(seconds / 3600)h \(seconds % 3600 / 60)m" }
        return "\(seconds / 86400)d \(seconds % 86400 / 3600)h"
    }
}

/// A one-line progress display on stderr, redrawn at most four times a second, and only when
/// stderr is a terminal (logs and CI get no carriage-return noise).
final class ProgressLine: @unchecked Sendable {
    private let label: String
    private let started = Date()
    private var lastDraw = Date.distantPast
    private var drew = false

    init(label: String) {
        self.label = label
    }

    func update(_ bytes: Int64) {
        guard Terminal.stderrIsTerminal else { return }
        let now = Date()
        guard now.timeIntervalSince(lastDraw) >= 0.25 else { return }
        lastDraw = now
        drew = true
        let rate = Double(bytes) / max(now.timeIntervalSince(started), 0.001)
        let line = "\r\(label): \(Terminal.bytes(bytes)) at \(Terminal.bytes(Int64(rate)))/s   "
        try? FileHandle.standardError.write(contentsOf: Data(line.utf8))
    }

    func finish() {
        if drew { try? FileHandle.standardError.write(contentsOf: Data("\r\u{1B}[K".utf8)) }
    }

    /// Runs long work with this line showing, and clears it on every path.
    func showing<T>(_ body: () throws -> T) rethrows -> T {
        defer { finish() }
        return try body()
    }
}
