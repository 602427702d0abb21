import Foundation
import Testing
import LifeboatStreams
@testable import LifeboatCore

/// The size-anomaly arithmetic (median, band, direction), which earlier backups it compares
/// with, its settings, and the empty-dump refusal.
@Suite struct SizeAnomalyTests {
    // MARK: arithmetic

    @Test(arguments: [
        ([5] as [Int64], 5.0),
        ([3, 1, 2], 2.0),
        ([4, 1, 3, 2], 2.5),
        ([10, 10, 1_000_000], 10.0),  // one outlier does not move it
        ([7, 3, 3, 9, 100, 8], 7.5)
    ])
    func medianIsTheMiddleOrTheMeanOfTheTwoMiddles(values: [Int64], expected: Double) {
        #expect(SizeAnomaly.median(values) == expected)
    }

    @Test func bandIsAPercentageEitherSideOfTheMedian() {
        #expect(SizeAnomaly.bounds(median: 1000, bandPercent: 50) == 500...1500)
        #expect(SizeAnomaly.bounds(median: 1000, bandPercent: 10) == 900...1100)
        #expect(SizeAnomaly.bounds(median: 200, bandPercent: 12.5) == 175...225)
    }

    @Test(arguments: [
        (Int64(499), SizeAnomaly.Direction?.some(.smaller)),
        (500, nil),  // the bounds themselves pass
        (1000, nil),
        (1500, nil),
        (1501, .larger),
        (1, .smaller),
        (10_000, .larger)
    ])
    func directionOutsideTheBandOnly(bytes: Int64, expected: SizeAnomaly.Direction?) {
        #expect(SizeAnomaly.direction(of: bytes, median: 1000, bandPercent: 50) == expected)
    }

    // MARK: which backups are compared

    static let start = Date(timeIntervalSince1970: 1_737_169_200)  // 2025-01-18T03:00:00Z

    static func name(_ day: Int, _ type: BackupType = .daily, compressed: Bool = true, encrypted: Bool = false)
        -> BackupName
    {
        BackupName(
            type: type, timestamp: start.addingTimeInterval(Double(day) * 86_400), compressed: compressed,
            encrypted: encrypted)
    }

    static func manifest(_ name: BackupName, dump: Int64, file: Int64, database: String = "app") -> BackupManifest {
        BackupManifest(
            toolVersion: "test", fileName: name.fileName, type: name.type, database: database, serverVersion: "15",
            pgDumpVersion: "15", pgDumpPath: "/usr/bin/pg_dump", startedAt: name.timestamp, finishedAt: name.timestamp,
            dumpBytes: dump, fileBytes: file, sha256: "", compression: name.compressed ? "gzip" : nil, encryption: nil,
            tables: [RowCountTap.TableCount(schema: "public", name: "t", rows: 1)], verification: nil)
    }

    /// An earlier backup; `dump: nil` leaves it without a manifest.
    static func entry(_ name: BackupName, dump: Int64?, file: Int64, database: String = "app") -> BackupInventory.Entry
    {
        BackupInventory.Entry(
            name: name, path: URL(fileURLWithPath: "/backups/\(name.fileName)"), size: file,
            manifest: dump.map { manifest(name, dump: $0, file: file, database: database) }, manifestProblem: nil)
    }

    @Test func aMuchSmallerDumpIsJudgedAgainstTheLastWindowByDumpBytes() throws {
        // Compression varies, dump_bytes does not: all five count.
        let earlier = (0..<5).map {
            Self.entry(Self.name($0, compressed: $0 % 2 == 0), dump: 3_000_000 + Int64($0) * 10_000, file: 800_000)
        }
        let new = Self.name(5)
        let anomaly = try #require(
            SizeAnomaly.assess(
                Self.manifest(new, dump: 1_000_000, file: 250_000), name: new,
                among: earlier, settings: .init(window: 3, bandPercent: 50)))
        #expect(anomaly.measure == .dumpBytes)
        #expect(
            anomaly.compared
                == [Self.name(4, compressed: true), Self.name(3, compressed: false), Self.name(2)].map(\.fileName),
            "the newest three, newest first")
        #expect(anomaly.median == 3_030_000)
        #expect(anomaly.bytes == 1_000_000)
        #expect(anomaly.low == 1_515_000 && anomaly.high == 4_545_000)
        #expect(anomaly.direction == .smaller)
        #expect(anomaly.difference == "67% smaller")
        #expect(anomaly.otherDatabases.isEmpty)
        #expect(
            anomaly.warning.hasPrefix(
                "backup size anomaly: \(new.fileName) is 1.0 MB of SQL, 67% smaller than the median of the last 3 daily backups (3.0 MB); the band is ±50% (1.5 MB to 4.5 MB, BACKUP_SIZE_ANOMALY_BAND)."
            ),
            "\(anomaly.warning)")
        #expect(anomaly.warning.contains("DATABASE_URL"))

        let normal = Self.name(5)
        #expect(
            SizeAnomaly.assess(
                Self.manifest(normal, dump: 2_900_000, file: 780_000), name: normal, among: earlier,
                settings: .standard) == nil)
    }

    @Test func fewerThanThreeEarlierBackupsOfTheTypeGiveNoJudgement() {
        let earlier = [
            Self.entry(Self.name(0), dump: 3_000_000, file: 800_000),
            Self.entry(Self.name(1), dump: 3_000_000, file: 800_000),
            // other types, a newer one and an empty file never count
            Self.entry(Self.name(2, .weekly), dump: 3_000_000, file: 800_000),
            Self.entry(Self.name(3, .manual), dump: 3_000_000, file: 800_000),
            Self.entry(Self.name(9), dump: 3_000_000, file: 800_000),
            Self.entry(Self.name(4), dump: nil, file: 0)
        ]
        let new = Self.name(5)
        #expect(
            SizeAnomaly.assess(Self.manifest(new, dump: 10, file: 10), name: new, among: earlier, settings: .standard)
                == nil)
    }

    @Test func withoutManifestsOnlyFilesEncodedTheSameWayCompareBySize() throws {
        var earlier = (0..<3).map {
            Self.entry(Self.name($0, compressed: true, encrypted: true), dump: nil, file: 100_000)
        }
        earlier += (3..<6).map { Self.entry(Self.name($0, compressed: false), dump: nil, file: 3_000_000) }
        let new = Self.name(6, compressed: true, encrypted: true)
        let anomaly = try #require(
            SizeAnomaly.assess(
                Self.manifest(new, dump: 3_000_000, file: 400_000), name: new,
                among: earlier, settings: .standard))
        #expect(anomaly.measure == .fileBytes)
        #expect(anomaly.compared.count == 3 && anomaly.compared.allSatisfy { $0.hasSuffix(".sql.gz.gpg") })
        #expect(anomaly.median == 100_000 && anomaly.bytes == 400_000)
        #expect(anomaly.direction == .larger)
        #expect(anomaly.difference == "300% larger")
        #expect(
            anomaly.warning.contains(
                " is 400.0 kB, 300% larger than the median of the last 3 daily backups (100.0 kB)"),
            "\(anomaly.warning)")

        // Uncompressed, it has only two file sizes like it: no judgement.
        let plain = Self.name(6, compressed: false)
        earlier.removeLast()
        #expect(
            SizeAnomaly.assess(
                Self.manifest(plain, dump: 10, file: 10), name: plain, among: earlier, settings: .standard) == nil)
    }

    @Test func aBackupOfAnotherDatabaseSaysSo() throws {
        let earlier = (0..<4).map { Self.entry(Self.name($0), dump: 3_000_000, file: 800_000, database: "app") }
        let new = Self.name(4)
        let anomaly = try #require(
            SizeAnomaly.assess(
                Self.manifest(new, dump: 9_000, file: 2_000, database: "postgres"), name: new,
                among: earlier, settings: .standard))
        #expect(anomaly.otherDatabases == ["app"])
        #expect(anomaly.difference == "99% smaller", "something is left, so never 100%")
        #expect(
            anomaly.warning.contains("This backup is of database 'postgres', earlier ones of 'app'."),
            "\(anomaly.warning)")
    }

    @Test func windowZeroTurnsTheCheckOff() {
        let earlier = (0..<4).map { Self.entry(Self.name($0), dump: 3_000_000, file: 800_000) }
        let new = Self.name(4)
        #expect(
            SizeAnomaly.assess(
                Self.manifest(new, dump: 1, file: 1), name: new, among: earlier,
                settings: .init(window: 0, bandPercent: 50)) == nil)
    }

    @Test func eventDetailsCarryTheFigures() throws {
        let earlier = (0..<3).map { Self.entry(Self.name($0), dump: 3_000_000, file: 800_000) }
        let new = Self.name(3)
        let anomaly = try #require(
            SizeAnomaly.assess(
                Self.manifest(new, dump: 1_000_000, file: 250_000), name: new,
                among: earlier, settings: .standard))
        let details = BackupEvents.sizeAnomaly(anomaly, path: URL(fileURLWithPath: "/backups/\(new.fileName)"))
        #expect(details["bytes"] == 1_000_000 && details["median"] == 3_000_000 && details["window"] == 3)
        #expect(details["band"] == 50 && details["direction"] == "smaller" && details["measure"] == "dump_bytes")
        #expect(details["low"] == 1_500_000 && details["high"] == 4_500_000)
        #expect(
            EventText.line(for: LifeboatEvent(.backupSizeAnomaly, details: details, host: "h"))
                == ":warning: backup.size_anomaly on h: \(new.fileName) is 1.0 MB, smaller than the median of the last 3 (3.0 MB)"
        )
    }

    // MARK: settings

    @Test(arguments: [
        ([:] as [String: String], SizeAnomaly.Settings?.some(.standard)),
        (["BACKUP_SIZE_ANOMALY_WINDOW": "0"], SizeAnomaly.Settings(window: 0, bandPercent: 50)),
        (
            ["BACKUP_SIZE_ANOMALY_WINDOW": "3", "BACKUP_SIZE_ANOMALY_BAND": "25%"],
            SizeAnomaly.Settings(window: 3, bandPercent: 25)
        ),
        (["BACKUP_SIZE_ANOMALY_BAND": " 12.5 "], SizeAnomaly.Settings(window: 7, bandPercent: 12.5)),
        (["BACKUP_SIZE_ANOMALY_WINDOW": "2"], nil),
        (["BACKUP_SIZE_ANOMALY_WINDOW": "-1"], nil),
        (["BACKUP_SIZE_ANOMALY_BAND": "0"], nil),
        (["BACKUP_SIZE_ANOMALY_BAND": "100"], nil),
        (["BACKUP_SIZE_ANOMALY_BAND": "0.5x"], nil)
    ])
    func settingsAreReadAndChecked(environment: [String: String], expected: SizeAnomaly.Settings?) async throws {
        let configuration = try await LifeboatConfiguration.load(environment: environment, environmentFile: "/dev/null")
        if let expected {
            #expect(try SizeAnomaly.Settings(configuration: configuration) == expected)
        } else {
            let error = try #require(throws: LifeboatError.self) {
                try SizeAnomaly.Settings(configuration: configuration)
            }
            #expect(error.category == .configuration)
            #expect(environment.keys.contains { error.message.hasPrefix("\($0) is ") }, "\(error.message)")
        }
    }

    // MARK: empty dumps

    static func table(_ name: String, rows: Int64) -> RowCountTap.TableCount {
        RowCountTap.TableCount(schema: "public", name: name, rows: rows)
    }

    @Test func aDumpWithoutTableDataFailsUnlessAllowed() throws {
        let none = try #require(
            EmptyDumpCheck.problem(tables: [], dumpBytes: 1_500, database: "app", allowEmpty: false))
        #expect(none.stage == "empty dump")
        #expect(
            none.message
                == "the dump of database \"app\" holds no table data: it has no tables (pg_dump wrote 1.5 kB of schema only); no backup was kept"
        )
        #expect(none.hint?.contains("DATABASE_URL") == true && none.hint?.contains("--allow-empty") == true)

        let noRows = try #require(
            EmptyDumpCheck.problem(
                tables: [Self.table("a", rows: 0), Self.table("b", rows: 0)], dumpBytes: 2_000,
                database: "app", allowEmpty: false))
        #expect(noRows.message.contains("holds no table data: none of its 2 tables has a row"), "\(noRows.message)")

        #expect(
            EmptyDumpCheck.problem(
                tables: [Self.table("a", rows: 0), Self.table("b", rows: 1)], dumpBytes: 2_000,
                database: "app", allowEmpty: false) == nil)
        #expect(EmptyDumpCheck.problem(tables: [], dumpBytes: 1_500, database: "app", allowEmpty: true) == nil)
        #expect(
            EmptyDumpCheck.problem(
                tables: [Self.table("a", rows: 0)], dumpBytes: 1_500, database: "app", allowEmpty: true) == nil)
    }

    @Test func nothingAtAllFailsEvenWhenEmptyIsAllowed() throws {
        let error = try #require(EmptyDumpCheck.problem(tables: [], dumpBytes: 0, database: "app", allowEmpty: true))
        #expect(error.message.contains("pg_dump wrote nothing (0 bytes)"))
        #expect(error.hint?.contains("backup file size is 0") == true)
    }
}
