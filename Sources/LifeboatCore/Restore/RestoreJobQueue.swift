import Foundation
import LifeboatPostgres
import LifeboatStreams

/// One piece of a parallel restore for a worker connection: a COPY block (with its feed) or an
/// index build, with the session settings the dump had set when the reader reached it.
struct RestoreJob: Sendable {
    let statement: DumpStatement
    /// `SET …` / `set_config` statements in the order the dump ran them, one per setting.
    let settings: [[UInt8]]
    let feed: CopyFeed?
    /// Jobs with the same key (the table) run one after the other, in the order given:
    /// a table's indexes wait for its rows, and never contend for its lock.
    var key: String {
        switch statement.kind {
        case .copy(let table), .index(let table): return table
        default: return ""
        }
    }
}

/// The jobs handed out to the workers, and the first failure among them.
///
/// At most `capacity` jobs are outstanding (queued or running): the reader waits before adding
/// one more, which bounds the COPY blocks in flight, and so memory. A worker takes the first
/// queued job whose key is neither running nor held by an earlier queued job.
///
/// Sendable: all mutable state is read and written with `condition` locked; jobs and their
/// feeds are Sendable; the cancel handles are called outside the lock.
final class RestoreJobQueue: @unchecked Sendable {
    private let condition = NSCondition()
    private let capacity: Int
    private var queued: [RestoreJob] = []
    private var running: [ObjectIdentifier: RestoreJob] = [:]
    private var runningKeys: [String: Int] = [:]
    private var outstanding = 0
    private var closed = false
    private var failure: LifeboatError?
    private var cancelHandles: [CancelHandle] = []

    init(capacity: Int) {
        self.capacity = max(1, capacity)
    }

    /// The first failure, if any.
    var failed: LifeboatError? { condition.withLock { failure } }

    /// Adds a job once fewer than `capacity` are outstanding; throws the first failure instead.
    func submit(_ job: RestoreJob) throws {
        condition.lock()
        defer { condition.unlock() }
        while outstanding >= capacity && failure == nil { condition.wait() }
        if let failure { throw failure }
        queued.append(job)
        outstanding += 1
        condition.broadcast()
    }

    /// Waits until every job handed out has finished; throws the first failure instead.
    func waitUntilIdle() throws {
        condition.lock()
        defer { condition.unlock() }
        while outstanding > 0 && failure == nil { condition.wait() }
        if let failure { throw failure }
    }

    /// No more jobs: workers return once the queue is empty.
    func close() {
        condition.withLock {
            closed = true
            condition.broadcast()
        }
    }

    /// A worker's next job, nil when the queue is closed and empty or the restore failed.
    /// `token` identifies the worker's running job until `finished`.
    func next(worker token: ObjectIdentifier) -> RestoreJob? {
        condition.lock()
        defer { condition.unlock() }
        while true {
            if failure != nil { return nil }
            var seen = Set<String>()
            for (index, job) in queued.enumerated() {
                let key = job.key
                if runningKeys[key, default: 0] == 0 && !seen.contains(key) {
                    queued.remove(at: index)
                    runningKeys[key, default: 0] += 1
                    running[token] = job
                    return job
                }
                seen.insert(key)
            }
            if closed && queued.isEmpty { return nil }
            condition.wait()
        }
    }

    func finished(worker token: ObjectIdentifier) {
        condition.withLock {
            if let job = running.removeValue(forKey: token) {
                runningKeys[job.key, default: 1] -= 1
                outstanding -= 1
            }
            condition.broadcast()
        }
    }

    /// Records the first failure and stops everything: running statements are cancelled on the
    /// server, workers waiting for COPY rows are woken, the reader's next call throws.
    func fail(_ error: LifeboatError) {
        let (handles, feeds) = condition.withLock { () -> ([CancelHandle], [CopyFeed]) in
            if failure == nil { failure = error }
            condition.broadcast()
            return (cancelHandles, running.values.compactMap(\.feed) + queued.compactMap(\.feed))
        }
        for handle in handles { handle.cancel() }
        for feed in feeds { feed.abort() }
    }

    /// A worker's way to be cancelled by `fail`.
    func register(_ handle: CancelHandle) {
        let failedAlready = condition.withLock { () -> Bool in
            cancelHandles.append(handle)
            return failure != nil
        }
        if failedAlready { handle.cancel() }
    }
}
