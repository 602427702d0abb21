import Foundation

/// A five-field cron expression (minute hour day-of-month month day-of-week) with lists,
/// ranges, steps, month and weekday names, `0`/`7` for Sunday, the `@hourly`, `@daily`,
/// `@weekly`, `@monthly` and `@yearly` shorthands, and cron's rule that a restricted
/// day-of-month and a restricted day-of-week match when either does.
///
/// `next(after:in:)` follows ISC cron across daylight-saving changes, so a daily backup runs
/// once a day whatever the clocks do: a fixed-time job whose time falls into the hour that is
/// skipped in spring runs right after the change, and one whose time comes twice in autumn
/// runs the first time only; jobs with `*` in the minute or hour run at every time that exists.
public struct CronExpression: Sendable, Equatable, CustomStringConvertible {
    public let text: String
    let minute: CronField
    let hour: CronField
    let dayOfMonth: CronField
    let month: CronField
    let dayOfWeek: CronField

    static let shorthands = [
        "@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *", "@monthly": "0 0 1 * *", "@weekly": "0 0 * * 0",
        "@daily": "0 0 * * *", "@midnight": "0 0 * * *", "@hourly": "0 * * * *"
    ]

    public init(_ text: String) throws(CronError) {
        self.text = text
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        var expanded = trimmed
        if trimmed.hasPrefix("@") {
            guard let known = Self.shorthands[trimmed.lowercased()] else {
                throw CronError(
                    expression: text, reason: "unknown shorthand (use @hourly, @daily, @weekly, @monthly or @yearly)")
            }
            expanded = known
        }
        let fields = expanded.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        guard fields.count == 5 else {
            throw CronError(
                expression: text,
                reason: "has \(fields.count) fields; cron needs 5: minute hour day-of-month month day-of-week")
        }
        minute = try CronField(fields[0], .minute)
        hour = try CronField(fields[1], .hour)
        dayOfMonth = try CronField(fields[2], .dayOfMonth)
        month = try CronField(fields[3], .month)
        dayOfWeek = try CronField(fields[4], .dayOfWeek)
        guard
            (1...12).contains(where: { m in
                month.contains(m) && dayOfMonth.values.contains { $0 <= Self.maxDays[m - 1] }
            }) || !dayOfWeek.starred && !dayOfMonth.starred
        else {
            throw CronError(expression: text, reason: "the day of month never occurs in the chosen months")
        }
    }

    public var description: String { text }

    static let maxDays = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]

    /// ISC cron runs these at every existing time, also in the repeated autumn hour.
    var isWildcard: Bool { minute.starred || hour.starred }

    /// The first time strictly after `date` (whole minutes) at which the expression fires, in
    /// `timeZone`'s wall-clock time; nil when it never fires (within nine years).
    public func next(after date: Date, in timeZone: TimeZone = TimeZone(identifier: "UTC")!) -> Date? {
        func offset(_ t: Int) -> Int { timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(t))) }
        var t = Int((date.timeIntervalSince1970 / 60).rounded(.down)) * 60 + 60
        let limit = t + 9 * 366 * 86400
        var previous = (t: t - 60, offset: offset(t - 60))
        while t < limit {
            let current = offset(t)
            if current > previous.offset && !isWildcard {
                // Clocks went forward: a fixed time in the skipped interval runs now, once.
                if stride(from: t + previous.offset, to: t + current, by: 60).contains(where: { matches(wall: $0) }) {
                    return Date(timeIntervalSince1970: TimeInterval(t))
                }
            }
            previous = (t, current)
            let wall = t + current
            let civil = Civil(wall: wall)
            if !matchesDay(civil) {
                t += 86400 - floorMod(wall, 86400)
                continue
            }
            if !hour.contains(civil.hour) {
                t += 3600 - floorMod(wall, 3600)
                continue
            }
            if !minute.contains(civil.minute) || (!isWildcard && isSecondOccurrence(t, current, offset)) {
                t += 60
                continue
            }
            return Date(timeIntervalSince1970: TimeInterval(t))
        }
        return nil
    }

    /// True when the wall time at `t` already happened earlier (clocks went back).
    private func isSecondOccurrence(_ t: Int, _ current: Int, _ offset: (Int) -> Int) -> Bool {
        let before = offset(t - 4 * 3600)
        guard before > current else { return false }
        let earlier = t + current - before
        return earlier < t && offset(earlier) == before
    }

    func matches(wall: Int) -> Bool {
        let civil = Civil(wall: wall)
        return matchesDay(civil) && hour.contains(civil.hour) && minute.contains(civil.minute)
    }

    private func matchesDay(_ civil: Civil) -> Bool {
        guard month.contains(civil.month) else { return false }
        let dom = dayOfMonth.contains(civil.day), dow = dayOfWeek.contains(civil.weekday)
        return dayOfMonth.starred || dayOfWeek.starred ? dom && dow : dom || dow
    }
}

/// Calendar fields of a wall-clock time counted in seconds from 1970-01-01T00:00 (proleptic
/// Gregorian; Howard Hinnant's days-to-civil algorithm), with no time zone involved.
struct Civil {
    let year, month, day, hour, minute, weekday: Int

    init(wall: Int) {
        let days = floorDiv(wall, 86400)
        let seconds = floorMod(wall, 86400)
        hour = seconds / 3600
        minute = seconds % 3600 / 60
        weekday = floorMod(days + 4, 7)  // 1970-01-01 was a Thursday
        let z = days + 719_468
        let era = floorDiv(z, 146_097)
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        day = doy - (153 * mp + 2) / 5 + 1
        month = mp < 10 ? mp + 3 : mp - 9
        year = yoe + era * 400 + (month <= 2 ? 1 : 0)
    }
}

func floorDiv(_ a: Int, _ b: Int) -> Int { a >= 0 ? a / b : -((-a + b - 1) / b) }
func floorMod(_ a: Int, _ b: Int) -> Int { a - floorDiv(a, b) * b }
