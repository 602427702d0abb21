import Foundation
import Testing
import LifeboatCore

/// Issue 18, item 4: gpgme runs gpg with Lifeboat's environment and gpg starts gpg-agent with
/// it, a daemon that outlives Lifeboat. Lifeboat starts the agent itself, with the allow-list.
@Suite(.enabled(if: TestEnvironment.shouldRun), .serialized)
struct GnuPGAgentTests {
    static let secret = "lb-fake-agent-secret-\(UInt32.random(in: 0...UInt32.max))"

    @Test func verifyingAnEncryptedBackupLeavesNoSecretInTheAgent() throws {
        // A copy of the test keyring with no agent running yet (short path: socket names are limited).
        let home = "/tmp/lbga\(UInt16.random(in: 0...UInt16.max))"
        let copied = try Command.shell(
            "cp -r \(shellQuote(try TestEnvironment.gnupgHome)) \(shellQuote(home)) && rm -f \(shellQuote(home))/S.*")
        defer {
            _ = try? Command.run("/usr/bin/env", ["gpgconf", "--homedir", home, "--kill", "gpg-agent"])
            try? FileManager.default.removeItem(atPath: home)
        }
        try #require(copied.succeeded, "\(copied.stderr)")
        let database = try ScratchDatabase()
        let folder = try ScratchFolder()
        let environment: [String: String?] = [
            "DATABASE_URL": database.url, "BACKUP_DIR": folder.path, "GNUPGHOME": home, "BACKUP_DISK_MIN_FREE_GB": "0",
            "BACKUP_ENCRYPTION_KEY": try TestEnvironment.require("LIFEBOAT_TEST_GPG_KEY"),
            "AWS_SECRET_ACCESS_KEY": Self.secret
        ]
        let (file, _) = try BackupRoundTripTests.backup(["--type", "manual", "--encrypt"], environment)
        let verify = try Command.lifeboat(["verify", file.path], environment: environment)
        try #require(verify.succeeded, "\(verify.stderr)")

        let agents = try Command.run("/usr/bin/env", ["pgrep", "-f", "gpg-agent --homedir \(home)"])
        let pids = agents.stdout.split(separator: "\n").map(String.init)
        try #require(!pids.isEmpty, "an agent runs for \(home)")
        for pid in pids {
            let environ = String(
                decoding: try Data(contentsOf: URL(fileURLWithPath: "/proc/\(pid)/environ")), as: UTF8.self)
            #expect(!environ.contains(Self.secret), "AWS_SECRET_ACCESS_KEY reached gpg-agent \(pid)")
        }
    }
}
