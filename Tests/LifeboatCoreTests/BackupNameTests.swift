import Foundation
import Testing
@testable import LifeboatCore

@Suite struct BackupNameTests {
    @Test(arguments: [
        ("backup_daily_20250118T030000Z.sql.gz", BackupType.daily, true, false),
        ("backup_weekly_20250119T040001Z.sql.gz.gpg", .weekly, true, true),
        ("backup_monthly_20250101T050000Z.sql", .monthly, false, false),
        ("backup_manual_20251231T235959Z.sql.gpg", .manual, false, true)
    ])
    func parsesAndRebuildsFullNames(name: String, type: BackupType, compressed: Bool, encrypted: Bool) throws {
        let parsed = try #require(BackupName(fileName: name))
        #expect(parsed.type == type)
        #expect(parsed.compressed == compressed)
        #expect(parsed.encrypted == encrypted)
        #expect(parsed.fileName == name)
        #expect(parsed.manifestName == name + ".manifest.json")
    }

    @Test func seedDateOnlyNamesAreMidnightUTC() throws {
        let parsed = try #require(BackupName(fileName: "backup_daily_20250118.sql.gz"))
        #expect(parsed.dateOnly)
        #expect(BackupName.format(parsed.timestamp) == "20250118T000000Z")
        #expect(parsed.fileName == "backup_daily_20250118.sql.gz")
    }

    @Test(arguments: [
        "notes.txt", "backup_daily_garbage.sql", "backup_hourly_20250118T030000Z.sql",
        "backup_daily_20250231T030000Z.sql", "backup_daily_20250118T250000Z.sql",
        "backup_daily_20250118T030000Z.sql.bz2",
        "backup_daily_20250118T030000Z.sql.gz.tmp", ".backup_daily_20250118T030000Z.sql.gz.partial",
        "backup_daily_20250118T030000Z.sql.gz.manifest.json", "backup_daily__20250118T030000Z.sql",
        "backup_daily_2025011T030000Z.sql", "xbackup_daily_20250118T030000Z.sql"
    ])
    func rejectsEverythingElse(name: String) {
        #expect(BackupName(fileName: name) == nil)
    }

    @Test func formatsUTC() {
        let date = Date(timeIntervalSince1970: 1_737_169_200.75)  // 2025-01-18T03:00:00.75Z
        let name = BackupName(type: .daily, timestamp: date, compressed: true, encrypted: false)
        #expect(name.fileName == "backup_daily_20250118T030000Z.sql.gz")
    }
}
