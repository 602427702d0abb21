import Foundation
import Testing
import LifeboatCore
import LifeboatPostgres
import LifeboatStreams

/// Issue 18, item 2: signed backups. Lifeboat's own signed backups verify, restore and pass
/// `gpg -d | gunzip | psql` with a good signature; an unsigned backup, one signed by another
/// key, one with a changed byte and one whose manifest was edited are refused before psql
/// sees any of their bytes: a `COMMIT; CREATE ROLE …` put into each would otherwise create the
/// role, and the role does not exist afterwards.
@Suite(.enabled(if: TestEnvironment.shouldRun))
struct SignedBackupTests {
    static func signingEnvironment(_ database: ScratchDatabase, _ folder: ScratchFolder) throws -> [String: String?] {
        var environment = try Hostile.environment(database, folder)
        environment["BACKUP_SIGNING_KEY"] = try TestEnvironment.gpgKey
        return environment
    }

    static func roleExists(_ name: String) throws -> Bool {
        try Connection(try TestEnvironment.adminURL).query("SELECT count(*) FROM pg_roles WHERE rolname = '\(name)'")
            .scalar != "0"
    }

    static func databaseExists(_ name: String) throws -> Bool {
        try Connection(try TestEnvironment.adminURL).query("SELECT count(*) FROM pg_database WHERE datname = '\(name)'")
            .scalar != "0"
    }

    static func uniqueRole() -> String { "lbs\(UInt32.random(in: 1000...9999))" }

    /// Puts `COMMIT; CREATE ROLE role;` before the dump's first line of a plain or gzip'd backup
    /// and fixes the manifest's size and SHA-256, as the forger of issue 18 did.
    static func plantRole(_ role: String, in file: URL) throws {
        let gz = file.lastPathComponent.hasSuffix(".gz")
        let planted = file.path + ".planted"
        let read = gz ? "gunzip -c \(shellQuote(file.path))" : "cat \(shellQuote(file.path))"
        let write = gz ? "gzip -c" : "cat"
        let result = try Command.shell(
            "{ printf 'COMMIT;\\nCREATE ROLE \(role);\\n'; \(read); } | \(write) > \(shellQuote(planted)) && mv \(shellQuote(planted)) \(shellQuote(file.path))"
        )
        try #require(result.succeeded, "\(result.stderr)")
        let digest = try BackupRoundTripTests.sha256sum(file)
        let size = try Hostile.size(file)
        if FileManager.default.fileExists(atPath: file.path + ".manifest.json") {
            try Hostile.editManifest(file) {
                $0["sha256"] = digest; $0["file_bytes"] = size
            }
        }
    }

    /// verify, restore --test-only and restore --force into a new database: each refused, with
    /// `mentions` in its message; the role and the database never appear.
    static func expectRefused(
        _ file: URL, role: String, mentions: [String], environment: [String: String?], check: CaseCheck
    ) throws {
        let target = "lbs_target_\(UInt32.random(in: 0...UInt32.max))"
        var restoreEnvironment = environment
        restoreEnvironment["DATABASE_URL"] = try TestEnvironment.url(for: target)
        defer { try? ScratchDatabase.drop(target) }
        let runs = [
            ("verify", try Command.lifeboat(["verify", file.path], environment: environment)),
            (
                "restore --test-only",
                try Command.lifeboat(["restore", "--backup-file", file.path, "--test-only"], environment: environment)
            ),
            (
                "restore --force",
                try Command.lifeboat(
                    ["restore", "--backup-file", file.path, "--force"], environment: restoreEnvironment)
            )
        ]
        for (name, result) in runs {
            check.expect(result.status == 3, "\(name) exits 3, got \(result.status): \(result.stderr)")
            for text in mentions {
                check.expect(result.stderr.contains(text), "\(name) says '\(text)': \(result.stderr)")
            }
            check.expect(!result.stderr.contains("psql:"), "\(name): psql never ran: \(result.stderr)")
        }
        check.expect(try !roleExists(role), "the planted role \(role) was not created")
        check.expect(try !databaseExists(target), "no database \(target) was created")
    }

    @Test("a signed encrypted backup verifies, restores, and gpg -d reports a good signature by the key")
    func signedBackupRoundTrip() throws {
        try ReliabilityLog.run(.security, "signed: own signed backup verifies, restores, gpg GOODSIG") { check in
            let source = try ScratchDatabase()
            let folder = try ScratchFolder()
            let environment = try Self.signingEnvironment(source, folder)
            let fingerprint = try TestEnvironment.gpgKey
            let (file, manifest) = try BackupRoundTripTests.backup(
                ["--type", "daily", "--compress", "--encrypt"], environment)
            let signature = BackupSigner.signatureURL(for: file)
            check.expect(FileManager.default.fileExists(atPath: signature.path), "the .manifest.json.sig is written")
            check.expect(manifest.signedBy == fingerprint)
            check.expect(manifest.segmentSize == 4 * 1024 * 1024)
            check.expect(
                manifest.segmentSha256?.count == (Int(manifest.fileBytes) + 4 * 1024 * 1024 - 1) / (4 * 1024 * 1024))

            let manifestBefore = try Data(contentsOf: URL(fileURLWithPath: file.path + ".manifest.json"))
            let verify = try Command.lifeboat(["verify", file.path], environment: environment)
            check.expect(verify.succeeded, "verify: \(verify.stderr)")
            check.expect(verify.stderr.contains("good signature by trusted key \(fingerprint)"), verify.stderr)
            // The signed manifest is never rewritten: the verdict goes beside it, and list reads it back.
            check.expect(
                try Data(contentsOf: URL(fileURLWithPath: file.path + ".manifest.json")) == manifestBefore,
                "the signed manifest is unchanged")
            check.expect(
                try BackupInventory.scan(folder.url).entries.first?.manifest?.verification?.state == "passed",
                "the verdict is recorded")

            // So plain gpg checks the detached signature over the manifest file, after verify too.
            let gpgHome = shellQuote(try TestEnvironment.gnupgHome)
            let manifestSignature = try Command.shell(
                "gpg --homedir \(gpgHome) --batch --status-fd 1 --verify \(shellQuote(signature.path)) \(shellQuote(file.path + ".manifest.json")) 2>/dev/null"
            )
            check.expect(
                manifestSignature.stdout.contains("[GNUPG:] VALIDSIG \(fingerprint)"),
                "gpg --verify: \(manifestSignature.stdout)")

            let target = try ScratchDatabase(prefix: "lbs_restored", fromPagila: false)
            try ScratchDatabase.drop(target.name)
            var restoreEnvironment = environment
            restoreEnvironment["DATABASE_URL"] = target.url
            let restore = try Command.lifeboat(
                ["restore", "--backup-file", file.path, "--force"], environment: restoreEnvironment)
            check.expect(restore.succeeded, "restore: \(restore.stderr)")
            check.expect(try target.rowCounts() == source.rowCounts(), "the restored copy holds the same rows")

            let plain = try ScratchDatabase(prefix: "lbs_gpg", fromPagila: false)
            let status = folder.url.appendingPathComponent("gpg.status")
            let standard = try Command.shell(
                "gpg --homedir \(gpgHome) --batch --status-file \(shellQuote(status.path)) --decrypt \(shellQuote(file.path)) 2>/dev/null | gunzip"
                    + " | psql -q -v ON_ERROR_STOP=1 -d \(shellQuote(plain.url)) >/dev/null")
            check.expect(standard.succeeded, "gpg -d | gunzip | psql: \(standard.stderr)")
            let lines = (try? String(contentsOf: status, encoding: .utf8)) ?? ""
            check.expect(lines.contains("[GNUPG:] GOODSIG "), "gpg reports GOODSIG: \(lines)")
            check.expect(
                lines.contains("[GNUPG:] VALIDSIG \(fingerprint)") || lines.contains(" \(fingerprint)\n"),
                "gpg's VALIDSIG names the key: \(lines)")
            check.expect(try plain.rowCounts() == source.rowCounts())
        }
    }

    @Test(
        "an unsigned backup (with a manifest, and without) is refused before psql; --allow-unsigned restores a clean one"
    )
    func unsignedRefused() throws {
        try ReliabilityLog.run(.security, "signed: unsigned backup refused before psql") { check in
            let source = try ScratchDatabase()
            let folder = try ScratchFolder()
            let unsignedEnvironment = try Hostile.environment(source, folder)
            let (clean, _) = try BackupRoundTripTests.backup(
                ["--type", "manual", "--compress", "--no-encrypt"], unsignedEnvironment)
            let environment = try Self.signingEnvironment(source, folder)

            let forged = folder.url.appendingPathComponent("backup_manual_20990101T000000Z.sql.gz")
            try FileManager.default.copyItem(at: clean, to: forged)
            try FileManager.default.copyItem(
                atPath: clean.path + ".manifest.json", toPath: forged.path + ".manifest.json")
            let role = Self.uniqueRole()
            try Self.plantRole(role, in: forged)
            try Self.expectRefused(
                forged, role: role, mentions: ["signature", "unsigned", "--allow-unsigned"], environment: environment,
                check: check)

            // a legacy file: no manifest at all
            try FileManager.default.removeItem(atPath: forged.path + ".manifest.json")
            try Self.expectRefused(
                forged, role: role, mentions: ["signature", "no manifest", "--allow-unsigned"],
                environment: environment, check: check)

            let target = "lbs_allowed_\(UInt32.random(in: 0...UInt32.max))"
            defer { try? ScratchDatabase.drop(target) }
            var restoreEnvironment = environment
            restoreEnvironment["DATABASE_URL"] = try TestEnvironment.url(for: target)
            let allowed = try Command.lifeboat(
                ["restore", "--backup-file", clean.path, "--force", "--allow-unsigned"], environment: restoreEnvironment
            )
            check.expect(allowed.succeeded, "--allow-unsigned restores the clean unsigned backup: \(allowed.stderr)")
            check.expect(
                allowed.stderr.contains("WARNING") && allowed.stderr.contains("--allow-unsigned"),
                "and says so: \(allowed.stderr)")
            check.expect(try ScratchDatabase(existing: target).rowCounts() == source.rowCounts())
            let verified = try Command.lifeboat(["verify", "--allow-unsigned", clean.path], environment: environment)
            check.expect(
                verified.succeeded && verified.stderr.contains("warning:"),
                "verify --allow-unsigned passes with a warning: \(verified.stderr)")
        }
    }

    @Test("a backup signed by another key is refused, whose key it was named; so is one whose signer's key is unknown")
    func otherSignerRefused() throws {
        try ReliabilityLog.run(.security, "signed: backup signed by another key refused before psql") { check in
            let source = try ScratchDatabase()
            let folder = try ScratchFolder()
            let other = try TestEnvironment.require("LIFEBOAT_TEST_GPG_OTHER_KEY")
            let otherHome = try TestEnvironment.require("LIFEBOAT_TEST_GNUPGHOME_OTHER")
            var otherEnvironment = try Hostile.environment(source, folder)
            otherEnvironment["GNUPGHOME"] = otherHome
            otherEnvironment["BACKUP_SIGNING_KEY"] = other
            let (file, manifest) = try BackupRoundTripTests.backup(
                ["--type", "manual", "--compress", "--no-encrypt"], otherEnvironment)
            check.expect(manifest.signedBy == other)
            let role = Self.uniqueRole()
            try Self.plantRole(role, in: file)
            let resigned = try BackupSigner(
                key: try OpenPGP.signingKey(fingerprint: other, homeDirectory: otherHome), gnupgHome: otherHome
            )
            .sign(
                existing: file,
                manifest: try BackupManifest.read(from: URL(fileURLWithPath: file.path + ".manifest.json")))
            check.expect(resigned.signedBy == other)

            // A keyring that knows both keys, trusting only the first: a valid signature, but not a trusted one.
            let keyring = try TemporaryKeyring(importing: [
                (try TestEnvironment.gnupgHome, try TestEnvironment.gpgKey), (otherHome, other)
            ])
            var environment = try Self.signingEnvironment(source, folder)
            environment["GNUPGHOME"] = keyring.path
            environment["BACKUP_SIGNING_KEY"] = nil
            environment["BACKUP_TRUSTED_SIGNERS"] = try TestEnvironment.gpgKey
            try Self.expectRefused(
                file, role: role, mentions: ["signature", other, "does not trust", "--allow-unsigned"],
                environment: environment, check: check)

            // The usual keyring does not even hold the other key.
            try Self.expectRefused(
                file, role: role, mentions: ["signature", "public key is not in keyring"],
                environment: try Self.signingEnvironment(source, folder), check: check)
        }
    }

    @Test("a changed byte in a signed backup is refused before its segment reaches psql, naming the segment")
    func flippedByteRefused() throws {
        try ReliabilityLog.run(.security, "signed: changed bytes in a signed backup refused, segment named") { check in
            let source = try ScratchDatabase()
            // About 6 MiB of plain SQL: two segments.
            try source.connect().query(
                "CREATE TABLE filler AS SELECT g, md5(g::text) || md5((g + 1)::text) AS t FROM generate_series(1, 40000) g"
            )
            let folder = try ScratchFolder()
            let environment = try Self.signingEnvironment(source, folder)
            let (file, manifest) = try BackupRoundTripTests.backup(
                ["--type", "manual", "--no-compress", "--no-encrypt"], environment)
            check.expect((manifest.segmentSha256?.count ?? 0) >= 2, "the backup has several segments")

            // Same length, in the dump's first comment line: without the check, psql would commit
            // and create the role before reading on.
            let role = Self.uniqueRole()
            var bytes = try Data(contentsOf: file)
            let marker = Data("-- PostgreSQL database dump".utf8)
            let range = try #require(bytes.range(of: marker))
            let statement = Data("COMMIT;CREATE ROLE \(role);".utf8)
            try #require(statement.count == marker.count)
            bytes.replaceSubrange(range, with: statement)
            try bytes.write(to: file)
            try Self.expectRefused(
                file, role: role, mentions: ["segment 1 of \(manifest.segmentSha256?.count ?? 0)"],
                environment: environment, check: check)

            // One bit in the second segment: the first went on (it matched), the second never did.
            bytes.replaceSubrange(range, with: marker)
            try bytes.write(to: file)
            try Hostile.flipBit(file, at: 4 * 1024 * 1024 + 100)
            let verify = try Command.lifeboat(["verify", file.path], environment: environment)
            check.expect(
                verify.status == 3 && verify.stderr.contains("segment 2 of"), "verify names segment 2: \(verify.stderr)"
            )
        }
    }

    @Test("a signed manifest edited to match a forged file is refused: its signature no longer verifies")
    func editedManifestRefused() throws {
        try ReliabilityLog.run(.security, "signed: edited signed manifest refused") { check in
            let source = try ScratchDatabase()
            let folder = try ScratchFolder()
            let environment = try Self.signingEnvironment(source, folder)
            let (file, _) = try BackupRoundTripTests.backup(
                ["--type", "manual", "--compress", "--no-encrypt"], environment)
            let role = Self.uniqueRole()
            try Self.plantRole(role, in: file)
            // The forger recomputes the segment hashes too (one segment here); only the signature is beyond reach.
            let digest = try BackupRoundTripTests.sha256sum(file)
            try Hostile.editManifest(file) { $0["segment_sha256"] = [digest] }
            try Self.expectRefused(
                file, role: role, mentions: ["signature", "does not verify", "changed after it was signed"],
                environment: environment, check: check)
        }
    }
}

extension SignedBackupTests {
    /// A replay: an older signed backup, its manifest and signature copied under a newer name so
    /// that it is taken as the latest. Everything verifies but the name the manifest signs.
    @Test("an older signed backup copied under a newer name is refused: the signed manifest names another file")
    func renamedSignedBackupRefused() throws {
        try ReliabilityLog.run(.security, "signed: an older signed backup renamed to pass for the latest refused") {
            check in
            let source = try ScratchDatabase()
            let folder = try ScratchFolder()
            let environment = try Self.signingEnvironment(source, folder)
            let (file, _) = try BackupRoundTripTests.backup(
                ["--type", "daily", "--compress", "--no-encrypt"], environment)
            let newer = BackupName(
                type: .daily, timestamp: Date().addingTimeInterval(600), compressed: true, encrypted: false)
            let renamed = folder.url.appendingPathComponent(newer.fileName)
            for suffix in ["", ".manifest.json", ".manifest.json.sig"] {
                try FileManager.default.copyItem(atPath: file.path + suffix, toPath: renamed.path + suffix)
            }
            let latest = try Command.lifeboat(["verify", "--latest"], environment: environment)
            check.expect(latest.status == 3, "verify --latest takes the renamed copy and refuses it: \(latest.stderr)")
            check.expect(
                latest.stderr.contains("signature")
                    && latest.stderr.contains("its signed manifest is for \(file.lastPathComponent)"),
                "the message names the signed file: \(latest.stderr)")
            let original = try Command.lifeboat(["verify", file.path], environment: environment)
            check.expect(original.status == 0, "under its own name it verifies: \(original.stderr)")
        }
    }
}

/// A throwaway GnuPG home with the public keys of others imported: for checks that need a
/// keyring knowing a key without trusting it. Short path (gpg-agent's socket limit); the agent
/// is stopped when it goes.
final class TemporaryKeyring {
    let path: String

    init(importing keys: [(home: String, fingerprint: String)]) throws {
        path = "/tmp/lbk.\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(
            atPath: path, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
        for key in keys {
            let result = try Command.shell(
                "gpg --homedir \(shellQuote(key.home)) --batch --export \(key.fingerprint) | gpg --homedir \(shellQuote(path)) --batch --import 2>/dev/null"
            )
            try #require(result.succeeded, "importing \(key.fingerprint): \(result.stderr)")
        }
    }

    deinit {
        _ = try? Command.run("/usr/bin/gpgconf", ["--homedir", path, "--kill", "gpg-agent"])
        try? FileManager.default.removeItem(atPath: path)
    }
}
