import Foundation
import Testing
@testable import LifeboatCore

/// The retention footprint `lifeboat status` projects: average size × retention count per
/// type, against free space plus what the backups take now.
@Suite struct StatusFootprintTests {
    static func entry(_ file: String, _ size: Int64) -> BackupInventory.Entry {
        BackupInventory.Entry(
            name: BackupName(fileName: file)!, path: URL(fileURLWithPath: "/backups/\(file)"), size: size,
            manifest: nil, manifestProblem: nil)
    }

    static let entries = [
        entry("backup_daily_20250125T030000Z.sql.gz", 100), entry("backup_daily_20250124T030000Z.sql.gz", 300),
        entry("backup_weekly_20250119T040000Z.sql.gz", 1000), entry("backup_manual_20250101T000000Z.sql", 5000)
    ]

    @Test func averageTimesRetentionPerTypeAndTheTotal() throws {
        let footprint = RetentionFootprint(
            entries: Self.entries, retention: .seedDefaults, scheduled: [.daily, .weekly, .monthly],
            freeBytes: 1_000_000)
        let shares = Dictionary(uniqueKeysWithValues: footprint.shares.map { ($0.type, $0) })
        #expect(
            shares[.daily]?.averageBytes == 200 && shares[.daily]?.projectedBytes == 1400 && shares[.daily]?.count == 2)
        #expect(shares[.weekly]?.projectedBytes == 4000)
        // No monthly yet: the average of all backups (6400 / 4 = 1600) × 12.
        #expect(shares[.monthly]?.averageSource == "all backups" && shares[.monthly]?.projectedBytes == 19_200)
        // Manual keeps everything: what it takes now.
        #expect(shares[.manual]?.retention == nil && shares[.manual]?.projectedBytes == 5000)
        #expect(footprint.currentBytes == 6400)
        #expect(footprint.projectedBytes == Int64(1400 + 4000 + 19_200 + 5000))
        #expect(footprint.availableBytes == 1_006_400)
        #expect(footprint.headroomBytes == Int64(1_006_400 - 29_600))
        #expect(footprint.fits == true)
    }

    @Test func doesNotFitWhenFreeSpacePlusCurrentBackupsIsTooSmall() throws {
        let footprint = RetentionFootprint(
            entries: Self.entries, retention: .seedDefaults, scheduled: [.daily, .weekly, .monthly],
            freeBytes: 20_000)
        #expect(footprint.availableBytes == 26_400)
        #expect(footprint.headroomBytes == -3200)
        #expect(footprint.fits == false)
    }

    @Test func unscheduledTypesWithoutBackupsCountAsNothingAndUnknownsStayUnknown() throws {
        var policy = RetentionPolicy.seedDefaults
        policy.limits[.manual] = 3
        let none = RetentionFootprint(
            entries: [Self.entry("backup_daily_20250125T030000Z.sql.gz", 100)], retention: policy,
            scheduled: [], freeBytes: nil)
        let shares = Dictionary(uniqueKeysWithValues: none.shares.map { ($0.type, $0) })
        #expect(
            shares[.weekly]?.projectedBytes == 0 && shares[.manual]?.projectedBytes == 0,
            "BACKUP_ENABLED=false: none will come")
        #expect(none.projectedBytes == 700)
        #expect(none.availableBytes == nil && none.fits == nil, "free space unknown")

        let empty = RetentionFootprint(
            entries: [], retention: .seedDefaults, scheduled: [.daily, .weekly, .monthly], freeBytes: 10)
        #expect(empty.projectedBytes == nil && empty.fits == nil, "nothing to average before the first backup")
    }

    @Test func hugeRetentionCountsSaturateInsteadOfOverflowing() throws {
        let policy = RetentionPolicy(limits: [.daily: Int.max, .weekly: 4, .monthly: 12, .manual: nil])
        let footprint = RetentionFootprint(entries: Self.entries, retention: policy, scheduled: [.daily], freeBytes: 10)
        #expect(footprint.projectedBytes == .max)
        #expect(footprint.fits == false)
    }
}
