import Foundation
import Testing
import LifeboatCore
import LifeboatPostgres
import LifeboatRunbooks

/// Files that hold data are private (0600, folders 0700) whatever the umask; decrypted copies
/// last only as long as their run; and no secret reaches a process's argument list, a log line,
/// an error, a manifest, a journal, a report or `lifeboat config`.
@Suite(.enabled(if: TestEnvironment.shouldRun))
struct SecurityTests {
    static func mode(_ path: String) -> Int {
        ((try? FileManager.default.attributesOfItem(atPath: path))?[.posixPermissions] as? NSNumber)?.intValue ?? -1
    }

    /// Runs lifeboat under umask 000, so that only modes Lifeboat sets itself can pass.
    static func lifeboatUnderOpenUmask(_ arguments: [String], _ environment: [String: String?]) throws -> CommandResult
    {
        var environment = environment
        if environment["LIFEBOAT_ENV_FILE"] == nil { environment["LIFEBOAT_ENV_FILE"] = "/dev/null" }
        let command = ([Command.lifeboatPath] + arguments).map(shellQuote).joined(separator: " ")
        return try Command.run("/bin/bash", ["-c", "umask 000; exec \(command)"], environment: environment)
    }

    @Test func backupsManifestsAndFetchedFilesArePrivateWhateverTheUmask() throws {
        try ReliabilityLog.run(.security, "permissions: backups, manifests, BACKUP_DIR, fetched files (umask 000)") {
            check in
            let live = try ScratchDatabase()
            let root = try ScratchFolder()
            let folder = root.url.appendingPathComponent("new-backups")
            let bucket = try CloudTests.bucket()
            var environment = try BackupRoundTripTests.environment(live, try ScratchFolder())
            environment["BACKUP_DIR"] = folder.path
            environment["BACKUP_DISK_MIN_FREE_GB"] = "0"
            for (key, value) in CloudTests.credentials { environment[key] = value }
            environment["BACKUP_CLOUD_BUCKET"] = bucket
            environment["BACKUP_CLOUD_ENDPOINT"] = try TestEnvironment.require("LIFEBOAT_TEST_S3_ENDPOINT")

            let backup = try Self.lifeboatUnderOpenUmask(
                ["backup", "--type", "daily", "--compress", "--encrypt", "--upload", "--json"], environment)
            try #require(backup.succeeded, "\(backup.stderr)")
            let path = try #require(
                (try JSONSerialization.jsonObject(with: Data(backup.stdout.utf8)) as? [String: Any])?["path"] as? String
            )
            check.expect(
                Self.mode(folder.path) == 0o700,
                "a missing BACKUP_DIR is created 0700: \(String(Self.mode(folder.path), radix: 8))")
            check.expect(Self.mode(path) == 0o600, "the backup is 0600")
            check.expect(Self.mode(path + ".manifest.json") == 0o600, "the manifest is 0600")

            let verify = try Self.lifeboatUnderOpenUmask(["verify", path], environment)
            check.expect(verify.status == 0, "\(verify.stderr)")
            check.expect(Self.mode(path + ".manifest.json") == 0o600, "the manifest with its verdict is still 0600")

            let fetched = root.url.appendingPathComponent("fetched")
            environment["BACKUP_DIR"] = fetched.path
            let fetch = try Self.lifeboatUnderOpenUmask(["fetch", "--latest"], environment)
            check.expect(fetch.status == 0, "\(fetch.stderr)")
            let name = URL(fileURLWithPath: path).lastPathComponent
            check.expect(Self.mode(fetched.path) == 0o700, "fetch creates BACKUP_DIR 0700")
            check.expect(Self.mode(fetched.appendingPathComponent(name).path) == 0o600, "the fetched backup is 0600")
            check.expect(
                Self.mode(fetched.appendingPathComponent(name + ".manifest.json").path) == 0o600, "its manifest is 0600"
            )
        }
    }

    static let decryptRunbook = """
        name: decrypt-then-gate
        description: decrypts the newest backup, records the modes, waits for a flag, checks the row counts
        steps:
          - id: pick
            action: backup.select
            with: { type: daily, which: latest }
          - id: decrypt
            action: backup.decrypt
            with: { backup: "${steps.pick.outputs.path}" }
            needs: [pick]
          - id: modes
            action: shell
            with:
              command: stat -c '%a %n' "${steps.decrypt.outputs.path}" "$(dirname "${steps.decrypt.outputs.path}")" "$(dirname "$(dirname "${steps.decrypt.outputs.path}")")" > "${env.LB_WORK}/modes"
            needs: [decrypt]
          - id: gate
            action: shell
            with: { command: "test -f \\"${env.LB_WORK}/fixed\\"" }
            needs: [modes]
          - id: validate
            action: validate.row_counts
            with: { backup: "${steps.decrypt.outputs.path}" }
            needs: [gate]

        """

    /// The plaintext of an encrypted backup exists, 0600 in a 0700 folder, only while its run
    /// runs: a failed run removes it too, and its resume decrypts again before the steps that
    /// read it.
    @Test func decryptedArtifactsArePrivateAndGoWhenTheRunEndsEvenOnFailure() throws {
        try ReliabilityLog.run(
            .security, "decrypted artifacts: 0600/0700, removed when a run fails and when it succeeds"
        ) { check in
            let live = try ScratchDatabase()
            let folder = try ScratchFolder()
            let state = try ScratchFolder()
            let work = try ScratchFolder()
            var environment = try Hostile.environment(live, folder)
            _ = try BackupRoundTripTests.backup(["--type", "daily", "--compress", "--encrypt"], environment)
            let runbook = work.url.appendingPathComponent("decrypt.yaml")
            try Data(Self.decryptRunbook.utf8).write(to: runbook)
            environment["LIFEBOAT_STATE_DIR"] = state.path
            environment["LB_WORK"] = work.path

            let failed = try Self.lifeboatUnderOpenUmask(
                ["runbook", "run", runbook.path, "--yes", "--json"], environment)
            check.expect(failed.status == 1, "the gate fails the run: \(failed.stderr)")
            let runID = try #require(
                (try? FileManager.default.contentsOfDirectory(atPath: state.url.appendingPathComponent("runs").path))?
                    .first)
            let runFolder = state.url.appendingPathComponent("runs/\(runID)")
            let modes = (try? String(contentsOf: work.url.appendingPathComponent("modes"), encoding: .utf8)) ?? ""
            let lines = modes.split(separator: "\n").map { $0.split(separator: " ").first.map(String.init) ?? "" }
            check.expect(
                lines == ["600", "700", "700"],
                "while it exists: file 0600, artifacts/ and the run folder 0700: \(modes)")
            check.expect(
                Self.mode(runFolder.appendingPathComponent("journal.jsonl").path) == 0o600, "the journal is 0600")
            check.expect(Self.mode(state.url.appendingPathComponent("locks").path) == 0o700, "the locks folder is 0700")
            let afterFailure =
                (try? FileManager.default.contentsOfDirectory(
                    atPath: runFolder.appendingPathComponent("artifacts").path)) ?? []
            check.expect(
                !afterFailure.contains { $0.hasSuffix(".sql.gz") || $0.hasSuffix(".sql.gz.manifest.json") },
                "the failed run removed the plaintext: \(afterFailure)")

            try Data().write(to: work.url.appendingPathComponent("fixed"))
            let resumed = try Self.lifeboatUnderOpenUmask(["runbook", "resume", runID, "--yes"], environment)
            check.expect(resumed.status == 0, "the resume decrypts again and finishes: \(resumed.stderr)")
            let events = try RunJournal.read(runFolder.appendingPathComponent("journal.jsonl"))
            check.expect(
                events.filter { $0.kind == .stepStarted && $0.step == "decrypt" }.count == 2,
                "decrypt ran again on resume")
            check.expect(
                events.filter { $0.kind == .stepStarted && $0.step == "modes" }.count == 1,
                "the steps after it that were done stay done")
            check.expect(events.last?.status == .succeeded, "the run succeeded")
            let afterSuccess =
                (try? FileManager.default.contentsOfDirectory(
                    atPath: runFolder.appendingPathComponent("artifacts").path)) ?? []
            check.expect(afterSuccess.isEmpty, "nothing decrypted is left: \(afterSuccess)")
        }
    }
}
