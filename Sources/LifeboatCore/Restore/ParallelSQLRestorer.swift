import Foundation
import LifeboatPostgres
import LifeboatStreams

/// Restores a plain dump over several connections at once, the way `pg_restore -j` restores an
/// archive, for a database Lifeboat created for this restore (a safe restore's copy, verify's
/// scratch database, a total loss): a failure there drops the database, so nothing is lost by
/// giving up psql's single transaction. The file stays plain SQL that psql restores alone.
///
/// The guarded stream (`SQLGuard` stays in front: nothing but SQL pg_dump writes reaches any
/// connection) is cut into statements by `DumpSplitter` and routed:
/// - **pre-data**, everything before the first COPY block, runs in order in one transaction
///   on the first connection, and commits before any worker starts;
/// - **data**: each COPY block goes to a worker (`RestoreWorker`), through a small buffer and
///   then a spool file (`CopyFeed`), so the reader goes on to the next block;
/// - **post-data**: index builds (`CREATE INDEX`, primary keys, unique constraints) go to the
///   workers too, one table's after its rows and one at a time; every other statement
///   (sequence values, large objects, foreign keys, triggers, partition attachments, ACLs,
///   comments) waits for all outstanding work and runs in order on the first connection,
///   in one transaction per run of such statements, committed before the next job is handed
///   out. Correctness first: a statement the router does not know is of this kind.
/// Session settings (`SET …`, `set_config`) run on the first connection at once and are
/// replayed on each worker before its next job.
final class ParallelSQLRestorer: DumpStatementSink {
    /// The stage of a statement the server refused; `verify` reads it as "the backup does not restore".
    static let failedStatementStage = "restore statement"

    struct Options: Sendable {
        var jobs: Int
        /// Bytes of a COPY block held in memory for its worker before the rest goes to a spool file.
        /// 1 MiB (four of the reader's chunks): with one buffer per outstanding block, a restore over
        /// 16 connections holds about 16 MiB of rows in memory at most.
        var bufferBytes = 1 << 20
        /// Where the spool folder goes (the run folder when there is one).
        var spoolParent: URL?
    }

    private let primary: Connection
    private let queue: RestoreJobQueue
    private let spool: CopySpool
    private let options: Options
    private let workers = DispatchGroup()
    private var inTransaction = false
    private var dataStarted = false
    private var settings: [(key: String, text: [UInt8])] = []
    private var feed: CopyFeed?
    /// Tests: whether any block went to the spool folder.
    private(set) var spilledBlocks = 0

    private init(primary: Connection, options: Options, spool: CopySpool, database: String, conninfo: String) {
        self.primary = primary
        self.options = options
        self.spool = spool
        queue = RestoreJobQueue(capacity: options.jobs)
        for _ in 0..<options.jobs {
            RestoreWorker(
                conninfo: conninfo, database: database, connectTimeout: nil, queue: queue,
                describe: { Self.failure($0, $1, database: database) }
            ).start(in: workers)
        }
    }

    /// Runs `stream` (which feeds the guarded SQL into the sink it is given) into `database`.
    /// Every worker is stopped and the spool folder removed before this returns, on failure too;
    /// the database is left for the caller to drop. Returns how many COPY blocks were spooled.
    static func restore(
        into database: String, conninfo: String, options: Options, cancellation: CancellationFlag?,
        _ stream: (DumpSplitter) throws -> Void
    ) throws -> Int {
        let primary: Connection
        do { primary = try Connection(conninfo, database: database) } catch {
            throw LifeboatError(connecting: error, target: database)
        }
        defer { primary.close() }
        let spool = try CopySpool(parent: options.spoolParent)
        defer { spool.remove() }
        let restorer = ParallelSQLRestorer(
            primary: primary, options: options, spool: spool, database: database, conninfo: conninfo)
        let primaryCancel = try? primary.cancelHandle()
        // Cancelled (SIGINT/SIGTERM, a step's timeout): every connection stops at once, not at
        // the end of its COPY or index build; the words are WatchedSource's, whichever is seen first.
        cancellation?.onCancel { [queue = restorer.queue, cancellation] in
            queue.fail(
                LifeboatError(
                    stage: "interrupted",
                    message: "stopped by \(cancellation?.reason ?? "a signal") before the work finished",
                    hint: "nothing half-done was kept; run the command again"))
            primaryCancel?.cancel()
        }
        defer { cancellation?.onCancel(nil) }
        do {
            _ = try? primary.query("SET synchronous_commit = off")
            let splitter = DumpSplitter(sink: restorer)
            try stream(splitter)
            try splitter.finish()
            try restorer.queue.waitUntilIdle()
            try restorer.commit()
            try restorer.flushToDisk()
        } catch {
            let failure = restorer.queue.failed ?? LifeboatError.wrap(error, stage: "restore")
            restorer.queue.fail(failure)
            restorer.stopWorkers()
            // The worker's own report (line, table, server message) is the one to read; a
            // refusal or damage found by the reader is thrown as it is, for the caller to judge.
            if let own = restorer.queue.failed, !(error is SQLGuardRefusal),
                !((error as? LifeboatError)?.category == .badBackup)
            {
                throw own
            }
            throw error
        }
        restorer.stopWorkers()
        return restorer.spilledBlocks
    }

    private func stopWorkers() {
        feed?.end()
        queue.close()
        workers.wait()
    }

    // MARK: DumpStatementSink

    func statement(_ statement: DumpStatement) throws {
        if let failure = queue.failed { throw failure }
        switch statement.kind {
        case .setting(let key):
            try run(statement)
            if let index = settings.firstIndex(where: { $0.key == key }) {
                settings[index].text = statement.text
            } else {
                settings.append((key, statement.text))
            }
        case .copy:
            dataStarted = true
            try commit()
            let feed = CopyFeed(limit: options.bufferBytes, spool: spool)
            try queue.submit(RestoreJob(statement: statement, settings: settings.map { $0.text }, feed: feed))
            self.feed = feed
        case .index where dataStarted:
            try commit()
            try queue.submit(RestoreJob(statement: statement, settings: settings.map { $0.text }, feed: nil))
        default:
            if dataStarted { try queue.waitUntilIdle() }
            if !inTransaction {
                try run(DumpStatement(sql: "BEGIN", line: statement.line, kind: .other))
                inTransaction = true
            }
            try run(statement)
        }
    }

    func copyData(_ rows: ArraySlice<UInt8>) throws {
        if let failure = queue.failed { throw failure }
        try feed?.append(rows)
    }

    func copyEnd() throws {
        if feed?.spilled == true { spilledBlocks += 1 }
        feed?.end()
        feed = nil
    }

    // MARK: the first connection

    private func run(_ statement: DumpStatement) throws {
        do {
            try primary.execute(statement.text)
        } catch {
            let failure = Self.failure(statement, error, database: primary.databaseName)
            queue.fail(failure)
            throw failure
        }
    }

    /// The connections commit with synchronous_commit off (a database a failure drops needs no
    /// flush per transaction). A validated copy may wait a while for its swap, though, and a
    /// server crash in between must not take its last rows: one synchronous commit of a
    /// transaction that has an id flushes the WAL up to it, and so everything committed before.
    private func flushToDisk() throws {
        for sql in ["SET synchronous_commit = on", "BEGIN", "SELECT pg_catalog.txid_current()", "COMMIT"] {
            try run(DumpStatement(sql: sql, line: 0, kind: .other))
        }
    }

    private func commit() throws {
        guard inTransaction else { return }
        inTransaction = false
        try run(DumpStatement(sql: "COMMIT", line: 0, kind: .other))
    }

    /// A refused statement as the error a user reads: where it is in the file, the table it
    /// touches, the server's own message. A cause on the server's side (a missing role,
    /// extension or tablespace) is said as such: never call a good backup bad.
    static func failure(_ statement: DumpStatement, _ error: any Error, database: String) -> LifeboatError {
        let server = (error as? PostgresError)?.message ?? "\(error)"
        var place = statement.line > 0 ? "line \(statement.line)" : "the statement"
        switch statement.kind {
        case .copy(let table): place += " (COPY into \(table))"
        case .index(let table): place += " (index on \(table))"
        default: break
        }
        let message = "\(place): \(server) — in `\(statement.summary)`"
        if let problem = TargetProblem.diagnose(server, database: database) { return problem }
        return LifeboatError(
            stage: failedStatementStage, message: message,
            hint: "the restore stopped at that statement and its database is dropped; "
                + "the message is the server's own: fix its cause, or use another backup",
            category: .failed)
    }
}
