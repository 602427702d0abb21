import Foundation
import Testing
import LifeboatCore

/// Acceptance 1 and 2 of the foundation: backups that standard tools alone restore exactly.
@Suite(.enabled(if: TestEnvironment.shouldRun), .serialized)
struct BackupRoundTripTests {
    static func environment(_ database: ScratchDatabase, _ folder: ScratchFolder) throws -> [String: String?] {
        [
            "DATABASE_URL": database.url,
            "BACKUP_DIR": folder.path,
            "GNUPGHOME": try TestEnvironment.gnupgHome,
            "BACKUP_ENCRYPTION_KEY": try TestEnvironment.gpgKey
        ]
    }

    /// Runs `lifeboat backup ... --json` and returns the file and its manifest.
    static func backup(_ arguments: [String], _ environment: [String: String?]) throws -> (URL, BackupManifest) {
        let result = try Command.lifeboat(["backup", "--json"] + arguments, environment: environment)
        try #require(result.succeeded, "lifeboat backup failed: \(result.stderr)")
        let json = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
        let path = try #require(json?["path"] as? String)
        let url = URL(fileURLWithPath: path)
        let name = try #require(BackupName(fileName: url.lastPathComponent))
        let manifest = try BackupManifest.read(
            from: url.deletingLastPathComponent().appendingPathComponent(name.manifestName))
        return (url, manifest)
    }

    static func expectSameData(_ source: ScratchDatabase, _ restored: ScratchDatabase, _ manifest: BackupManifest)
        throws
    {
        let sourceCounts = try source.rowCounts()
        #expect(sourceCounts.count >= 20, "Pagila has its tables")
        #expect(try restored.rowCounts() == sourceCounts)
        let manifestCounts = Dictionary(
            uniqueKeysWithValues: manifest.tables.map { ("\($0.schema).\($0.name)", $0.rows) })
        #expect(manifestCounts == sourceCounts)
        #expect(manifestCounts["public.rental"] == 16044)
        for table in ["rental", "payment", "customer", "film"] {
            let checksum = try source.checksum(table)
            #expect(!checksum.isEmpty)
            #expect(try restored.checksum(table) == checksum, "\(table) content")
        }
    }

    static func sha256sum(_ url: URL) throws -> String {
        let result = try Command.run("/usr/bin/sha256sum", [url.path])
        try #require(result.succeeded)
        return String(result.stdout.prefix { !$0.isWhitespace })
    }

    @Test func compressedEncryptedPagilaRestoresWithGpgGunzipPsql() throws {
        let source = try ScratchDatabase()
        let folder = try ScratchFolder()
        let (file, manifest) = try Self.backup(
            ["--type", "daily", "--compress", "--encrypt"], try Self.environment(source, folder))
        #expect(file.lastPathComponent.hasPrefix("backup_daily_"))
        #expect(file.lastPathComponent.hasSuffix(".sql.gz.gpg"))
        #expect(manifest.encryption?.recipient == (try TestEnvironment.gpgKey))
        #expect(manifest.compression == "gzip")
        #expect(manifest.sha256 == (try Self.sha256sum(file)))
        #expect(manifest.database == source.name)
        for name in [file.lastPathComponent, file.lastPathComponent + ".manifest.json"] {
            let attributes = try FileManager.default.attributesOfItem(
                atPath: folder.url.appendingPathComponent(name).path)
            #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600, "\(name) is 0600")
        }

        let restored = try ScratchDatabase(prefix: "lbt_restored", fromPagila: false)
        let result = try Command.shell(
            "gpg --batch --quiet --decrypt \(shellQuote(file.path)) | gunzip | psql -q -v ON_ERROR_STOP=1 -d \(shellQuote(restored.url)) >/dev/null",
            environment: ["GNUPGHOME": try TestEnvironment.gnupgHome])
        try #require(result.succeeded, "restore with standard tools failed: \(result.stderr)")
        try Self.expectSameData(source, restored, manifest)
    }

    @Test(arguments: [false, true])
    func plainAndGzipOnlyRestoreWithPsql(compress: Bool) throws {
        let source = try ScratchDatabase()
        let folder = try ScratchFolder()
        let (file, manifest) = try Self.backup(
            ["--type", "weekly", compress ? "--compress" : "--no-compress", "--no-encrypt"],
            try Self.environment(source, folder))
        #expect(file.lastPathComponent.hasSuffix(compress ? ".sql.gz" : ".sql"))
        #expect(manifest.encryption == nil)
        #expect(manifest.sha256 == (try Self.sha256sum(file)))
        #expect(
            manifest.fileBytes
                == Int64(
                    (try FileManager.default.attributesOfItem(atPath: file.path)[.size] as? NSNumber)?.int64Value ?? -1)
        )

        let restored = try ScratchDatabase(prefix: "lbt_restored", fromPagila: false)
        let reader = compress ? "gunzip -c \(shellQuote(file.path))" : "cat \(shellQuote(file.path))"
        let result = try Command.shell(
            "\(reader) | psql -q -v ON_ERROR_STOP=1 -d \(shellQuote(restored.url)) >/dev/null")
        try #require(result.succeeded, "restore failed: \(result.stderr)")
        try Self.expectSameData(source, restored, manifest)
    }

    /// BACKUP_COMPRESSION_LEVEL changes only how hard deflate works: level 1 and level 9 files
    /// both restore with gpg | gunzip | psql, and a level outside 1…9 stops before pg_dump runs.
    @Test func compressionLevelsRoundTripAndABadLevelIsRefused() throws {
        let source = try ScratchDatabase()
        var sizes: [String: Int64] = [:]
        for level in ["1", "9"] {
            let folder = try ScratchFolder()
            var environment = try Self.environment(source, folder)
            environment["BACKUP_COMPRESSION_LEVEL"] = level
            let (file, manifest) = try Self.backup(["--type", "manual", "--compress", "--encrypt"], environment)
            sizes[level] = manifest.fileBytes
            let restored = try ScratchDatabase(prefix: "lbt_restored", fromPagila: false)
            let result = try Command.shell(
                "gpg --batch --quiet --decrypt \(shellQuote(file.path)) | gunzip | psql -q -v ON_ERROR_STOP=1 -d \(shellQuote(restored.url)) >/dev/null",
                environment: ["GNUPGHOME": try TestEnvironment.gnupgHome])
            try #require(result.succeeded, "level \(level): restore with standard tools failed: \(result.stderr)")
            try Self.expectSameData(source, restored, manifest)
        }
        #expect(sizes["1"]! > sizes["9"]!, "level 1 compresses less than level 9: \(sizes)")

        let folder = try ScratchFolder()
        var environment = try Self.environment(source, folder)
        environment["BACKUP_COMPRESSION_LEVEL"] = "12"
        let refused = try Command.lifeboat(["backup", "--type", "manual", "--compress"], environment: environment)
        #expect(refused.status == 2, "\(refused.stderr)")
        #expect(refused.stderr.contains("BACKUP_COMPRESSION_LEVEL") && refused.stderr.contains("1 (fastest) to 9"))
        #expect(folder.files.isEmpty, "no file: \(folder.files)")
    }
}
