import Foundation
import Testing
import LifeboatCore

/// Issue 22, acceptance 2: files whose gzip members come from ISA-L (level 1) and libdeflate
/// (levels 6 and 9) restore through the standard tools (`gpg -d | gunzip | psql`) and through
/// Lifeboat's own ISA-L inflate, for Pagila plus a text-heavy table that compresses poorly.
@Suite(.enabled(if: TestEnvironment.shouldRun), .serialized)
struct CompressionEngineRoundTripTests {
    /// Rows of hex digests and random floats: about 2:1, against Pagila's 4:1.
    static func addTextHeavyTable(_ database: ScratchDatabase) throws {
        try database.connect().query(
            """
            CREATE TABLE public.notes AS
            SELECT i AS id, md5(i::text) || ' ' || md5(random()::text) || ' ' || md5(random()::text) AS body, random() AS score
            FROM generate_series(1, 60000) AS i
            """)
    }

    @Test(arguments: ["1", "6", "9"])
    func levelRestoresWithStandardToolsAndWithLifeboat(level: String) throws {
        let source = try ScratchDatabase()
        try Self.addTextHeavyTable(source)
        let folder = try ScratchFolder()
        var environment = try BackupRoundTripTests.environment(source, folder)
        environment["BACKUP_COMPRESSION_LEVEL"] = level
        let (file, manifest) = try BackupRoundTripTests.backup(
            ["--type", "manual", "--compress", "--encrypt"], environment)
        #expect(manifest.tables.contains { $0.name == "notes" && $0.rows == 60000 })
        let notes = try source.checksum("public.notes")

        let byHand = try ScratchDatabase(prefix: "lbt_restored", fromPagila: false)
        let result = try Command.shell(
            "gpg --batch --quiet --decrypt \(shellQuote(file.path)) | gunzip | psql -q -v ON_ERROR_STOP=1 -d \(shellQuote(byHand.url)) >/dev/null",
            environment: ["GNUPGHOME": try TestEnvironment.gnupgHome])
        try #require(result.succeeded, "level \(level): gpg -d | gunzip | psql failed: \(result.stderr)")
        try BackupRoundTripTests.expectSameData(source, byHand, manifest)
        #expect(try byHand.checksum("public.notes") == notes, "level \(level): notes by hand")

        let name = "\(source.name)_lb"
        defer { RestoreTests.dropAll(like: "\(name)%") }
        environment["DATABASE_URL"] = try TestEnvironment.url(for: name)
        let restore = try Command.lifeboat(["restore", "--backup-file", file.path, "--force"], environment: environment)
        try #require(restore.succeeded, "level \(level): lifeboat restore failed: \(restore.stderr)")
        let byLifeboat = try ScratchDatabase(existing: name)
        try BackupRoundTripTests.expectSameData(source, byLifeboat, manifest)
        #expect(try byLifeboat.checksum("public.notes") == notes, "level \(level): notes through Lifeboat")

        let verify = try Command.lifeboat(["verify", file.path], environment: environment)
        #expect(verify.succeeded, "level \(level): verify: \(verify.stderr)")
    }
}
