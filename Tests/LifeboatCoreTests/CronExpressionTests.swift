import Foundation
import Testing
@testable import LifeboatCore

/// Next-fire times for a table of expressions, including month ends, leap days, cron's
/// day-of-month OR day-of-week rule and daylight-saving changes, and the rejections.
@Suite struct CronExpressionTests {
    struct Case: CustomTestStringConvertible, Sendable {
        let expression: String
        let after: String
        let expected: String
        var zone = "UTC"
        var testDescription: String { "\(expression) after \(after) in \(zone)" }
    }

    static let cases: [Case] = [
        Case(expression: "0 3 * * *", after: "2025-01-18T02:59:00Z", expected: "2025-01-18T03:00:00Z"),
        Case(expression: "0 3 * * *", after: "2025-01-18T03:00:00Z", expected: "2025-01-19T03:00:00Z"),
        Case(expression: "0 4 * * 0", after: "2025-01-18T12:00:00Z", expected: "2025-01-19T04:00:00Z"),
        Case(expression: "0 4 * * 7", after: "2025-01-18T12:00:00Z", expected: "2025-01-19T04:00:00Z"),
        Case(expression: "0 4 * * SUN", after: "2025-01-18T12:00:00Z", expected: "2025-01-19T04:00:00Z"),
        Case(expression: "0 5 1 * *", after: "2025-01-18T00:00:00Z", expected: "2025-02-01T05:00:00Z"),
        Case(expression: "0 6 * * 0", after: "2025-01-19T06:00:00Z", expected: "2025-01-26T06:00:00Z"),
        Case(expression: "*/15 * * * *", after: "2025-01-18T10:07:00Z", expected: "2025-01-18T10:15:00Z"),
        Case(expression: "*/15 * * * *", after: "2025-01-18T10:07:59Z", expected: "2025-01-18T10:15:00Z"),
        Case(expression: "0 0 29 2 *", after: "2025-03-01T00:00:00Z", expected: "2028-02-29T00:00:00Z"),
        Case(expression: "0 0 29 2 *", after: "2096-03-01T00:00:00Z", expected: "2104-02-29T00:00:00Z"),
        Case(expression: "0 0 28-31 2 *", after: "2024-02-28T01:00:00Z", expected: "2024-02-29T00:00:00Z"),
        Case(expression: "0 0 31 * *", after: "2025-04-01T00:00:00Z", expected: "2025-05-31T00:00:00Z"),
        Case(expression: "0 0 30 * *", after: "2025-01-31T00:00:00Z", expected: "2025-03-30T00:00:00Z"),
        Case(expression: "0 12 * * mon-fri", after: "2025-01-17T13:00:00Z", expected: "2025-01-20T12:00:00Z"),
        Case(expression: "0 0 1,15 * *", after: "2025-01-02T00:00:00Z", expected: "2025-01-15T00:00:00Z"),
        Case(expression: "0 0 13 * 5", after: "2025-01-01T00:00:00Z", expected: "2025-01-03T00:00:00Z"),
        Case(expression: "0 0 13 * 5", after: "2025-01-10T00:00:00Z", expected: "2025-01-13T00:00:00Z"),
        Case(expression: "0 0 */10 * *", after: "2025-01-22T00:00:00Z", expected: "2025-01-31T00:00:00Z"),
        Case(expression: "0 0 */10 * 1", after: "2025-01-01T00:00:00Z", expected: "2025-03-31T00:00:00Z"),
        // 1/2 is 1-7/2 = Monday, Wednesday, Friday and 7 (Sunday), as in Vixie cron.
        Case(expression: "0 0 * * 1/2", after: "2025-01-18T00:00:00Z", expected: "2025-01-19T00:00:00Z"),
        Case(expression: "30 2 * jan,jul *", after: "2025-02-01T00:00:00Z", expected: "2025-07-01T02:30:00Z"),
        Case(expression: "0 0 1 JAN *", after: "2025-06-01T00:00:00Z", expected: "2026-01-01T00:00:00Z"),
        Case(expression: "5-10/2 * * * *", after: "2025-01-18T10:06:00Z", expected: "2025-01-18T10:07:00Z"),
        Case(expression: "5-10/2 * * * *", after: "2025-01-18T10:09:00Z", expected: "2025-01-18T11:05:00Z"),
        Case(expression: "59 23 31 12 *", after: "2025-12-31T23:58:00Z", expected: "2025-12-31T23:59:00Z"),
        Case(expression: "0 0 * * *", after: "2025-12-31T23:59:30Z", expected: "2026-01-01T00:00:00Z"),
        Case(expression: "@daily", after: "2025-01-18T10:00:00Z", expected: "2025-01-19T00:00:00Z"),
        Case(expression: "@midnight", after: "2025-01-18T10:00:00Z", expected: "2025-01-19T00:00:00Z"),
        Case(expression: "@hourly", after: "2025-01-18T10:30:00Z", expected: "2025-01-18T11:00:00Z"),
        Case(expression: "@weekly", after: "2025-01-18T10:00:00Z", expected: "2025-01-19T00:00:00Z"),
        Case(expression: "@monthly", after: "2025-01-31T12:00:00Z", expected: "2025-02-01T00:00:00Z"),
        Case(expression: "@yearly", after: "2025-06-01T00:00:00Z", expected: "2026-01-01T00:00:00Z"),
        Case(expression: "@annually", after: "2025-06-01T00:00:00Z", expected: "2026-01-01T00:00:00Z"),
        // New York springs forward 2025-03-09 02:00 EST → 03:00 EDT: 02:30 never happens and
        // runs right after the change, once; the next day it is back at 02:30.
        Case(
            expression: "30 2 * * *", after: "2025-03-09T06:00:00Z", expected: "2025-03-09T07:00:00Z",
            zone: "America/New_York"),
        Case(
            expression: "30 2 * * *", after: "2025-03-09T07:00:00Z", expected: "2025-03-10T06:30:00Z",
            zone: "America/New_York"),
        Case(
            expression: "0 3 * * *", after: "2025-03-09T06:00:00Z", expected: "2025-03-09T07:00:00Z",
            zone: "America/New_York"),
        Case(
            expression: "0 4 * * *", after: "2025-03-09T06:00:00Z", expected: "2025-03-09T08:00:00Z",
            zone: "America/New_York"),
        Case(
            expression: "*/30 * * * *", after: "2025-03-09T06:45:00Z", expected: "2025-03-09T07:00:00Z",
            zone: "America/New_York"),
        // New York falls back 2025-11-02 02:00 EDT → 01:00 EST: 01:30 comes twice and runs the
        // first time only; jobs with * in the hour run at every existing time.
        Case(
            expression: "30 1 * * *", after: "2025-11-02T04:00:00Z", expected: "2025-11-02T05:30:00Z",
            zone: "America/New_York"),
        Case(
            expression: "30 1 * * *", after: "2025-11-02T05:30:00Z", expected: "2025-11-03T06:30:00Z",
            zone: "America/New_York"),
        Case(
            expression: "0 3 * * *", after: "2025-11-02T04:00:00Z", expected: "2025-11-02T08:00:00Z",
            zone: "America/New_York"),
        Case(
            expression: "*/30 * * * *", after: "2025-11-02T05:45:00Z", expected: "2025-11-02T06:00:00Z",
            zone: "America/New_York"),
        Case(
            expression: "15 * * * *", after: "2025-11-02T05:20:00Z", expected: "2025-11-02T06:15:00Z",
            zone: "America/New_York"),
        // London springs forward 2025-03-30 01:00 GMT → 02:00 BST, falls back 2025-10-26.
        Case(
            expression: "0 3 * * *", after: "2025-03-30T00:30:00Z", expected: "2025-03-30T02:00:00Z",
            zone: "Europe/London"),
        Case(
            expression: "30 1 * * *", after: "2025-03-30T00:00:00Z", expected: "2025-03-30T01:00:00Z",
            zone: "Europe/London"),
        Case(
            expression: "30 1 * * *", after: "2025-10-26T00:00:00Z", expected: "2025-10-26T00:30:00Z",
            zone: "Europe/London"),
        Case(
            expression: "30 1 * * *", after: "2025-10-26T00:30:00Z", expected: "2025-10-27T01:30:00Z",
            zone: "Europe/London"),
        // A half-hour offset, and a weekday name range across the week's end.
        Case(
            expression: "0 0 * * *", after: "2025-01-01T00:00:00Z", expected: "2025-01-01T18:30:00Z",
            zone: "Asia/Kolkata"),
        Case(expression: "0 9 * * fri-sat", after: "2025-01-18T10:00:00Z", expected: "2025-01-24T09:00:00Z")
    ]

    static func date(_ text: String) -> Date { ISO8601DateFormatter().date(from: text)! }

    @Test(arguments: cases)
    func nextFire(_ item: Case) throws {
        let expression = try CronExpression(item.expression)
        let zone = try #require(TimeZone(identifier: item.zone))
        let next = expression.next(after: Self.date(item.after), in: zone)
        #expect(
            next == Self.date(item.expected), "got \(next.map { ISO8601DateFormatter().string(from: $0) } ?? "nil")")
    }

    static let invalid: [(String, String)] = [
        ("60 * * * *", "minute field '60': 60 is outside 0-59"),
        ("* 24 * * *", "hour field '24': 24 is outside 0-23"),
        ("* * 0 * *", "day of month field '0': 0 is outside 1-31"),
        ("* * * 13 *", "month field '13': 13 is outside 1-12"),
        ("* * * * 8", "day of week field '8': 8 is outside 0-7"),
        ("* * * *", "has 4 fields; cron needs 5"),
        ("* * * * * *", "has 6 fields"),
        ("*/0 * * * *", "the step '0' must be a whole number above 0"),
        ("5-1 * * * *", "the range 5-1 runs backwards"),
        ("@reboot", "unknown shorthand"),
        ("a * * * *", "'a' is not a number"),
        ("1,,2 * * * *", "an empty item in a list"),
        ("* * * foo *", "'foo' is not a number or a name (jan…dec)"),
        ("0 0 30 2 *", "the day of month never occurs in the chosen months"),
        ("0 0 31 4,6 *", "never occurs")
    ]

    @Test(arguments: invalid)
    func rejects(_ expression: String, _ reason: String) {
        #expect(throws: CronError.self) { try CronExpression(expression) }
        do {
            _ = try CronExpression(expression)
        } catch {
            #expect(error.description.contains(reason), "\(error.description)")
        }
    }

    @Test func dailyAcrossAYearOfDaylightSavingFiresOncePerDay() throws {
        let expression = try CronExpression("30 1 * * *")
        let zone = try #require(TimeZone(identifier: "America/New_York"))
        var date = Self.date("2025-01-01T00:00:00Z")
        var fires = 0
        while let next = expression.next(after: date, in: zone), next < Self.date("2026-01-01T00:00:00Z") {
            fires += 1
            date = next
        }
        #expect(fires == 365)
    }
}

@Suite struct ScheduledJobTests {
    @Test func slotsMissedDuringDowntimeCollapseIntoTheNewest() throws {
        let job = ScheduledJob(
            name: "every-minute", schedule: try CronExpression("* * * * *"), arguments: [], summary: "",
            queue: ScheduledJob.queue)
        let utc = TimeZone(identifier: "UTC")!
        let lastRun = CronExpressionTests.date("2025-01-18T03:00:00Z")
        #expect(
            job.latestSlot(after: lastRun, notAfter: CronExpressionTests.date("2025-01-18T03:10:30Z"), in: utc)
                == CronExpressionTests.date("2025-01-18T03:10:00Z"), "ten missed slots, one run")
        #expect(
            job.latestSlot(after: lastRun, notAfter: CronExpressionTests.date("2025-01-18T03:00:59Z"), in: utc) == nil,
            "nothing due yet")
    }

    @Test func theSeedJobTableWithItsDefaults() async throws {
        let configuration = try await LifeboatConfiguration.load(environment: [:], environmentFile: "/dev/null")
        let jobs = try ScheduledJob.configured(configuration)
        #expect(
            jobs.map(\.name) == [
                "database-backup-daily", "database-backup-weekly", "database-backup-monthly",
                "database-backup-verification", "database-backup-cleanup"
            ])
        #expect(jobs.map(\.schedule.text) == ["0 3 * * *", "0 4 * * 0", "0 5 1 * *", "0 6 * * 0", "0 7 * * 0"])
        #expect(jobs.allSatisfy { $0.queue == "maintenance" })
        let off = try await LifeboatConfiguration.load(
            environment: ["BACKUP_ENABLED": "false", "LIFEBOAT_DRILL_SCHEDULE": "0 2 * * 6"],
            environmentFile: "/dev/null")
        #expect(try ScheduledJob.configured(off).map(\.name) == ["runbook-drill"])
        let bad = try await LifeboatConfiguration.load(
            environment: ["BACKUP_DAILY_SCHEDULE": "0 25 * * *"], environmentFile: "/dev/null")
        #expect(throws: LifeboatError.self) { try ScheduledJob.configured(bad) }
    }
}
