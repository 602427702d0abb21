import Foundation
import Testing
import LifeboatCore

/// Signed backups, the edges: a key that signs with a subkey is trusted by its primary
/// fingerprint; `sync` does not carry a backup this host would not restore to the bucket.
@Suite(.enabled(if: TestEnvironment.shouldRun))
struct SignedSubkeyAndSyncTests {
    @Test("a backup signed by a signing subkey is accepted when the primary key is trusted")
    func subkeySignature() throws {
        try ReliabilityLog.run(.security, "signed: subkey signature accepted by primary fingerprint") { check in
            let keyring = try TemporaryKeyring(importing: [])
            let gpg = "gpg --homedir \(shellQuote(keyring.path)) --batch --pinentry-mode loopback --passphrase ''"
            let made = try Command.shell(
                """
                \(gpg) --quick-gen-key 'Subkey Signer <sub@lifeboat.invalid>' ed25519 cert never >/dev/null 2>&1
                fpr=$(\(gpg) --with-colons --list-keys sub@lifeboat.invalid | awk -F: '$1=="fpr"{print $10; exit}')
                \(gpg) --quick-add-key "$fpr" ed25519 sign never >/dev/null 2>&1
                echo "$fpr"
                """)
            try #require(made.succeeded, "\(made.stderr)")
            let primary = made.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            let source = try ScratchDatabase()
            let folder = try ScratchFolder()
            var environment = try Hostile.environment(source, folder)
            environment["GNUPGHOME"] = keyring.path
            environment["BACKUP_SIGNING_KEY"] = primary
            let (file, _) = try BackupRoundTripTests.backup(
                ["--type", "manual", "--compress", "--no-encrypt"], environment)

            let status = try Command.shell(
                "\(gpg) --status-fd 1 --verify \(shellQuote(file.path + ".manifest.json.sig")) \(shellQuote(file.path + ".manifest.json")) 2>/dev/null"
            )
            let validsig =
                status.stdout.split(separator: "\n").first { $0.hasPrefix("[GNUPG:] VALIDSIG ") }.map(String.init) ?? ""
            let signingKey = validsig.split(separator: " ").dropFirst(2).first.map(String.init) ?? ""
            check.expect(!signingKey.isEmpty && signingKey != primary, "a subkey made the signature: \(validsig)")
            check.expect(validsig.hasSuffix(primary), "gpg names the primary key too: \(validsig)")

            let verify = try Command.lifeboat(["verify", file.path], environment: environment)
            check.expect(
                verify.succeeded && verify.stderr.contains("good signature by trusted key \(primary)"),
                "\(verify.stderr)")
            // The subkey's own fingerprint on the list works as well.
            environment["BACKUP_TRUSTED_SIGNERS"] = signingKey
            let bySubkey = try Command.lifeboat(["verify", file.path], environment: environment)
            check.expect(bySubkey.succeeded, "\(bySubkey.stderr)")
        }
    }

    @Test("sync refuses to upload an unsigned backup where signing is configured, unless --allow-unsigned")
    func syncRefusesUnsigned() throws {
        try ReliabilityLog.run(.security, "signed: sync does not upload an unsigned backup") { check in
            let source = try ScratchDatabase()
            let folder = try ScratchFolder()
            let bucket = try CloudTests.bucket()
            var environment = try CloudTests.environment(source, folder, bucket: bucket)
            environment["BACKUP_DISK_MIN_FREE_GB"] = "0"
            let (file, _) = try BackupRoundTripTests.backup(
                ["--type", "manual", "--compress", "--no-encrypt"], environment)
            environment["BACKUP_SIGNING_KEY"] = try TestEnvironment.gpgKey
            let refused = try Command.lifeboat(["sync", "--no-prune"], environment: environment)
            check.expect(
                refused.status == 3 && refused.stderr.contains("signature")
                    && refused.stderr.contains("--allow-unsigned"), "\(refused.stderr)")
            let empty = try CloudTests.aws(["s3api", "list-objects-v2", "--bucket", bucket])
            check.expect(!empty.stdout.contains(file.lastPathComponent), "nothing went up: \(empty.stdout)")

            let allowed = try Command.lifeboat(["sync", "--no-prune", "--allow-unsigned"], environment: environment)
            check.expect(allowed.succeeded && allowed.stderr.contains("warning:"), "\(allowed.stderr)")
            let listed = try CloudTests.aws(["s3api", "list-objects-v2", "--bucket", bucket])
            check.expect(
                listed.stdout.contains(file.lastPathComponent), "uploaded with --allow-unsigned: \(listed.stdout)")
        }
    }
}
