import Foundation
import Testing
@testable import LifeboatCore

/// Free space, the size estimate and its sources, the threshold in decimal gigabytes.
@Suite struct DiskSpaceCheckTests {
    static func folder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("lifeboat-disk-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    @Test func freeBytesOfAFolderAndAnErrorForAMissingOne() throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        #expect(try DiskSpace.freeBytes(at: folder) > 0)
        let error = #expect(throws: LifeboatError.self) {
            try DiskSpace.freeBytes(at: folder.appendingPathComponent("missing"))
        }
        #expect(error?.stage == "disk space")
    }

    @Test func estimateComesFromTheNewestBackupOfTheTypeElseTheDatabase() throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let empty = DiskSpaceCheck.estimate(type: .daily, compressed: true, in: folder, databaseSize: 4242)
        #expect(empty?.bytes == 4242)
        #expect(empty?.source.contains("pg_database_size") == true)
        #expect(DiskSpaceCheck.estimate(type: .daily, compressed: true, in: folder, databaseSize: nil) == nil)

        // No manifest: the file's own size.
        try Data(count: 10).write(to: folder.appendingPathComponent("backup_daily_20250101T000000Z.sql.gz"))
        try Data(count: 20).write(to: folder.appendingPathComponent("backup_daily_20250102T000000Z.sql.gz"))
        try Data(count: 99).write(to: folder.appendingPathComponent("backup_weekly_20250103T000000Z.sql.gz"))
        let daily = DiskSpaceCheck.estimate(type: .daily, compressed: true, in: folder, databaseSize: 4242)
        #expect(
            daily
                == .init(bytes: 20, source: "the size of the newest daily backup, backup_daily_20250102T000000Z.sql.gz")
        )
        // No monthly yet: the newest backup written the same way stands in.
        let monthly = DiskSpaceCheck.estimate(type: .monthly, compressed: true, in: folder, databaseSize: 4242)
        #expect(monthly?.bytes == 99)
        #expect(
            DiskSpaceCheck.estimate(type: .monthly, compressed: false, in: folder, databaseSize: 4242)?.bytes == 4242)
    }

    @Test func refusalNamesFreeSpaceEstimateSourceAndRemedies() throws {
        let outcome = DiskSpaceCheck.Outcome(
            directory: URL(fileURLWithPath: "/backups"), freeBytes: 2_000_000_000, thresholdBytes: 10_000_000_000,
            estimate: .init(bytes: 5_300_000_000, source: "file_bytes in the manifest of the newest daily backup, b"))
        #expect(outcome.isLow && !outcome.fits)
        let error = try #require(DiskSpaceCheck.refusal(outcome, type: .daily))
        #expect(
            error.message.contains(
                "2.0 GB free, about 5.3 GB needed (estimated from file_bytes in the manifest of the newest daily backup, b)"
            ))
        #expect(error.message.contains("/backups"))
        #expect(error.hint?.contains("lifeboat prune") == true && error.hint?.contains("BACKUP_DIR") == true)
        let fits = DiskSpaceCheck.Outcome(
            directory: outcome.directory, freeBytes: 6_000_000_000, thresholdBytes: 0, estimate: outcome.estimate)
        #expect(DiskSpaceCheck.refusal(fits, type: .daily) == nil)
        #expect(
            DiskSpaceCheck.warning(outcome).contains(
                "/backups has 2.0 GB free, below BACKUP_DISK_MIN_FREE_GB (10.0 GB)"))
    }

    @Test func thresholdAcceptsDecimalGigabytes() async throws {
        func threshold(_ value: String) async throws -> Int64 {
            try DiskSpaceCheck(
                configuration: try await LifeboatConfiguration.load(
                    environment: ["BACKUP_DISK_MIN_FREE_GB": value], environmentFile: "/dev/null")
            ).thresholdBytes
        }
        #expect(try await threshold("0.5") == 500_000_000)
        #expect(try await threshold("10") == 10_000_000_000)
        await #expect(throws: LifeboatError.self) { try await threshold("ten") }
    }
}
