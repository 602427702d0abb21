import Foundation
import LifeboatPostgres
import LifeboatStreams

/// Feeds a backup's SQL to psql, connected to one database, in a single transaction: a dump
/// that fails halfway leaves that database as it was (empty, for a new one).
///
/// A backup is untrusted input (anyone who can write BACKUP_DIR or the bucket can plant one),
/// so two things stand between it and psql: `SQLGuard`, which refuses anything psql would run
/// that is not SQL pg_dump writes, and a `\restrict` key of ours, sent before the backup's
/// first byte, under which psql itself refuses every meta-command should the guard miss one.
/// A refusal kills psql before it reads the line, so its transaction never commits.
public struct SQLRestorer {
    public let configuration: LifeboatConfiguration
    public var cancellation: CancellationFlag?
    public var progress: ((Int64) -> Void)?
    /// Tests only: feeds the backup to psql unguarded, to show that the `\restrict` key alone
    /// still stops a meta-command.
    var bypassGuardForTesting = false
    /// The database was created for this restore and is dropped if it fails: the restore may
    /// then run over RESTORE_JOBS connections (`ParallelSQLRestorer`) instead of psql's single
    /// transaction, which protects only a database that holds something already.
    public var intoNewDatabase = false
    /// Where a parallel restore spools COPY data no worker could take yet (the run folder when
    /// there is one; unset: the system's temporary folder).
    public var spoolDirectory: URL?
    /// Tests only: bytes of a COPY block held in memory before the rest is spooled.
    var copyBufferBytesForTesting: Int?
    /// Tests only: told how many COPY blocks went to the spool folder.
    var spilledBlocksForTesting: ((Int) -> Void)?

    public init(configuration: LifeboatConfiguration) {
        self.configuration = configuration
    }

    public func restore(_ reader: BackupReader, into database: String, serverMajor: Int) throws -> BackupReader.Outcome
    {
        let jobs = try Self.jobs(configuration)
        if intoNewDatabase && jobs > 1 && !bypassGuardForTesting {
            return try restoreInParallel(reader, into: database, jobs: jobs)
        }
        let psqlPath = try ClientProgramLocator.psql(configuration).locate(serverMajor: serverMajor)
        var environment = try ClientEnvironment.make(configuration)
        environment["PGDATABASE"] = database
        let psql = try PipedProcess(
            program: "psql", executable: psqlPath.path,
            arguments: ["-X", "-q", "--no-password", "-v", "ON_ERROR_STOP=1", "--single-transaction"],
            environment: environment, direction: .toChild)
        cancellation?.onCancel { [pid = psql.processIdentifier] in kill(pid, SIGTERM) }
        defer { cancellation?.onCancel(nil) }
        var reader = reader
        reader.cancellation = cancellation
        reader.progress = progress
        reader.gnupgHome = configuration.gnupgHome
        let guarded = SQLGuard(downstream: psql.sink)
        let outcome: BackupReader.Outcome
        do {
            try psql.sink.write(Array("\\restrict \(Self.restrictKey())\n".utf8))
            outcome = try reader.stream(to: bypassGuardForTesting ? psql.sink : guarded)
            if !bypassGuardForTesting { try guarded.finish() }
        } catch let refusal as SQLGuardRefusal {
            // Killed, not closed: psql ends its single transaction with COMMIT at end of input.
            psql.terminate()
            _ = try? psql.waitForSuccess()
            throw Self.diagnose(refusal, reader)
        } catch let error as StreamError where error.stage.rawValue == "psql" {
            // psql stopped reading: its own message says why; damage in the file may be the cause.
            try reader.checkHashAfterFailure()
            do { try psql.waitForSuccess() } catch let failure as LifeboatError {
                throw TargetProblem.diagnose(failure.message, database: database) ?? failure
            }
            throw LifeboatError(error)
        } catch {
            psql.terminate()
            _ = try? psql.waitForSuccess()
            throw LifeboatError.wrap(error, stage: "restore")
        }
        do {
            try psql.waitForSuccess()
        } catch let error as LifeboatError {
            try reader.checkHashAfterFailure()
            // An intact file that the server cannot take: say so, never "the backup is bad".
            throw TargetProblem.diagnose(error.message, database: database) ?? error
        }
        return outcome
    }

    /// RESTORE_JOBS, or the number of cores when unset.
    static func jobs(_ configuration: LifeboatConfiguration) throws -> Int {
        guard let jobs = try configuration.int(.restoreJobs) else {
            return max(1, ProcessInfo.processInfo.activeProcessorCount)
        }
        guard jobs >= 1 else {
            throw configuration.invalid(
                .restoreJobs, String(jobs), "1 or more connections (1: one psql in a single transaction)")
        }
        return jobs
    }

    /// The same guarded stream, cut into statements and run over `jobs` connections. Errors
    /// are judged as psql's are: a refusal may be damage; a statement the server refused is
    /// checked against the file's hash before it is reported (and said to be the target's
    /// fault when it is).
    private func restoreInParallel(_ reader: BackupReader, into database: String, jobs: Int) throws
        -> BackupReader.Outcome
    {
        var reader = reader
        reader.cancellation = cancellation
        reader.progress = progress
        reader.gnupgHome = configuration.gnupgHome
        var options = ParallelSQLRestorer.Options(jobs: jobs)
        options.spoolParent = spoolDirectory
        if let bytes = copyBufferBytesForTesting { options.bufferBytes = bytes }
        var outcome: BackupReader.Outcome?
        do {
            let spilled = try ParallelSQLRestorer.restore(
                into: database, conninfo: configuration.databaseURL ?? "",
                options: options, cancellation: cancellation
            ) { [reader] splitter in
                let guarded = SQLGuard(downstream: splitter, keepsLineNumbers: true)
                outcome = try reader.stream(to: guarded)
                try guarded.finish()
            }
            spilledBlocksForTesting?(spilled)
        } catch let refusal as SQLGuardRefusal {
            throw Self.diagnose(refusal, reader)
        } catch let error as LifeboatError where error.stage == ParallelSQLRestorer.failedStatementStage {
            throw Self.damage(reader) ?? error
        } catch {
            throw LifeboatError.wrap(error, stage: "restore")
        }
        return outcome!
    }

    /// Reads the whole backup through the guard without running anything: for a restore that
    /// must know the file is only SQL before it drops the live database (`--force`).
    public static func check(_ reader: BackupReader) throws -> BackupReader.Outcome {
        let guarded = SQLGuard(downstream: NullSink())
        do {
            let outcome = try reader.stream(to: guarded)
            try guarded.finish()
            return outcome
        } catch let refusal as SQLGuardRefusal {
            throw diagnose(refusal, reader)
        }
    }

    /// A refusal may be damage rather than forgery: a flipped bit makes strange lines before
    /// the SHA-256, gzip or OpenPGP check at the end can name the cause. So the file is read
    /// once more to its end, without psql, and damage found there is reported instead.
    static func diagnose(_ refusal: SQLGuardRefusal, _ reader: BackupReader) -> LifeboatError {
        damage(reader) ?? error(refusal, file: reader.file)
    }

    /// Damage the file's own checks find when it is read once more to its end, without a
    /// server: a statement the server refused may be a flipped bit that gunzip or OpenPGP would
    /// only name later. psql's pipe lets the reader run ahead and find it first; the parallel
    /// restore reads in step with its connections, so it looks again, as `diagnose` does.
    static func damage(_ reader: BackupReader) -> LifeboatError? {
        do {
            _ = try reader.stream(to: NullSink())
        } catch let damage as LifeboatError where damage.category == .badBackup {
            return damage
        } catch {}
        return nil
    }

    /// A refusal as the error a user reads: the line, the command, and what to do.
    static func error(_ refusal: SQLGuardRefusal, file: URL) -> LifeboatError {
        let reader = BackupReader(file: file, manifest: nil)
        let view =
            (reader.encrypted
                ? "gpg -d \(file.path) | " + (reader.compressed ? "gunzip | " : "")
                : reader.compressed ? "gunzip -c \(file.path) | " : "cat \(file.path) | ") + "sed -n \(refusal.line)p"
        return LifeboatError(
            stage: "sql guard", message: "\(refusal.description); nothing was restored",
            hint: "use another backup, and find out who wrote this one; look at the line with `\(view)`",
            category: .badBackup)
    }

    /// A fresh key per restore, alphanumeric as psql requires; a planted file cannot guess it.
    static func restrictKey() -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
        var generator = SystemRandomNumberGenerator()
        return String((0..<40).map { _ in alphabet[Int(generator.next(upperBound: UInt(alphabet.count)))] })
    }
}
