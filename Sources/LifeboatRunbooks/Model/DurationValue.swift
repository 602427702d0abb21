// Durations as runbooks write them: `30s`, `5m`, `1h30m`, `250ms`, or plain seconds `90`.

import Foundation

/// A non-negative length of time from a runbook (`timeout`, `retry.backoff`, `wait`, duration
/// inputs). Stored as whole milliseconds so that `description` round-trips exactly and two
/// spellings of the same time (`90s`, `1m30s`) compare equal.
public struct DurationValue: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let milliseconds: Int

    /// Units largest first; a duration must use them in this order, each at most once.
    static let units: [(suffix: String, milliseconds: Int)] = [
        ("d", 86_400_000), ("h", 3_600_000), ("m", 60_000), ("s", 1_000), ("ms", 1)
    ]

    public init(milliseconds: Int) {
        precondition(milliseconds >= 0, "durations are never negative")
        self.milliseconds = milliseconds
    }

    /// Rounds to the nearest millisecond, the resolution runbooks can express.
    public init(seconds: TimeInterval) {
        precondition(seconds >= 0 && seconds.isFinite, "durations are finite and never negative")
        self.init(milliseconds: Int((seconds * 1_000).rounded()))
    }

    public var seconds: TimeInterval { TimeInterval(milliseconds) / 1_000 }

    public var timeInterval: TimeInterval { seconds }

    /// For `Task.sleep(for:)` and clocks.
    public var duration: Duration { .milliseconds(milliseconds) }

    /// Parses `text`, throwing a `DurationError` whose message quotes it and says what to write.
    /// Whole numbers only (`1m30s`, not `1.5m`): that keeps the value exact and the rule short.
    public static func parse(_ text: String) throws -> DurationValue {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        func fail(_ why: String) -> DurationError {
            DurationError(message: "invalid duration '\(text)': \(why)")
        }
        guard !trimmed.isEmpty else { throw DurationError(message: "empty duration; write e.g. 30s, 5m or 1h30m") }
        if trimmed.hasPrefix("-") { throw fail("durations cannot be negative") }
        if trimmed.allSatisfy({ $0.isASCII && $0.isNumber }) {
            return try DurationValue(milliseconds: scaled(trimmed, by: 1_000, fail))
        }

        var total = 0
        var rest = Substring(trimmed)
        var nextUnit = 0  // index into `units` of the smallest unit still allowed
        while !rest.isEmpty {
            let digits = rest.prefix { $0.isASCII && $0.isNumber }
            if rest.first?.isWhitespace == true { throw fail("spaces are not allowed; write e.g. 1h30m") }
            guard !digits.isEmpty else { throw fail("expected a number at '\(rest)'") }
            rest = rest.dropFirst(digits.count)
            if rest.first?.isWhitespace == true { throw fail("spaces are not allowed; write e.g. 1h30m") }
            let suffix = rest.prefix { $0.isLetter }
            rest = rest.dropFirst(suffix.count)
            if suffix.isEmpty {
                let what = rest.first.map { "unexpected '\($0)'" } ?? "'\(digits)' needs a unit"
                throw fail("\(what); use whole numbers with ms, s, m, h or d, e.g. 1h30m")
            }
            guard let unit = units.firstIndex(where: { $0.suffix == suffix }) else {
                throw fail("unknown unit '\(suffix)'; use ms, s, m, h or d")
            }
            guard unit >= nextUnit else {
                throw fail("unit '\(suffix)' is repeated or out of order; write larger units first, e.g. 1h30m")
            }
            nextUnit = unit + 1
            let (sum, overflow) = total.addingReportingOverflow(try scaled(digits, by: units[unit].milliseconds, fail))
            guard !overflow else { throw fail("too large") }
            total = sum
        }
        return DurationValue(milliseconds: total)
    }

    private static func scaled(
        _ digits: some StringProtocol, by factor: Int, _ fail: (String) -> DurationError
    ) throws -> Int {
        guard let number = Int(digits) else { throw fail("too large") }
        let (product, overflow) = number.multipliedReportingOverflow(by: factor)
        guard !overflow else { throw fail("too large") }
        return product
    }

    /// Compact form, largest units first, zero parts left out: `1h30m`, `250ms`, `0s`.
    public var description: String {
        guard milliseconds > 0 else { return "0s" }
        var remaining = milliseconds
        var text = ""
        for (suffix, size) in Self.units where remaining >= size {
            text += "\(remaining / size)\(suffix)"
            remaining %= size
        }
        return text
    }

    public static func < (lhs: DurationValue, rhs: DurationValue) -> Bool {
        lhs.milliseconds < rhs.milliseconds
    }
}

/// Why a duration did not parse; the message names the text and what to write instead.
public struct DurationError: Error, Sendable, Equatable, CustomStringConvertible {
    public let message: String

    public init(message: String) {
        self.message = message
    }

    public var description: String { message }
}
