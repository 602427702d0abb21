import Foundation
import Testing
import LifeboatCore

/// The other commands through the real binary: list, prune, config; and concurrent backups.
@Suite(.enabled(if: TestEnvironment.shouldRun))
struct BackupCommandTests {
    @Test func concurrentBackupsNeverOverwriteEachOtherThenListAndPrune() throws {
        let database = try ScratchDatabase()
        let folder = try ScratchFolder()
        let environment = ["DATABASE_URL": database.url, "BACKUP_DIR": folder.path, "LIFEBOAT_ENV_FILE": "/dev/null"]
        // Three backups of the same type started at once mostly land in the same second.
        let processes = (0..<3).map { _ in
            let process = Process()
            process.executableURL = URL(fileURLWithPath: Command.lifeboatPath)
            process.arguments = ["backup", "--type", "manual", "--compress"]
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
            process.standardError = FileHandle.nullDevice
            return process
        }
        for process in processes { try process.run() }
        for process in processes {
            process.waitUntilExit()
            #expect(process.terminationStatus == 0)
        }
        let backups = folder.files.filter { BackupName(fileName: $0) != nil }
        #expect(backups.count == 3, "\(folder.files)")
        #expect(folder.files.filter { $0.hasSuffix(".manifest.json") }.count == 3)
        #expect(folder.files.count == 6, "no partial files left: \(folder.files)")

        let list = try Command.lifeboat(["list", "--json"], environment: environment)
        try #require(list.succeeded, "\(list.stderr)")
        let listed = try #require(try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [[String: Any]])
        #expect(listed.count == 3)
        #expect(listed.allSatisfy { $0["verified"] as? String == "never" && $0["type"] as? String == "manual" })
        #expect(listed.map { $0["name"] as? String ?? "" } == backups.sorted(by: >), "newest first")

        let human = try Command.lifeboat(["list"], environment: environment)
        #expect(human.stdout.contains("VERIFIED"))
        #expect(human.stdout.contains(backups[0]))

        // Manual backups are kept unless a limit is set.
        let keepAll = try Command.lifeboat(["prune"], environment: environment)
        #expect(keepAll.succeeded)
        #expect(folder.files.count == 6)
        var limited = environment
        limited["BACKUP_RETENTION_MANUAL"] = "1"
        let dryRun = try Command.lifeboat(["prune", "--dry-run"], environment: limited)
        #expect(dryRun.stdout.components(separatedBy: "would delete:").count == 3)
        #expect(folder.files.count == 6)
        let prune = try Command.lifeboat(["prune"], environment: limited)
        #expect(prune.succeeded)
        #expect(folder.files == [backups.max()!, backups.max()! + ".manifest.json"])
    }

    @Test func configNeverPrintsSecrets() throws {
        let secrets = [
            "BACKUP_ENCRYPTION_KEY": "0A4C32B313F2BEF69E7AB011CC3D03FD8A679665",
            "AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMIK7MDENGbPxRfiCYEXAMPLEKEY",
            "BACKUP_WEBHOOK_SECRET": "whsec-material"
        ]
        var environment: [String: String?] = secrets
        environment["DATABASE_URL"] = "postgresql://app:hunter2pw@db.internal:5432/prod"
        for arguments in [["config"], ["config", "--json"]] {
            let result = try Command.lifeboat(arguments, environment: environment)
            #expect(result.succeeded)
            let output = result.stdout + result.stderr
            for secret in secrets.values { #expect(!output.contains(secret)) }
            #expect(!output.contains("hunter2pw"))
            #expect(output.contains("db.internal"))
        }
    }

    @Test func flagBeatsEnvironmentBeatsDotenv() throws {
        let folder = try ScratchFolder()
        let dotenv = folder.url.appendingPathComponent("test.env")
        try "BACKUP_DIR=/from/dotenv\nBACKUP_RETENTION_DAILY=3\nBACKUP_RETENTION_WEEKLY=2\n".write(
            to: dotenv, atomically: true, encoding: .utf8)
        let result = try Command.lifeboat(
            ["config", "--json", "--env-file", dotenv.path, "--backup-dir", "/from/flag"],
            environment: ["BACKUP_DIR": "/from/env", "BACKUP_RETENTION_DAILY": "5"])
        try #require(result.succeeded, "\(result.stderr)")
        let entries = try #require(
            try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: String]])
        let byName = Dictionary(uniqueKeysWithValues: entries.map { ($0["name"]!, ($0["value"]!, $0["origin"]!)) })
        #expect(byName["BACKUP_DIR"]! == ("/from/flag", "flag"))
        #expect(byName["BACKUP_RETENTION_DAILY"]! == ("5", "environment"))
        #expect(byName["BACKUP_RETENTION_WEEKLY"]! == ("2", ".env"))
        #expect(byName["BACKUP_RETENTION_MONTHLY"]! == ("12", "default"))
    }
}
