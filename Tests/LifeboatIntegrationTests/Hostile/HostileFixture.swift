import Foundation
import Testing
import LifeboatCore
import LifeboatPostgres
import LifeboatStreams

/// Good backups of a Pagila database, made once per test process: each hostile case copies
/// the one it damages into a folder of its own (thirty Pagila backups would dominate the run).
/// The files live under the test environment's state folder, which `scripts/test-env stop`
/// removes.
struct HostileFixture: Sendable {
    struct Failure: Error, Sendable, CustomStringConvertible {
        let description: String
    }

    let folder: URL
    /// `backup_daily_….sql.gz.gpg`, `backup_weekly_….sql.gz` and `backup_manual_….sql`.
    let encrypted: String
    let compressed: String
    let plain: String

    private static let shared: Result<HostileFixture, Failure> = {
        do { return .success(try make()) } catch {
            return .failure(Failure(description: "the hostile fixture: \(error)"))
        }
    }()

    static func get() throws -> HostileFixture { try shared.get() }

    private static func make() throws -> HostileFixture {
        let database = try ScratchDatabase(prefix: "lbt_hostile_src")
        let base =
            TestEnvironment.variables["LIFEBOAT_TEST_STATE"].map { URL(fileURLWithPath: $0) }
            ?? FileManager.default.temporaryDirectory
        let folder = base.appendingPathComponent("hostile-fixture-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let environment: [String: String?] = [
            "DATABASE_URL": database.url, "BACKUP_DIR": folder.path, "BACKUP_DISK_MIN_FREE_GB": "0",
            "GNUPGHOME": try TestEnvironment.gnupgHome, "BACKUP_ENCRYPTION_KEY": try TestEnvironment.gpgKey
        ]
        func take(_ arguments: [String]) throws -> String {
            let result = try Command.lifeboat(["backup", "--json"] + arguments, environment: environment)
            guard result.succeeded,
                let json = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any],
                let path = json["path"] as? String
            else { throw Failure(description: "backup \(arguments) failed: \(result.stderr)") }
            return URL(fileURLWithPath: path).lastPathComponent
        }
        return HostileFixture(
            folder: folder,
            encrypted: try take(["--type", "daily", "--compress", "--encrypt"]),
            compressed: try take(["--type", "weekly", "--compress", "--no-encrypt"]),
            plain: try take(["--type", "manual", "--no-compress", "--no-encrypt"]))
    }

    /// Copies backup `name` (and its manifest, unless `manifest` is false) into `folder`,
    /// optionally under another file name; returns the copy.
    @discardableResult
    func copy(_ name: String, into folder: ScratchFolder, as newName: String? = nil, manifest: Bool = true) throws
        -> URL
    {
        let target = folder.url.appendingPathComponent(newName ?? name)
        try FileManager.default.copyItem(at: self.folder.appendingPathComponent(name), to: target)
        if manifest {
            try FileManager.default.copyItem(
                at: self.folder.appendingPathComponent(name + ".manifest.json"),
                to: URL(fileURLWithPath: target.path + ".manifest.json"))
        }
        return target
    }
}

/// What the hostile cases check around the command they run.
enum Hostile {
    /// SHA-256 of every regular file in a folder, by name: a case compares it before and after
    /// to prove that nothing new appeared and nothing it must not touch changed.
    static func snapshot(_ folder: URL) -> [String: String] {
        var files: [String: String] = [:]
        for name in (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? [] {
            let path = folder.appendingPathComponent(name).path
            guard let data = FileManager.default.contents(atPath: path) else { continue }
            files[name] = sha256(data)
        }
        return files
    }

    static func sha256(_ data: Data) -> String {
        var hasher = LifeboatStreams.SHA256()
        hasher.update(data: data)
        return DigestHex.of(hasher.finalize())
    }

    /// The files in `folder` that look like backups.
    static func backups(in folder: URL) -> Set<String> {
        Set(
            ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).filter {
                BackupName(fileName: $0) != nil
            })
    }

    /// Flips one bit at `offset` (negative: from the end).
    static func flipBit(_ file: URL, at offset: Int) throws {
        let handle = try FileHandle(forUpdating: file)
        defer { try? handle.close() }
        let size = Int(try handle.seekToEnd())
        let position = UInt64(offset >= 0 ? offset : size + offset)
        try handle.seek(toOffset: position)
        let byte = try handle.read(upToCount: 1)![0]
        try handle.seek(toOffset: position)
        try handle.write(contentsOf: Data([byte ^ 0x10]))
    }

    static func size(_ file: URL) throws -> Int {
        (try FileManager.default.attributesOfItem(atPath: file.path)[.size] as? NSNumber)?.intValue ?? 0
    }

    /// Cuts the file to half its size.
    static func truncate(_ file: URL) throws {
        Foundation.truncate(file.path, off_t(try size(file) / 2))
    }

    /// Rewrites a manifest's JSON through `edit`.
    static func editManifest(_ backup: URL, _ edit: (inout [String: Any]) -> Void) throws {
        let url = URL(fileURLWithPath: backup.path + ".manifest.json")
        var object = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any] ?? [:]
        edit(&object)
        try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]).write(to: url)
    }

    /// The environment of a command run against `live` with `folder` as BACKUP_DIR.
    static func environment(_ live: ScratchDatabase, _ folder: ScratchFolder) throws -> [String: String?] {
        var environment = try BackupRoundTripTests.environment(live, folder)
        environment["BACKUP_DISK_MIN_FREE_GB"] = "0"
        return environment
    }

    /// `lifeboat verify --json` that also checks its temporary database was dropped.
    static func verify(_ arguments: [String], _ environment: [String: String?], check: CaseCheck) throws
        -> CommandResult
    {
        let result = try Command.lifeboat(["verify", "--json"] + arguments, environment: environment)
        if let report = try? JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any],
            let temporary = report["temporary_database"] as? String, !temporary.isEmpty
        {
            check.expect(try RestoreTests.databases(like: temporary).isEmpty, "\(temporary) was dropped")
        }
        return result
    }
}
