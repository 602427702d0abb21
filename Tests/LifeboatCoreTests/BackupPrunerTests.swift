import Foundation
import Testing
@testable import LifeboatCore

@Suite struct BackupPrunerTests {
    /// A folder holding the synthetic two years, their manifests, and foreign files.
    func makeFolder() throws -> (URL, [BackupName], [String]) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "lifeboat-prune-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let names = syntheticTwoYears()
        for name in names {
            try Data("x".utf8).write(to: directory.appendingPathComponent(name.fileName))
            try Data("{}".utf8).write(to: directory.appendingPathComponent(name.manifestName))
        }
        let foreign = [
            "notes.txt", "backup_daily_garbage.sql", ".backup_daily_20240101T030000Z.sql.gz.partial",
            "backup_daily_20240101T030000Z.sql.gz.tmp", "README"
        ]
        for file in foreign { try Data("keep me".utf8).write(to: directory.appendingPathComponent(file)) }
        return (directory, names, foreign)
    }

    func files(_ directory: URL) throws -> Set<String> {
        Set(try FileManager.default.contentsOfDirectory(atPath: directory.path))
    }

    @Test func dryRunDeletesNothing() throws {
        let (directory, names, _) = try makeFolder()
        defer { try? FileManager.default.removeItem(at: directory) }
        let before = try files(directory)
        let outcome = try BackupPruner(policy: .seedDefaults).prune(directory, dryRun: true)
        #expect(try files(directory) == before)
        #expect(outcome.removed.count == RetentionPolicy.seedDefaults.plan(names).remove.count)
    }

    @Test func pruneDeletesBackupsWithManifestsAndNeverForeignFiles() throws {
        let (directory, names, foreign) = try makeFolder()
        defer { try? FileManager.default.removeItem(at: directory) }
        let plan = RetentionPolicy.seedDefaults.plan(names)
        _ = try BackupPruner(policy: .seedDefaults).prune(directory, dryRun: false)
        let after = try files(directory)
        var expected = Set(foreign)
        for name in plan.keep {
            expected.insert(name.fileName)
            expected.insert(name.manifestName)
        }
        #expect(after == expected)
        // 7 daily + 4 weekly + 12 monthly + every manual one.
        #expect(plan.keep.count == 7 + 4 + 12 + names.filter { $0.type == .manual }.count)
    }
}
