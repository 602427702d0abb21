import Foundation
import Testing
import LifeboatCore
import LifeboatRunbooks

/// A disk that fills up under a backup, a decrypted artifact and a download. The disk is a
/// small tmpfs of the test's own where mounting is allowed (root), else the file size limit
/// (`ulimit -f`) stands in for it. Each fails with the cause in the message, leaves nothing
/// that looks like a good file, and goes on once there is room again.
@Suite(.enabled(if: TestEnvironment.shouldRun))
struct DiskFullFaultTests {
    static let decryptRunbook = """
        name: decrypt-artifact
        description: Decrypts the newest backup into the run folder, then notes that it did.
        steps:
          - id: pick
            action: backup.select
          - id: decrypt
            action: backup.decrypt
            with: { backup: "${steps.pick.outputs.path}" }
            needs: [pick]
          - id: after
            action: shell
            with: { command: "echo after >> \\"${env.LB_WORK}/log\\"" }
            needs: [decrypt]
        """

    /// The message of a full disk, or of the file size limit standing in for it.
    static func saysDiskFull(_ text: String, _ disk: TinyDisk) -> Bool {
        text.contains(disk.mounted ? "No space left on device" : "File too large")
    }

    @Test func backupFillsTheDisk() throws {
        let database = try ScratchDatabase()
        let disk = try TinyDisk(kilobytes: 512)
        var environment = try BackupRoundTripTests.environment(database, disk.folder)
        environment["BACKUP_DISK_MIN_FREE_GB"] = "0"
        let free = disk.freeBytes()
        try FaultLog.run("disk full while writing a backup") { fault in
            // The plain dump (about 3 MB) cannot fit: --skip-disk-check lets it try.
            let result = try disk.lifeboat(
                ["backup", "--type", "daily", "--no-compress", "--skip-disk-check"], environment: environment)
            fault.check(result.status == 1, "the backup fails: \(result.stderr)")
            fault.check(
                result.stderr.contains("error: write:") && Self.saysDiskFull(result.stderr, disk),
                "says the disk is full: \(result.stderr)")
            fault.check(
                result.stderr.contains("free space") || result.stderr.contains("raise the limit"),
                "says what to do: \(result.stderr)")
            fault.check(disk.folder.files.isEmpty, "nothing left, not even the partial file: \(disk.folder.files)")
            fault.check(!disk.mounted || disk.freeBytes() == free, "the space is given back")
        }
        if disk.mounted {
            try FaultLog.run("disk too small: backup refused before it starts") { fault in
                let result = try Command.lifeboat(
                    ["backup", "--type", "daily", "--no-compress"], environment: environment)
                fault.check(result.status == 1, "refused: \(result.stderr)")
                fault.check(
                    result.stderr.contains("error: disk space: not enough room")
                        && result.stderr.contains("pg_dump was not started"),
                    "says why before anything is written: \(result.stderr)")
                fault.check(disk.folder.files.isEmpty, "\(disk.folder.files)")
            }
        }
    }

    @Test func decryptedArtifactFillsTheDisk() throws {
        try FaultLog.run("disk full while writing a decrypted artifact") { fault in
            let database = try ScratchDatabase()
            let folder = try ScratchFolder()
            let work = try ScratchFolder()
            let disk = try TinyDisk(kilobytes: 1024)
            var environment = try BackupRoundTripTests.environment(database, folder)
            environment["BACKUP_DISK_MIN_FREE_GB"] = "0"
            _ = try BackupRoundTripTests.backup(["--type", "daily", "--no-compress", "--encrypt"], environment)
            let runbook = work.url.appendingPathComponent("decrypt-artifact.yaml")
            try Self.decryptRunbook.write(to: runbook, atomically: true, encoding: .utf8)
            environment["LIFEBOAT_STATE_DIR"] = disk.path
            environment["LB_WORK"] = work.path
            let before = try database.rowCounts()

            // The preflight sees that the decrypted copy will not fit and refuses the run...
            let refused = try disk.lifeboat(["runbook", "run", runbook.path, "--yes"], environment: environment)
            fault.check(
                refused.status == 5 && refused.stderr.contains("fail    disk.local"),
                "the preflight refuses: \(refused.stderr)")
            fault.check(disk.folder.files.isEmpty, "nothing written: \(disk.folder.files)")
            // ...and a run that goes on anyway meets the full disk mid-step.
            let result = try disk.lifeboat(
                ["runbook", "run", runbook.path, "--yes", "--ignore-preflight", "disk.local"], environment: environment)
            fault.check(result.status == 1, "the run fails: \(result.stderr)")
            fault.check(Self.saysDiskFull(result.stderr, disk), "says the disk is full: \(result.stderr)")
            let runID = try #require(
                try FileManager.default.contentsOfDirectory(atPath: disk.url.appendingPathComponent("runs").path).first)
            let events = try RunJournal.read(disk.url.appendingPathComponent("runs/\(runID)/journal.jsonl"))
            let decrypt = events.last { $0.kind == .stepFinished && $0.step == "decrypt" }
            fault.check(
                decrypt?.status == .failed && Self.saysDiskFull(decrypt?.message ?? "", disk),
                "the journal has the failure and its cause: \(decrypt?.message ?? "none")")
            let artifacts = disk.url.appendingPathComponent("runs/\(runID)/artifacts")
            let left = (try? FileManager.default.contentsOfDirectory(atPath: artifacts.path)) ?? []
            fault.check(left.isEmpty, "no decrypted file, whole or partial: \(left)")
            fault.check(
                !FileManager.default.fileExists(atPath: work.url.appendingPathComponent("log").path),
                "the next step did not run")
            fault.check(try database.rowCounts() == before, "the database is untouched")

            // Room again: the run resumes at the failed step and finishes.
            try disk.grow(kilobytes: 16_384)
            let resumed = try Command.lifeboat(["runbook", "resume", runID, "--yes"], environment: environment)
            fault.check(resumed.succeeded, "the run resumes: \(resumed.stderr)")
            fault.check(Faults.text(work.url.appendingPathComponent("log")) == "after\n", "the next step ran once")
            let final = try RunJournal.read(disk.url.appendingPathComponent("runs/\(runID)/journal.jsonl"))
            fault.check(final.last?.kind == .runFinished && final.last?.status == .succeeded, "succeeded")
            fault.check(
                final.filter { $0.kind == .stepStarted && $0.step == "pick" }.count == 1,
                "the selection was not repeated")
        }
    }

    @Test func downloadFillsTheDisk() throws {
        try FaultLog.run("disk full while writing a download") { fault in
            let database = try ScratchDatabase()
            let folder = try ScratchFolder()
            let bucket = try CloudTests.bucket()
            var environment = try CloudTests.environment(database, folder, bucket: bucket)
            environment["BACKUP_DISK_MIN_FREE_GB"] = "0"
            let (file, _) = try BackupRoundTripTests.backup(
                ["--type", "daily", "--no-compress", "--upload"], environment)
            let name = file.lastPathComponent
            let disk = try TinyDisk(kilobytes: 1024)
            environment["BACKUP_DIR"] = disk.path

            let full = try disk.lifeboat(["fetch", name], environment: environment)
            fault.check(full.status == 1, "the fetch fails: \(full.stderr)")
            fault.check(
                full.stderr.contains("error: fetch:") && Self.saysDiskFull(full.stderr, disk),
                "says the disk is full: \(full.stderr)")
            fault.check(full.stderr.contains("resumes next time"), "says the partial download is kept: \(full.stderr)")
            fault.check(
                Faults.backupLike(disk.folder).isEmpty, "no file that looks like a backup: \(disk.folder.files)")
            fault.check(
                Faults.hidden(disk.folder) == [".\(name).partial"], "only the hidden partial file: \(disk.folder.files)"
            )

            try disk.grow(kilobytes: 16_384)
            let resumed = try Command.lifeboat(["fetch", name, "--json"], environment: environment)
            fault.check(resumed.succeeded, "the fetch resumes once there is room: \(resumed.stderr)")
            let report = try JSONSerialization.jsonObject(with: Data(resumed.stdout.utf8)) as? [String: Any]
            fault.check((report?["resumed_from"] as? Int ?? 0) > 0, "from the partial file: \(resumed.stdout)")
            fault.check(
                (try? Data(contentsOf: disk.url.appendingPathComponent(name))) == (try? Data(contentsOf: file)),
                "the same bytes")
        }
    }
}

/// A small disk: a tmpfs of `kilobytes` mounted on a scratch folder when this process may
/// mount (root); otherwise the folder is an ordinary one and `lifeboat(...)` runs under
/// `ulimit -f` of the same size, which fails writes the same way (EFBIG instead of ENOSPC).
final class TinyDisk {
    let folder: ScratchFolder
    let mounted: Bool
    private(set) var limitKilobytes: Int?
    var path: String { folder.path }
    var url: URL { folder.url }

    init(kilobytes: Int) throws {
        folder = try ScratchFolder()
        let mount = try Command.run(
            "/bin/sh",
            ["-c", "mount -t tmpfs -o size=\(kilobytes)k,mode=0700 lifeboat-fault \(shellQuote(folder.path)) 2>&1"])
        mounted = mount.succeeded
        limitKilobytes = mounted ? nil : kilobytes
    }

    /// More room: a larger tmpfs, or no file size limit.
    func grow(kilobytes: Int) throws {
        if mounted {
            let result = try Command.run(
                "/bin/sh", ["-c", "mount -o remount,size=\(kilobytes)k \(shellQuote(folder.path)) 2>&1"])
            try #require(result.succeeded, "remount: \(result.stdout)")
        } else {
            limitKilobytes = nil
        }
    }

    func freeBytes() -> Int64 {
        var stats = statvfs()
        guard statvfs(folder.path, &stats) == 0 else { return -1 }
        return Int64(stats.f_bavail) * Int64(stats.f_frsize)
    }

    /// Runs `lifeboat` against this disk (under the size limit when there is no tmpfs).
    func lifeboat(_ arguments: [String], environment: [String: String?]) throws -> CommandResult {
        guard let limit = limitKilobytes else { return try Command.lifeboat(arguments, environment: environment) }
        var environment = environment
        if environment["LIFEBOAT_ENV_FILE"] == nil { environment["LIFEBOAT_ENV_FILE"] = "/dev/null" }
        let command = ([Command.lifeboatPath] + arguments).map(shellQuote).joined(separator: " ")
        return try Command.run("/bin/bash", ["-c", "ulimit -f \(limit); exec \(command)"], environment: environment)
    }

    deinit {
        if mounted {
            _ = try? Command.run(
                "/bin/sh", ["-c", "umount \(shellQuote(folder.path)) || umount -l \(shellQuote(folder.path))"])
        }
    }
}
