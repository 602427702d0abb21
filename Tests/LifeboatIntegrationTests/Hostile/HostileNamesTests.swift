import Foundation
import Testing
import LifeboatCore
import LifeboatPostgres

/// Hostile names: file names that match the pattern with an impossible date, symbolic links in
/// BACKUP_DIR, object keys that climb out of the backup folder or carry odd characters, and
/// table names that need quoting or are not UTF-8. Nothing is ever written outside BACKUP_DIR,
/// nothing outside it is read as a backup, and every table survives backup, counting, verify
/// and table restore.
@Suite(.enabled(if: TestEnvironment.shouldRun))
struct HostileNamesTests {
    static let impossibleDates = [
        "backup_daily_20250231T030000Z.sql.gz",  // 31 February
        "backup_daily_20230229T030000Z.sql.gz",  // 29 February of a common year
        "backup_daily_20251301T030000Z.sql.gz",  // month 13
        "backup_daily_20250101T250000Z.sql.gz",  // hour 25
        "backup_daily_20250101T036000Z.sql.gz",  // minute 60
        "backup_daily_20250230.sql.gz"  // the seed's date-only form, 30 February
    ]

    @Test func impossibleDatesAreNeverTakenForBackups() throws {
        try ReliabilityLog.run(.hostile, "file names with impossible dates: list, prune, verify --latest") { check in
            let fixture = try HostileFixture.get()
            let folder = try ScratchFolder()
            for name in Self.impossibleDates { try fixture.copy(fixture.compressed, into: folder, as: name) }
            let environment: [String: String?] = ["BACKUP_DIR": folder.path, "BACKUP_RETENTION_DAILY": "0"]
            let before = Hostile.snapshot(folder.url)

            let list = try Command.lifeboat(["list", "--json"], environment: environment)
            check.expect(list.succeeded, "list: \(list.stderr)")
            check.expect(
                (try? JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [Any])?.isEmpty == true,
                "list shows none of them: \(list.stdout)")
            let prune = try Command.lifeboat(["prune"], environment: environment)
            check.expect(
                prune.succeeded && prune.stderr.contains("0 deleted"), "prune deletes nothing: \(prune.stderr)")
            let verify = try Command.lifeboat(["verify", "--latest"], environment: environment)
            check.refused(verify, status: 2, mentions: ["verify:", "no backups in \(folder.path)"])
            check.expect(Hostile.snapshot(folder.url) == before, "every file is left as it was")
        }
    }

    @Test func symbolicLinksInTheBackupFolderAreNotFollowed() throws {
        try ReliabilityLog.run(.hostile, "symbolic links named like backups in BACKUP_DIR") { check in
            let fixture = try HostileFixture.get()
            let folder = try ScratchFolder()
            let outside = try ScratchFolder()
            let precious = outside.url.appendingPathComponent("precious.sql")
            try Data("precious data\n".utf8).write(to: precious)
            let elsewhere = try fixture.copy(fixture.compressed, into: outside)
            let links = [
                ("backup_daily_20250101T030000Z.sql", precious.path),
                ("backup_daily_20250102T030000Z.sql.gz", elsewhere.path),
                ("backup_daily_20250102T030000Z.sql.gz.manifest.json", elsewhere.path + ".manifest.json"),
                ("backup_daily_20250103T030000Z.sql.gz", outside.path),
                ("backup_daily_20250104T030000Z.sql.gz", "/nonexistent/dangling")
            ]
            for (name, target) in links {
                try FileManager.default.createSymbolicLink(
                    atPath: folder.url.appendingPathComponent(name).path, withDestinationPath: target)
            }
            let outsideBefore = Hostile.snapshot(outside.url)
            let environment: [String: String?] = ["BACKUP_DIR": folder.path, "BACKUP_RETENTION_DAILY": "0"]

            let list = try Command.lifeboat(["list", "--json"], environment: environment)
            check.expect(list.succeeded, "list: \(list.stderr)")
            check.expect(
                (try? JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [Any])?.isEmpty == true,
                "no link is listed as a backup: \(list.stdout)")
            let prune = try Command.lifeboat(["prune"], environment: environment)
            check.expect(
                prune.succeeded && prune.stderr.contains("0 deleted"), "prune removes nothing: \(prune.stderr)")
            let verify = try Command.lifeboat(["verify", "--latest"], environment: environment)
            check.refused(verify, status: 2, mentions: ["no backups in"])
            check.expect(Set(folder.files) == Set(links.map(\.0)), "every link is still there: \(folder.files)")
            check.expect(Hostile.snapshot(outside.url) == outsideBefore, "nothing the links point at changed")
        }
    }

    /// The verdict is written beside the backup by replacing the manifest: a manifest that is a
    /// link to a file elsewhere is replaced, and the file it pointed at stays as it was.
    @Test func aLinkedManifestIsReplacedNotWrittenThrough() throws {
        try ReliabilityLog.run(.hostile, "manifest that is a symbolic link out of BACKUP_DIR") { check in
            let fixture = try HostileFixture.get()
            let live = try ScratchDatabase()
            let folder = try ScratchFolder()
            let outside = try ScratchFolder()
            let file = try fixture.copy(fixture.compressed, into: folder, manifest: false)
            let elsewhere = outside.url.appendingPathComponent("shared.manifest.json")
            try FileManager.default.copyItem(
                at: fixture.folder.appendingPathComponent(fixture.compressed + ".manifest.json"), to: elsewhere)
            try FileManager.default.createSymbolicLink(
                atPath: file.path + ".manifest.json", withDestinationPath: elsewhere.path)
            let outsideBefore = Hostile.snapshot(outside.url)
            let result = try Hostile.verify([file.path], try Hostile.environment(live, folder), check: check)
            check.expect(result.status == 0, "the backup is good: \(result.stderr)")
            check.expect(Hostile.snapshot(outside.url) == outsideBefore, "the linked file was not written through")
            let attributes = try FileManager.default.attributesOfItem(atPath: file.path + ".manifest.json")
            check.expect(
                attributes[.type] as? FileAttributeType == .typeRegular, "the verdict went into a file of its own")
            check.expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600, "and it is 0600")
        }
    }

    // MARK: the bucket

    /// A bucket holding one good backup (with its manifest) and objects whose keys climb out of
    /// `backups/`, name the backup with dot segments, or carry characters that need escaping.
    static let hostileKeys = [
        "backups/../../x", "backups/../x", "backups//../x", "x", "backups/x", "backups/./x",
        "backups/backup_daily_20250101T030000Z.sql.gz/../../x", "backups/backup_daily_20250231T030000Z.sql.gz",
        "backups/a b&c<d>\"e'.sql", "backups/名前 ü.sql.gz", "backups/back%2Fslash.sql",
        "backups/semi;colon?query=1#frag",
        "backups/..", "backups/.backup_daily_20250101T030000Z.sql.gz.partial"
    ]
    static let good = "backup_weekly_20250105T040000Z.sql.gz"

    /// Puts objects into a bucket in one process (the aws CLI takes a second per call): each
    /// pair is a key and the local file that becomes its body.
    static func put(_ objects: [(key: String, file: String)], bucket: String) throws {
        let script = """
            import json, sys, boto3
            s3 = boto3.client("s3", endpoint_url=sys.argv[1], region_name="us-east-1",
                              aws_access_key_id="testing", aws_secret_access_key="testing-secret-value")
            for key, path in json.loads(sys.argv[3]):
                with open(path, "rb") as body:
                    s3.put_object(Bucket=sys.argv[2], Key=key, Body=body.read())
            """
        let pairs = try JSONSerialization.data(withJSONObject: objects.map { [$0.key, $0.file] })
        let result = try Command.run(
            "/usr/bin/env",
            [
                "python3", "-c", script, try TestEnvironment.require("LIFEBOAT_TEST_S3_ENDPOINT"),
                bucket, String(decoding: pairs, as: UTF8.self)
            ])
        guard result.succeeded else { throw HostileFixture.Failure(description: "put-object: \(result.stderr)") }
    }

    /// One bucket per test process, read (never changed) by the cases below.
    private static let sharedBucket: Result<String, HostileFixture.Failure> = {
        do {
            let fixture = try HostileFixture.get()
            let bucket = try CloudTests.bucket()
            let junk = fixture.folder.appendingPathComponent("junk")
            try Data("not a backup\n".utf8).write(to: junk)
            try put(
                hostileKeys.map { ($0, junk.path) } + [
                    ("backups/\(good)", fixture.folder.appendingPathComponent(fixture.compressed).path),
                    (
                        "backups/\(good).manifest.json",
                        fixture.folder.appendingPathComponent(fixture.compressed + ".manifest.json").path
                    )
                ], bucket: bucket)
            return .success(bucket)
        } catch {
            return .failure(HostileFixture.Failure(description: "the hostile bucket: \(error)"))
        }
    }()

    static func cloudEnvironment(_ bucket: String) throws -> [String: String?] {
        var environment: [String: String?] = CloudTests.credentials
        environment["BACKUP_CLOUD_BUCKET"] = bucket
        environment["BACKUP_CLOUD_ENDPOINT"] = try TestEnvironment.require("LIFEBOAT_TEST_S3_ENDPOINT")
        return environment
    }

    static func hostileBucket() throws -> (bucket: String, environment: [String: String?]) {
        let bucket = try sharedBucket.get()
        return (bucket, try cloudEnvironment(bucket))
    }

    /// Every file and folder under `root`, relative to it.
    static func tree(_ root: URL) -> [String] {
        let enumerator = FileManager.default.enumerator(atPath: root.path)
        var paths: [String] = []
        while let path = enumerator?.nextObject() as? String { paths.append(path) }
        return paths.sorted()
    }

    @Test func remoteListingShowsOnlyBackupsAndFetchLatestStaysInTheFolder() throws {
        try ReliabilityLog.run(.hostile, "bucket with keys like backups/../../x: list --remote, fetch --latest") {
            check in
            let (_, cloud) = try Self.hostileBucket()
            let root = try ScratchFolder()
            let target = root.url.appendingPathComponent("a/b/backups")
            var environment = cloud
            environment["BACKUP_DIR"] = target.path
            let list = try Command.lifeboat(["list", "--remote", "--json"], environment: environment)
            check.expect(list.succeeded, "list --remote: \(list.stderr)")
            let listed = (try? JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [[String: Any]])?
                .compactMap { $0["name"] as? String }
            check.expect(listed == [Self.good], "only the backup is listed: \(list.stdout)")
            let fetch = try Command.lifeboat(["fetch", "--latest"], environment: environment)
            check.expect(fetch.succeeded, "fetch --latest: \(fetch.stderr)")
            check.expect(
                Self.tree(root.url) == [
                    "a", "a/b", "a/b/backups", "a/b/backups/\(Self.good)", "a/b/backups/\(Self.good).manifest.json"
                ],
                "only the backup and its manifest, inside BACKUP_DIR: \(Self.tree(root.url))")
        }
    }

    static let hostileFetchNames = [
        "../../x", "/../x", "../x", "backups/x", "x", ".", "..", "/etc/passwd",
        "backup_daily_20250101T030000Z.sql.gz/../../x", "../backup_daily_20250101T030000Z.sql.gz",
        "backup_daily_20250231T030000Z.sql.gz", "backup_daily_20250101T030000Z.sql.gz\n"
    ]

    @Test(arguments: hostileFetchNames)
    func fetchRefusesNamesThatAreNotBackups(_ name: String) throws {
        try ReliabilityLog.run(.hostile, "fetch of the name \(name.debugDescription)") { check in
            let (_, cloud) = try Self.hostileBucket()
            let root = try ScratchFolder()
            let target = root.url.appendingPathComponent("a/b/backups")
            var environment = cloud
            environment["BACKUP_DIR"] = target.path
            let fetch = try Command.lifeboat(["fetch", name], environment: environment)
            check.refused(fetch, status: 2, mentions: ["fetch:", "is not a backup file name"])
            check.expect(
                Self.tree(root.url).allSatisfy { $0 == "a" || $0 == "a/b" || $0 == "a/b/backups" },
                "nothing was written anywhere: \(Self.tree(root.url))")
            check.expect(
                !FileManager.default.fileExists(atPath: "/x")
                    && !FileManager.default.fileExists(atPath: root.url.appendingPathComponent("x").path),
                "no x outside the folder")
        }
    }

    @Test func fetchDoesNotWriteThroughALinkedPartialFile() throws {
        try ReliabilityLog.run(.hostile, "fetch with .NAME.partial a symbolic link out of BACKUP_DIR") { check in
            let (_, cloud) = try Self.hostileBucket()
            let folder = try ScratchFolder()
            let outside = try ScratchFolder()
            let victim = outside.url.appendingPathComponent("victim")
            try Data("precious data that a download must not truncate\n".utf8).write(to: victim)
            let partial = folder.url.appendingPathComponent(".\(Self.good).partial")
            try FileManager.default.createSymbolicLink(atPath: partial.path, withDestinationPath: victim.path)
            var environment = cloud
            environment["BACKUP_DIR"] = folder.path
            let before = Hostile.snapshot(outside.url)
            let fetch = try Command.lifeboat(["fetch", Self.good], environment: environment)
            check.refused(fetch, status: 2, mentions: ["fetch:", "not a regular file"])
            check.expect(Hostile.snapshot(outside.url) == before, "the link's target is untouched")
            check.expect(Hostile.backups(in: folder.url).isEmpty, "no backup appeared: \(folder.files)")
        }
    }

    @Test func aMalformedManifestInTheBucketStopsTheFetch() throws {
        try ReliabilityLog.run(.hostile, "fetch of a backup whose manifest in the bucket is malformed") { check in
            let fixture = try HostileFixture.get()
            let bucket = try CloudTests.bucket()  // its own: the manifest it damages is the good backup's
            let folder = try ScratchFolder()
            let bad = folder.url.appendingPathComponent("bad-manifest")
            try Data("{\"format_version\": 1, \"sha256\": ".utf8).write(to: bad)
            try Self.put(
                [
                    ("backups/\(Self.good)", fixture.folder.appendingPathComponent(fixture.compressed).path),
                    ("backups/\(Self.good).manifest.json", bad.path)
                ], bucket: bucket)
            try FileManager.default.removeItem(at: bad)
            let cloud = try Self.cloudEnvironment(bucket)
            var environment = cloud
            environment["BACKUP_DIR"] = folder.path
            let fetch = try Command.lifeboat(["fetch", Self.good], environment: environment)
            // Without a readable manifest there would be no hash to check: refuse, as for damage.
            check.refused(
                fetch, status: 3, mentions: ["fetch:", "manifest", "not valid JSON", "nothing was downloaded"])
            check.expect(folder.files.isEmpty, "nothing was written: \(folder.files)")
        }
    }

    // MARK: table names

    /// Names that need quoting, break naive SQL, hold a newline, or are not in the public schema.
    static let tableNames: [(schema: String, name: String)] = [
        ("public", "Order Items"), ("public", "drop table x;--"), ("public", "we\"ird"), ("public", "a.b"),
        ("public", "表格"), ("public", "new\nline"), ("My Schema", "T t"), ("public", "Tab\tTab"),
        ("public", "back\\slash"), ("public", "x'); DROP TABLE x; --")
    ]

    static func qualified(_ table: (schema: String, name: String)) -> String {
        "\(Connection.quoteIdentifier(table.schema)).\(Connection.quoteIdentifier(table.name))"
    }

    @Test(arguments: tableNames.indices)
    func tableNamesNeedingQuotesSurviveBackupVerifyAndTableRestore(_ index: Int) throws {
        let table = Self.tableNames[index]
        try ReliabilityLog.run(.hostile, "table name " + "\(table.schema).\(table.name)".debugDescription) { check in
            let live = try ScratchDatabase(fromPagila: false)
            defer { RestoreTests.dropAll(like: "\(live.name)_%") }
            let folder = try ScratchFolder()
            let connection = try live.connect()
            try connection.query("CREATE SCHEMA IF NOT EXISTS \(Connection.quoteIdentifier(table.schema))")
            try connection.query("CREATE TABLE \(Self.qualified(table)) (id serial PRIMARY KEY, v text)")
            try connection.query(
                "INSERT INTO \(Self.qualified(table)) (v) SELECT 'row ' || g FROM generate_series(1, 37) g")
            try connection.query("CREATE TABLE x (id int)")  // what the injection-looking names would drop
            try connection.query("INSERT INTO x SELECT generate_series(1, 5)")
            let environment = try Hostile.environment(live, folder)
            let (file, manifest) = try BackupRoundTripTests.backup(
                ["--type", "daily", "--compress", "--no-encrypt"], environment)
            let counted = manifest.tables.first { $0.schema == table.schema && $0.name == table.name }
            check.expect(counted?.rows == 37, "the manifest counts the table: \(manifest.tables)")
            check.expect(manifest.tables.count == 2, "and x, and nothing else: \(manifest.tables)")

            let verify = try Hostile.verify([file.path], environment, check: check)
            check.expect(verify.status == 0, "verify passes: \(verify.stderr)")

            try connection.query("DELETE FROM \(Self.qualified(table)) WHERE id > 10")
            try connection.query("INSERT INTO x VALUES (99)")
            let argument = table.schema == "public" ? table.name : "\(table.schema).\(table.name)"
            let restore = try Command.lifeboat(
                ["restore", "--backup-file", file.path, "--table", argument, "--force"], environment: environment)
            check.expect(restore.status == 0, "table restore: \(restore.stderr)")
            check.expect(
                try connection.query("SELECT count(*) FROM \(Self.qualified(table))").scalar == "37",
                "the table is back")
            check.expect(
                try connection.query("SELECT count(*) FROM x").scalar == "6", "x is untouched (its new row stays)")
        }
    }

    /// A SQL_ASCII database may name a table with bytes that are not UTF-8 (Latin-1 `café`).
    /// The manifest keeps the name's bytes, and verify finds the table by them.
    @Test func aTableNameThatIsNotUTF8IsCountedAndVerified() throws {
        try ReliabilityLog.run(.hostile, "table name that is not UTF-8 (SQL_ASCII database)") { check in
            let name = "lbt_ascii_\(UInt32.random(in: 0...UInt32.max))"
            let admin = try Connection(try TestEnvironment.adminURL)
            try admin.query(
                "CREATE DATABASE \(name) ENCODING 'SQL_ASCII' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0")
            let live = try ScratchDatabase(existing: name)
            defer { RestoreTests.dropAll(like: "\(name)_%") }
            let folder = try ScratchFolder()
            let script = folder.url.appendingPathComponent("latin1.sql")
            var sql = Array("CREATE TABLE \"caf".utf8) + [0xE9] + Array("\" (id int); INSERT INTO \"caf".utf8) + [0xE9]
            sql += Array(
                "\" SELECT generate_series(1, 12); CREATE TABLE plain (id int); INSERT INTO plain VALUES (1), (2);\n"
                    .utf8)
            try Data(sql).write(to: script)
            let load = try Command.run(
                try TestEnvironment.pgBin + "/psql",
                ["-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", live.url, "-f", script.path])
            try #require(load.succeeded, "\(load.stderr)")
            try FileManager.default.removeItem(at: script)

            let environment = try Hostile.environment(live, folder)
            let (file, manifest) = try BackupRoundTripTests.backup(
                ["--type", "daily", "--compress", "--no-encrypt"], environment)
            let latin = manifest.tables.first { $0.nameHex != nil }
            check.expect(
                latin?.nameHex == "636166e9" && latin?.rows == 12,
                "the manifest keeps the name's bytes: \(manifest.tables)")
            let verify = try Hostile.verify([file.path], environment, check: check)
            check.expect(verify.status == 0, "verify finds the table by its bytes: \(verify.stderr)")

            try live.connect().query("DELETE FROM plain")
            let restore = try Command.lifeboat(
                ["restore", "--backup-file", file.path, "--table", "plain", "--force"], environment: environment)
            check.expect(restore.status == 0, "a table restore beside it works: \(restore.stderr)")
            check.expect(try live.connect().query("SELECT count(*) FROM plain").scalar == "2")
        }
    }
}
