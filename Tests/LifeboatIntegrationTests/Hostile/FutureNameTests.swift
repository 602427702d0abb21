import Foundation
import Testing
import LifeboatCore

/// Issue 18 item 3: whoever can write BACKUP_DIR or the bucket can plant
/// `backup_weekly_20990101T000000Z.sql.gz`. Newest-first order alone would make it the latest
/// backup for verify, fetch and total loss, give it a retention slot that pushes a real backup
/// out, and keep `status` fresh forever. Such a backup is listed with a warning and never
/// counts as the newest.
@Suite(.enabled(if: TestEnvironment.shouldRun), .serialized)
struct FutureNameTests {
    static let planted = "backup_weekly_20990101T000000Z.sql.gz"
    static let older = "backup_weekly_20250101T000000Z.sql.gz"

    @Test func aNameFromTheFutureIsNeverTheLatestNorCountedByRetention() throws {
        try ReliabilityLog.run(.hostile, "backup named 2099: list, verify --latest, prune, status") { check in
            let fixture = try HostileFixture.get()
            let folder = try ScratchFolder()
            let real = try fixture.copy(fixture.compressed, into: folder)
            try fixture.copy(fixture.compressed, into: folder, as: Self.older)
            try fixture.copy(fixture.compressed, into: folder, as: Self.planted, manifest: false)
            // A name within the hour, but a manifest that says it started in 2099.
            let soon = BackupName(
                type: .weekly, timestamp: Date().addingTimeInterval(1800), compressed: true, encrypted: false)
            let edited = try fixture.copy(fixture.compressed, into: folder, as: soon.fileName)
            let manifestURL = URL(fileURLWithPath: edited.path + ".manifest.json")
            var manifest = try BackupManifest.read(from: manifestURL)
            manifest.startedAt = Date(timeIntervalSince1970: 4_070_908_800)  // 2099-01-01
            try manifest.write(to: manifestURL)
            let environment: [String: String?] = [
                "BACKUP_DIR": folder.path, "BACKUP_RETENTION_WEEKLY": "1",
                "DATABASE_URL": try TestEnvironment.adminURL
            ]

            let list = try Command.lifeboat(["list", "--json"], environment: environment)
            check.expect(list.succeeded, "list: \(list.stderr)")
            let listed = (try? JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [[String: Any]]) ?? []
            let warned = listed.filter { $0["warning"] as? String != nil }.compactMap { $0["name"] as? String }
            check.expect(Set(warned) == [Self.planted, soon.fileName], "both are listed with a warning: \(list.stdout)")
            let table = try Command.lifeboat(["list"], environment: environment)
            check.expect(
                table.stderr.contains("warning: \(Self.planted) is dated 20990101T000000Z"),
                "list warns: \(table.stderr)")

            let verify = try Command.lifeboat(["verify", "--latest", "--json"], environment: environment)
            let report = (try? JSONSerialization.jsonObject(with: Data(verify.stdout.utf8)) as? [String: Any]) ?? [:]
            check.expect(
                report["file"] as? String == real.path,
                "verify --latest takes the real newest: \(verify.stdout) \(verify.stderr)")

            let prune = try Command.lifeboat(["prune", "--json"], environment: environment)
            let pruned = (try? JSONSerialization.jsonObject(with: Data(prune.stdout.utf8)) as? [String: Any]) ?? [:]
            check.expect(
                pruned["removed"] as? [String] == [Self.older],
                "only the older real backup goes: \(prune.stdout) \(prune.stderr)")
            check.expect(FileManager.default.fileExists(atPath: real.path), "the real newest is kept")
            check.expect(
                FileManager.default.fileExists(atPath: folder.url.appendingPathComponent(Self.planted).path),
                "retention does not delete what it does not count")
            check.expect(prune.stderr.contains("ahead of this host's clock"), "prune warns: \(prune.stderr)")

            let status = try Command.lifeboat(["status", "--json"], environment: environment)
            check.expect(
                status.stdout.contains(Self.planted) && status.stdout.contains("ahead of this host's clock"),
                "status names it as a problem: \(status.stdout)")
        }
    }

    @Test func fetchLatestTakesTheRealNewestFromTheBucket() throws {
        try ReliabilityLog.run(.hostile, "backup named 2099 in the bucket: fetch --latest") { check in
            let fixture = try HostileFixture.get()
            let bucket = try CloudTests.bucket()
            let source = fixture.folder.appendingPathComponent(fixture.compressed).path
            for key in [fixture.compressed, Self.planted] {
                let copy = try CloudTests.aws(["s3", "cp", "--quiet", source, "s3://\(bucket)/backups/\(key)"])
                try #require(copy.succeeded, "aws s3 cp: \(copy.stderr)")
            }
            let folder = try ScratchFolder()
            var environment = try HostileNamesTests.cloudEnvironment(bucket)
            environment["BACKUP_DIR"] = folder.path
            let fetch = try Command.lifeboat(["fetch", "--latest"], environment: environment)
            check.expect(fetch.succeeded, "fetch --latest: \(fetch.stderr)")
            check.expect(folder.files == [fixture.compressed], "the real backup is fetched: \(folder.files)")
            check.expect(fetch.stderr.contains("warning: \(Self.planted)"), "fetch warns: \(fetch.stderr)")
        }
    }
}
