import Foundation
import LifeboatPostgres
import LifeboatStreams

/// One connection of a parallel restore, on its own thread: takes jobs from the queue until it
/// is closed, loading COPY blocks through libpq's COPY FROM STDIN and building indexes, each in
/// its own transaction. Before a job it replays the session settings the dump had set by then
/// (`search_path`, `client_encoding`, `standard_conforming_strings`, `default_tablespace`, …),
/// so that a statement means on this connection what it meant in the dump.
///
/// A thread, not a task: libpq blocks, and a restore's workers must all run at once whatever
/// the cooperative pool's width (a reader waiting for a worker that is not scheduled would
/// never finish). The connection is made and closed on the thread, never shared.
struct RestoreWorker: Sendable {
    let conninfo: String
    let database: String
    let connectTimeout: Duration?
    let queue: RestoreJobQueue
    /// The error a failed statement is reported as (line, table, server message).
    let describe: @Sendable (DumpStatement, any Error) -> LifeboatError

    /// Starts the thread; `group` is left when it has closed its connection.
    func start(in group: DispatchGroup) {
        group.enter()
        let thread = Thread { [self] in
            run()
            group.leave()
        }
        thread.stackSize = 1 << 22
        thread.start()
    }

    private final class Token {}

    private func run() {
        let connection: Connection
        do {
            connection = try Connection(conninfo, database: database, connectTimeout: connectTimeout)
            queue.register(try connection.cancelHandle())
            // The database is new and dropped on any failure, and the swap that follows commits
            // synchronously (flushing this WAL with it): waiting for each flush buys nothing.
            try connection.query("SET synchronous_commit = off")
        } catch {
            queue.fail(LifeboatError(connecting: error, target: database))
            return
        }
        defer { connection.close() }
        let token = Token()
        let id = ObjectIdentifier(token)
        var applied: [[UInt8]] = []
        while let job = queue.next(worker: id) {
            do {
                if job.settings != applied {
                    for setting in job.settings { try connection.execute(setting) }
                    applied = job.settings
                }
                if let feed = job.feed {
                    defer { feed.discard() }
                    try load(job.statement, from: feed, on: connection)
                } else {
                    try connection.execute(job.statement.text)
                }
            } catch is CopyFeed.Aborted {
                // The restore failed elsewhere; that failure is the one reported.
            } catch {
                queue.fail(describe(job.statement, error))
            }
            queue.finished(worker: id)
        }
    }

    /// One COPY block: rows as the reader hands them over, from memory then from the spool.
    private func load(_ statement: DumpStatement, from feed: CopyFeed, on connection: Connection) throws {
        try connection.beginCopyIn(bytes: statement.text)
        do {
            while let rows = try feed.next() {
                try connection.putCopyData(rows)
            }
        } catch let aborted as CopyFeed.Aborted {
            try? connection.endCopy(failure: "the restore was abandoned")
            throw aborted
        } catch {
            try? connection.endCopy(failure: "the restore was abandoned")
            throw error
        }
        try connection.endCopy()
    }
}
