import Foundation
import Testing
@testable import LifeboatCore

/// The staleness rule of `lifeboat status`: a backup is stale once a whole slot of its
/// schedule was missed (the second slot after it has come); a scheduled type without a
/// backup is stale; manual backups and BACKUP_ENABLED=false never are.
@Suite struct StatusStalenessTests {
    static let utc = TimeZone(identifier: "UTC")!

    static func date(_ text: String) -> Date {
        try! Date(text, strategy: .iso8601)
    }

    static func stale(_ schedule: String, taken: String?, now: String, zone: TimeZone = utc) throws -> Bool {
        BackupFreshness.isStale(
            newest: taken.map(date), schedule: try CronExpression(schedule), now: date(now), in: zone)
    }

    @Test func dailyBackupTurnsStaleWhenTheSecondSlotAfterItComes() throws {
        // Monday's 03:00 backup: Tuesday's slot may still be running, Wednesday's slot means Tuesday's was missed.
        let taken = "2025-01-20T03:00:05Z"
        #expect(
            BackupFreshness.staleAfter(
                takenAt: Self.date(taken), schedule: try CronExpression("0 3 * * *"), in: Self.utc)
                == Self.date("2025-01-22T03:00:00Z"))
        #expect(try !Self.stale("0 3 * * *", taken: taken, now: "2025-01-20T12:00:00Z"))
        #expect(
            try !Self.stale("0 3 * * *", taken: taken, now: "2025-01-21T03:30:00Z"),
            "the next slot's backup may still be running")
        #expect(try !Self.stale("0 3 * * *", taken: taken, now: "2025-01-22T02:59:59Z"))
        #expect(try Self.stale("0 3 * * *", taken: taken, now: "2025-01-22T03:00:00Z"))
        #expect(try Self.stale("0 3 * * *", taken: taken, now: "2025-03-01T00:00:00Z"))
    }

    @Test func aBackupTakenExactlyOnItsSlotOrJustBeforeIt() throws {
        // On the slot: that slot is its own, the next two follow.
        #expect(try !Self.stale("0 3 * * *", taken: "2025-01-20T03:00:00Z", now: "2025-01-21T23:00:00Z"))
        #expect(try Self.stale("0 3 * * *", taken: "2025-01-20T03:00:00Z", now: "2025-01-22T03:00:00Z"))
        // By hand at 02:00, an hour before the slot: that 03:00 slot counts as the next one.
        #expect(try !Self.stale("0 3 * * *", taken: "2025-01-20T02:00:00Z", now: "2025-01-21T02:59:00Z"))
        #expect(try Self.stale("0 3 * * *", taken: "2025-01-20T02:00:00Z", now: "2025-01-21T03:00:00Z"))
    }

    @Test func weeklyAndMonthlySchedulesGiveAWholePeriodOfGrace() throws {
        // Sunday 2025-01-19 04:00 → stale on Sunday 2025-02-02 04:00.
        #expect(try !Self.stale("0 4 * * 0", taken: "2025-01-19T04:00:07Z", now: "2025-02-02T03:59:00Z"))
        #expect(try Self.stale("0 4 * * 0", taken: "2025-01-19T04:00:07Z", now: "2025-02-02T04:00:00Z"))
        // January's monthly: February's may run late, March's slot means February's was missed.
        #expect(try !Self.stale("0 5 1 * *", taken: "2025-01-01T05:00:30Z", now: "2025-02-28T23:00:00Z"))
        #expect(try Self.stale("0 5 1 * *", taken: "2025-01-01T05:00:30Z", now: "2025-03-01T05:00:00Z"))
    }

    @Test func everyMinuteScheduleAsTheIntegrationTestsUseIt() throws {
        #expect(try !Self.stale("* * * * *", taken: "2025-01-20T10:00:30Z", now: "2025-01-20T10:01:59Z"))
        #expect(try Self.stale("* * * * *", taken: "2025-01-20T10:00:30Z", now: "2025-01-20T10:02:00Z"))
    }

    @Test func slotsAreReadInTheScheduleTimeZone() throws {
        let berlin = try #require(TimeZone(identifier: "Europe/Berlin"))
        // 03:00 in Berlin is 02:00Z in winter: taken 2025-01-20 02:00:10Z, stale at 2025-01-22 02:00Z.
        #expect(try !Self.stale("0 3 * * *", taken: "2025-01-20T02:00:10Z", now: "2025-01-22T01:59:00Z", zone: berlin))
        #expect(try Self.stale("0 3 * * *", taken: "2025-01-20T02:00:10Z", now: "2025-01-22T02:00:00Z", zone: berlin))
    }

    @Test func noBackupOfAScheduledTypeIsStale() throws {
        #expect(try Self.stale("0 5 1 * *", taken: nil, now: "2025-01-01T00:00:00Z"))
    }

    static func configuration(_ values: [String: String]) async throws -> LifeboatConfiguration {
        try await LifeboatConfiguration.load(environment: values.merging(["LIFEBOAT_ENV_FILE": "/dev/null"]) { $1 })
    }

    static func entry(_ file: String, size: Int64 = 100) -> BackupInventory.Entry {
        BackupInventory.Entry(
            name: BackupName(fileName: file)!, path: URL(fileURLWithPath: "/backups/\(file)"), size: size,
            manifest: nil, manifestProblem: nil)
    }

    @Test func probeMarksOnlyScheduledTypesAndNeverManualOnes() async throws {
        let configuration = try await Self.configuration(["BACKUP_DAILY_SCHEDULE": "0 3 * * *"])
        let probe = SystemStatusProbe(configuration: configuration, now: Self.date("2025-01-25T12:00:00Z"))
        let entries = [
            Self.entry("backup_daily_20250125T030002Z.sql.gz"), Self.entry("backup_daily_20250101T030002Z.sql.gz"),
            Self.entry("backup_weekly_20250105T040002Z.sql.gz"), Self.entry("backup_manual_20200101T000000Z.sql")
        ]
        let types = probe.backupTypes(entries, jobs: try ScheduledJob.configured(configuration), zone: Self.utc)
        let byType = Dictionary(uniqueKeysWithValues: types.map { ($0.type, $0) })
        #expect(byType[.daily]?.stale == false, "the newest daily counts, not an old one")
        #expect(byType[.daily]?.newest?.name == "backup_daily_20250125T030002Z.sql.gz")
        #expect(byType[.daily]?.staleAfter == Self.date("2025-01-27T03:00:00Z"))
        #expect(byType[.weekly]?.stale == true)
        #expect(byType[.weekly]?.missedSlot == Self.date("2025-01-12T04:00:00Z"))
        #expect(byType[.monthly]?.stale == true && byType[.monthly]?.newest == nil, "none at all")
        #expect(byType[.manual]?.stale == false && byType[.manual]?.job == nil, "five years old, but manual")
        let problems = types.filter(\.stale).map {
            probe.staleProblem($0, directory: URL(fileURLWithPath: "/backups"), zone: Self.utc)
        }
        #expect(problems.count == 2)
        #expect(
            problems[0].contains("weekly backups are stale") && problems[0].contains("2025-01-12 04:00 UTC"),
            "\(problems[0])")
        #expect(
            problems[1].contains("monthly") && problems[1].contains("lifeboat backup --type monthly"), "\(problems[1])")
    }

    @Test func nothingIsStaleWhenBackupsAreDisabled() async throws {
        let configuration = try await Self.configuration(["BACKUP_ENABLED": "false"])
        let probe = SystemStatusProbe(configuration: configuration, now: Self.date("2025-01-25T12:00:00Z"))
        let types = probe.backupTypes([], jobs: try ScheduledJob.configured(configuration), zone: Self.utc)
        #expect(types.count == 4)
        #expect(types.allSatisfy { !$0.stale && $0.job == nil })
    }
}
