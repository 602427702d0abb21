import Foundation
import Testing
import LifeboatCore
import LifeboatPostgres

/// Damaged, disguised and mislabelled backup files and manifests: `verify` and `restore` name
/// what is wrong with the documented exit code (3: the backup is bad; 1: it could not be
/// checked; 0 only where the file is fine), the live database is never touched, nothing that
/// looks like a backup appears, and the backup file itself is never changed.
@Suite(.enabled(if: TestEnvironment.shouldRun))
struct HostileBackupFileTests {
    enum Damage: String, CaseIterable, Sendable, CustomTestStringConvertible {
        case truncatedEncrypted = "truncated .sql.gz.gpg with its manifest"
        case truncatedCompressedNoManifest = "truncated .sql.gz without a manifest"
        case truncatedEncryptedNoManifest = "truncated .sql.gz.gpg without a manifest"
        case flippedCompressed = "bit flipped in a .sql.gz with its manifest"
        case flippedCompressedNoManifest = "bit flipped in a .sql.gz's deflate data, no manifest"
        case flippedTrailerNoManifest = "bit flipped in a .sql.gz's CRC/length trailer, no manifest"
        case flippedEncryptedNoManifest = "bit flipped in a .sql.gz.gpg, no manifest"
        case emptyCompressed = "empty .sql.gz"
        case wrongKey = "encrypted to a key this keyring lacks"
        case missingKeyring = "no key at all (empty GNUPGHOME)"
        case gpgNotOpenPGP = ".gpg that is text, not OpenPGP"
        case gpgPassphraseOnly = ".gpg encrypted with a passphrase, not to a key"
        case gpgThatIsGzip = ".gpg that is really gzip"
        case gzNotGzip = ".gz that is plain SQL"
        case gzThatIsOpenPGP = ".gz that is really OpenPGP"
        case sqlNotSQL = ".sql that is not SQL"
        case manifestMissing = "manifest missing"
        case manifestNotJSON = "manifest that is not JSON"
        case manifestEmpty = "manifest that is an empty file"
        case manifestNotObject = "manifest that is a JSON array"
        case manifestKeyMissing = "manifest without sha256"
        case manifestWrongType = "manifest whose tables is a string"
        case manifestNewerVersion = "manifest from a newer format version"
        case manifestHashDisagrees = "manifest whose sha256 disagrees"
        case manifestCountsDisagree = "manifest whose row counts disagree"
        case manifestExtraTable = "manifest naming a table the backup lacks"

        var testDescription: String { rawValue }

        /// The exit status and the fragments stderr must hold.
        var expected: (status: Int32, mentions: [String]) {
            switch self {
            case .truncatedEncrypted: return (3, ["sha256:", "truncated"])
            case .truncatedCompressedNoManifest: return (3, ["gunzip:"])
            case .truncatedEncryptedNoManifest: return (3, ["decrypt:"])
            case .flippedCompressed: return (3, ["sha256:", "the manifest says"])
            case .flippedCompressedNoManifest, .flippedTrailerNoManifest: return (3, ["gunzip:", "damaged"])
            // gunzip may meet the damage before the OpenPGP integrity check at the end does.
            case .flippedEncryptedNoManifest: return (3, ["is BAD", "damaged"])
            case .emptyCompressed: return (3, ["gunzip:", "empty"])
            case .wrongKey, .missingKeyring: return (1, ["decrypt:", "no secret key", "gpg --import"])
            case .gpgNotOpenPGP: return (3, ["decrypt:", "no OpenPGP data"])
            case .gpgPassphraseOnly: return (1, ["decrypt:", "needs a passphrase", "gpg --symmetric"])
            case .gpgThatIsGzip: return (3, ["decrypt:"])
            case .gzNotGzip: return (3, ["gunzip:", "incorrect header check"])
            case .gzThatIsOpenPGP: return (3, ["gunzip:"])
            // psql's words, or the parallel restore's
            case .sqlNotSQL: return (3, ["syntax error", "this is a shopping list"])
            case .manifestMissing: return (0, ["no manifest"])
            case .manifestNotJSON, .manifestEmpty: return (3, ["manifest:", "not valid JSON"])
            case .manifestNotObject: return (3, ["manifest:", "not a JSON object"])
            case .manifestKeyMissing: return (3, ["manifest:", "'sha256' is missing"])
            case .manifestWrongType: return (3, ["manifest:", "'tables' has the wrong type"])
            case .manifestNewerVersion: return (1, ["manifest:", "format_version is 2", "upgrade Lifeboat"])
            case .manifestHashDisagrees: return (3, ["sha256:", "the manifest says 0000"])
            case .manifestCountsDisagree: return (3, ["row counts", "public.rental: expected 16051 rows, found 16044"])
            case .manifestExtraTable: return (3, ["row counts", "public.ghost: expected 3 rows, table missing"])
            }
        }

        /// Puts the damaged file into `folder`; may point the environment elsewhere.
        func prepare(_ fixture: HostileFixture, _ folder: ScratchFolder, _ environment: inout [String: String?]) throws
            -> URL
        {
            let encrypted = "backup_daily_20250101T030000Z.sql.gz.gpg"
            let compressed = "backup_daily_20250101T030000Z.sql.gz"
            switch self {
            case .truncatedEncrypted:
                let file = try fixture.copy(fixture.encrypted, into: folder)
                try Hostile.truncate(file)
                return file
            case .truncatedCompressedNoManifest:
                let file = try fixture.copy(fixture.compressed, into: folder, manifest: false)
                try Hostile.truncate(file)
                return file
            case .truncatedEncryptedNoManifest:
                let file = try fixture.copy(fixture.encrypted, into: folder, manifest: false)
                try Hostile.truncate(file)
                return file
            case .flippedCompressed:
                let file = try fixture.copy(fixture.compressed, into: folder)
                try Hostile.flipBit(file, at: try Hostile.size(file) / 2)
                return file
            case .flippedCompressedNoManifest:
                let file = try fixture.copy(fixture.compressed, into: folder, manifest: false)
                try Hostile.flipBit(file, at: try Hostile.size(file) / 2)
                return file
            case .flippedTrailerNoManifest:
                let file = try fixture.copy(fixture.compressed, into: folder, manifest: false)
                try Hostile.flipBit(file, at: -6)  // in the last member's CRC-32
                return file
            case .flippedEncryptedNoManifest:
                let file = try fixture.copy(fixture.encrypted, into: folder, manifest: false)
                try Hostile.flipBit(file, at: try Hostile.size(file) / 2)
                return file
            case .emptyCompressed:
                let file = folder.url.appendingPathComponent(compressed)
                try Data().write(to: file)
                return file
            case .wrongKey:
                environment["GNUPGHOME"] = try TestEnvironment.require("LIFEBOAT_TEST_GNUPGHOME_OTHER")
                return try fixture.copy(fixture.encrypted, into: folder)
            case .missingKeyring:
                // Short and 0700, as gpg-agent wants its home (its socket path is limited).
                let home = "/tmp/lbt-gpg-\(UInt32.random(in: 0...UInt32.max))"
                try FileManager.default.createDirectory(
                    atPath: home, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
                environment["GNUPGHOME"] = home
                return try fixture.copy(fixture.encrypted, into: folder)
            case .gpgNotOpenPGP:
                let file = folder.url.appendingPathComponent(encrypted)
                try Data(String(repeating: "this is not an OpenPGP message\n", count: 600).utf8).write(to: file)
                return file
            case .gpgPassphraseOnly:
                let file = folder.url.appendingPathComponent(encrypted)
                // --no-symkey-cache: the agent must not remember the passphrase for verify to use.
                let made = try Command.run(
                    "/usr/bin/env",
                    [
                        "gpg", "--batch", "--homedir", try TestEnvironment.gnupgHome, "--pinentry-mode", "loopback",
                        "--passphrase", "x",
                        "--no-symkey-cache", "--symmetric", "--output", file.path,
                        fixture.folder.appendingPathComponent(fixture.compressed).path
                    ])
                try #require(made.succeeded, "gpg --symmetric: \(made.stderr)")
                return file
            case .gpgThatIsGzip:
                return try fixture.copy(fixture.compressed, into: folder, as: encrypted, manifest: false)
            case .gzNotGzip:
                return try fixture.copy(fixture.plain, into: folder, as: compressed, manifest: false)
            case .gzThatIsOpenPGP:
                return try fixture.copy(fixture.encrypted, into: folder, as: compressed, manifest: false)
            case .sqlNotSQL:
                let file = folder.url.appendingPathComponent("backup_manual_20250101T030000Z.sql")
                try Data("this is a shopping list, not SQL;\n".utf8).write(to: file)
                return file
            case .manifestMissing:
                return try fixture.copy(fixture.compressed, into: folder, manifest: false)
            case .manifestNotJSON, .manifestEmpty, .manifestNotObject:
                let file = try fixture.copy(fixture.compressed, into: folder)
                let text =
                    self == .manifestNotJSON ? "{\"format_version\": 1, \"tool\":" : self == .manifestEmpty ? "" : "[]"
                try Data(text.utf8).write(to: URL(fileURLWithPath: file.path + ".manifest.json"))
                return file
            case .manifestKeyMissing:
                let file = try fixture.copy(fixture.compressed, into: folder)
                try Hostile.editManifest(file) { $0["sha256"] = nil }
                return file
            case .manifestWrongType:
                let file = try fixture.copy(fixture.compressed, into: folder)
                try Hostile.editManifest(file) { $0["tables"] = "lots" }
                return file
            case .manifestNewerVersion:
                let file = try fixture.copy(fixture.compressed, into: folder)
                try Hostile.editManifest(file) {
                    $0["format_version"] = 2
                    $0["checksums"] = ["blake3": "…"]  // something version 1 does not know
                }
                return file
            case .manifestHashDisagrees:
                let file = try fixture.copy(fixture.compressed, into: folder)
                try Hostile.editManifest(file) { $0["sha256"] = String(repeating: "0", count: 64) }
                return file
            case .manifestCountsDisagree, .manifestExtraTable:
                let file = try fixture.copy(fixture.encrypted, into: folder)
                let extra = self == .manifestExtraTable
                try Hostile.editManifest(file) { manifest in
                    var tables = manifest["tables"] as? [[String: Any]] ?? []
                    if extra {
                        tables.append(["schema": "public", "name": "ghost", "rows": 3])
                    } else if let index = tables.firstIndex(where: { $0["name"] as? String == "rental" }) {
                        tables[index]["rows"] = ((tables[index]["rows"] as? Int) ?? 0) + 7
                    }
                    manifest["tables"] = tables
                }
                return file
            }
        }
    }

    @Test(arguments: Damage.allCases)
    func verifyNamesTheDamage(_ damage: Damage) throws {
        try ReliabilityLog.run(.hostile, "verify: \(damage.rawValue)") { check in
            let fixture = try HostileFixture.get()
            let live = try ScratchDatabase()
            let folder = try ScratchFolder()
            var environment = try Hostile.environment(live, folder)
            let file = try damage.prepare(fixture, folder, &environment)
            defer {
                if damage == .missingKeyring, let home = environment["GNUPGHOME"] ?? nil {
                    _ = try? Command.run("/usr/bin/env", ["gpgconf", "--homedir", home, "--kill", "gpg-agent"])
                    try? FileManager.default.removeItem(atPath: home)
                }
            }
            let before = try RestoreTests.checksums(live)
            let fileBefore = Hostile.sha256(try Data(contentsOf: file))
            let manifestURL = URL(fileURLWithPath: file.path + ".manifest.json")
            let manifestBefore = FileManager.default.contents(atPath: manifestURL.path)

            let result = try Hostile.verify([file.path], environment, check: check)
            let (status, mentions) = damage.expected
            if status == 0 {
                // Nothing refused: with --json the checks and their details are on stdout.
                check.expect(result.status == 0, "exit status \(result.status): \(result.stderr)")
                for fragment in mentions {
                    check.expect(result.stdout.contains(fragment), "the report says '\(fragment)': \(result.stdout)")
                }
            } else {
                check.refused(result, status: status, mentions: mentions)
            }
            if status == 3 { check.expect(result.stderr.contains("is BAD"), "the verdict says BAD: \(result.stderr)") }
            check.expect(try RestoreTests.checksums(live) == before, "the live database is unchanged")
            check.expect(
                Hostile.backups(in: folder.url) == [file.lastPathComponent],
                "no new backup in BACKUP_DIR: \(folder.files)")
            check.expect(Hostile.sha256(try Data(contentsOf: file)) == fileBefore, "the backup file is never changed")
            if damage == .manifestNewerVersion {
                check.expect(
                    FileManager.default.contents(atPath: manifestURL.path) == manifestBefore,
                    "a newer manifest is not rewritten (its unknown keys would be lost)")
            }
        }
    }

    /// A safe restore of a damaged file stops before the live database; so does --in-place,
    /// which reads the whole file before it drops anything; and --table, whose scratch copy
    /// does not match the manifest.
    @Test(arguments: [
        "safe restore of a bit-flipped backup", "in-place restore of a truncated backup",
        "table restore of a backup whose manifest counts disagree"
    ])
    func restoreOfABadBackupLeavesTheLiveDatabase(_ variant: String) throws {
        try ReliabilityLog.run(.hostile, "restore: \(variant)") { check in
            let fixture = try HostileFixture.get()
            let live = try ScratchDatabase()
            defer { RestoreTests.dropAll(like: "\(live.name)_%") }
            let folder = try ScratchFolder()
            let environment = try Hostile.environment(live, folder)
            try live.connect().query("DELETE FROM payment WHERE payment_id % 3 = 0")  // differs from the backup
            let before = try RestoreTests.checksums(live)
            let file = try fixture.copy(fixture.encrypted, into: folder)
            var arguments = ["restore", "--backup-file", file.path, "--force"]
            var expected = ["sha256:"]
            switch variant {
            case let text where text.hasPrefix("safe"):
                try Hostile.flipBit(file, at: 5000)
            case let text where text.hasPrefix("in-place"):
                try Hostile.truncate(file)
                arguments.append("--in-place")
                expected.append("truncated")
            default:
                try Hostile.editManifest(file) { manifest in
                    var tables = manifest["tables"] as? [[String: Any]] ?? []
                    if let index = tables.firstIndex(where: { $0["name"] as? String == "rental" }) {
                        tables[index]["rows"] = 1
                    }
                    manifest["tables"] = tables
                }
                arguments += ["--table", "rental"]
                expected = ["row counts differ", "public.rental: expected 1 rows, found 16044"]
            }
            let result = try Command.lifeboat(arguments, environment: environment)
            check.refused(result, status: 3, mentions: expected)
            check.expect(try RestoreTests.checksums(live) == before, "the live database is exactly as before")
            check.expect(try RestoreTests.databases(like: "\(live.name)_%").isEmpty, "no scratch or kept copy is left")
            check.expect(Hostile.backups(in: folder.url) == [file.lastPathComponent], "no new backup: \(folder.files)")
        }
    }
}
