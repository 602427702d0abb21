import Foundation
import Synchronization
import Testing
import LifeboatPostgres

/// The connection pool against the real server: QueuePool's sizes, overflow and timeout,
/// pre-ping after pg_terminate_backend, recycling, and the connection always coming back.
@Suite(.enabled(if: TestEnvironment.shouldRun))
struct ConnectionPoolTests {
    /// The issue's acceptance settings: two kept, one overflow, a short wait.
    static func smallPool(
        _ database: ScratchDatabase, timeout: Duration = .seconds(0.5),
        recycle: Duration? = nil, prePing: Bool = true
    ) -> ConnectionPool {
        ConnectionPool(
            database.url,
            settings: .init(
                size: 2, maxOverflow: 1, timeout: timeout, recycle: recycle, connectTimeout: .seconds(5),
                prePing: prePing))
    }

    static func backendPID(_ connection: Connection) throws -> Int {
        Int(try connection.query("SELECT pg_backend_pid()").scalar ?? "") ?? 0
    }

    /// Server sessions connected to `database`, as the server sees them (closing is asynchronous
    /// on the server side, so this polls until `expected` or a generous deadline).
    static func sessions(on database: ScratchDatabase, expecting expected: Int) throws -> Int {
        let admin = try Connection(try TestEnvironment.adminURL)
        let deadline = ContinuousClock.now.advanced(by: .seconds(60))
        while true {
            let count =
                Int(
                    try admin.query(
                        "SELECT count(*) FROM pg_stat_activity WHERE datname = $1", [database.name]
                    ).scalar ?? "") ?? -1
            if count == expected || ContinuousClock.now >= deadline { return count }
            Thread.sleep(forTimeInterval: 0.05)
        }
    }

    /// Ends a backend from another session and waits until it is gone.
    static func terminate(_ pid: Int, on database: ScratchDatabase) throws {
        let admin = try Connection(try TestEnvironment.adminURL)
        #expect(try admin.query("SELECT pg_terminate_backend($1)", [String(pid)]).scalar == "t")
        let deadline = ContinuousClock.now.advanced(by: .seconds(60))
        while try admin.query("SELECT 1 FROM pg_stat_activity WHERE pid = $1", [String(pid)]).rows.count > 0,
            ContinuousClock.now < deadline
        {
            Thread.sleep(forTimeInterval: 0.05)
        }
    }

    @Test func threeCheckoutsUseTheOverflowAndTheFourthTimesOut() throws {
        let database = try ScratchDatabase(prefix: "lbt_pool", fromPagila: false)
        let pool = Self.smallPool(database)
        defer { pool.close() }
        #expect(pool.status == .init(size: 2, checkedIn: 0, checkedOut: 0, overflow: 0))

        // Three threads each hold a connection until told to give it back.
        let held = DispatchSemaphore(value: 0)
        let giveBack = DispatchSemaphore(value: 0)
        let pids = Shared<[Int]>([])
        let holders = (0..<3).map { _ in
            TestThread {
                do {
                    let lease = try pool.checkout()
                    let pid = try Self.backendPID(lease.connection)
                    pids.withLock { $0.append(pid) }
                    held.signal()
                    giveBack.wait()
                    lease.release()
                } catch {
                    Issue.record("checkout failed: \(error)")
                    held.signal()
                }
            }
        }
        for _ in 0..<3 { #expect(held.wait(timeout: .now() + 30) == .success) }
        #expect(pool.status == .init(size: 2, checkedIn: 0, checkedOut: 3, overflow: 1))
        #expect(Set(pids.withLock { $0 }).count == 3)

        // The fourth waits DB_POOL_TIMEOUT, then says what is wrong and what to change.
        let fourth = Shared<(error: PostgresError?, seconds: Double)>((nil, 0))
        TestThread {
            let start = ContinuousClock.now
            do {
                _ = try pool.checkout()
                Issue.record("a fourth checkout should not get a connection")
            } catch {
                let waited = start.duration(to: .now)
                fourth.withLock {
                    $0 = (
                        error as? PostgresError,
                        Double(waited.components.seconds) + Double(waited.components.attoseconds) / 1e18
                    )
                }
            }
        }.join()
        let (error, waited) = fourth.withLock { $0 }
        #expect(error?.code == .poolExhausted)
        #expect(
            error?.description
                == "pool exhausted: 3 of 3 connections checked out for 0.5 s; raise DB_POOL_SIZE/DB_MAX_OVERFLOW or find what holds connections"
        )
        #expect(waited >= 0.4 && waited < 20, "waited \(waited) s")
        #expect(pool.status == .init(size: 2, checkedIn: 0, checkedOut: 3, overflow: 1))

        // Returned: two are kept, the overflow one is closed, on the server too.
        for _ in 0..<3 { giveBack.signal() }
        holders.forEach { $0.join() }
        #expect(pool.status == .init(size: 2, checkedIn: 2, checkedOut: 0, overflow: 0))
        #expect(try Self.sessions(on: database, expecting: 2) == 2)
    }

    @Test func returningOneLetsAWaiterProceed() throws {
        let database = try ScratchDatabase(prefix: "lbt_pool", fromPagila: false)
        let pool = Self.smallPool(database, timeout: .seconds(20))
        defer { pool.close() }
        var leases = try (0..<3).map { _ in try pool.checkout() }
        #expect(pool.status == .init(size: 2, checkedIn: 0, checkedOut: 3, overflow: 1))

        let waiterGotOne = Shared(false)
        let waiter = TestThread {
            do {
                try pool.withConnection { connection in
                    _ = try connection.query("SELECT 1")
                    waiterGotOne.withLock { $0 = true }
                }
            } catch {
                Issue.record("the waiter should have been given the returned connection: \(error)")
            }
        }
        Thread.sleep(forTimeInterval: 0.3)  // let the waiter block (if it has not, it still passes)
        #expect(!waiterGotOne.withLock { $0 })
        leases.removeLast().release()
        waiter.join()
        #expect(waiterGotOne.withLock { $0 })
        leases.forEach { $0.release() }
        #expect(pool.status == .init(size: 2, checkedIn: 2, checkedOut: 0, overflow: 0))
    }

    @Test func prePingReplacesAConnectionKilledByTheServer() throws {
        let database = try ScratchDatabase(prefix: "lbt_pool", fromPagila: false)
        let pool = Self.smallPool(database)
        defer { pool.close() }
        let first = try pool.withConnection(Self.backendPID)
        try Self.terminate(first, on: database)

        let second = try pool.withConnection(Self.backendPID)
        #expect(second != first)
        #expect(second != 0)
        #expect(pool.status == .init(size: 2, checkedIn: 1, checkedOut: 0, overflow: 0))
    }

    @Test func withoutPrePingTheKilledConnectionFailsOnceAndIsNotKept() throws {
        let database = try ScratchDatabase(prefix: "lbt_pool", fromPagila: false)
        let pool = Self.smallPool(database, prePing: false)
        defer { pool.close() }
        let first = try pool.withConnection(Self.backendPID)
        try Self.terminate(first, on: database)

        #expect(throws: PostgresError.self) { try pool.withConnection(Self.backendPID) }
        // The broken connection was closed on return, not lent again.
        #expect(pool.status == .init(size: 2, checkedIn: 0, checkedOut: 0, overflow: 0))
        #expect(try pool.withConnection(Self.backendPID) != first)
    }

    @Test func recycleReplacesAnOldConnection() throws {
        let database = try ScratchDatabase(prefix: "lbt_pool", fromPagila: false)
        let pool = Self.smallPool(database, recycle: .seconds(0.2), prePing: false)
        defer { pool.close() }
        let first = try pool.withConnection(Self.backendPID)
        Thread.sleep(forTimeInterval: 0.4)
        let second = try pool.withConnection(Self.backendPID)
        #expect(second != first)
        #expect(pool.status == .init(size: 2, checkedIn: 1, checkedOut: 0, overflow: 0))
        #expect(try Self.sessions(on: database, expecting: 1) == 1)

        let young = ConnectionPool(database.url, settings: .init(size: 1, recycle: .seconds(3600)))
        defer { young.close() }
        #expect(try young.withConnection(Self.backendPID) == young.withConnection(Self.backendPID))
    }

    @Test func aConnectionComesBackOnThrowsWithItsTransactionRolledBack() throws {
        struct Planned: Error {}
        let database = try ScratchDatabase(prefix: "lbt_pool", fromPagila: false)
        let pool = ConnectionPool(database.url, settings: .init(size: 1, maxOverflow: 0, timeout: .seconds(0.5)))
        defer { pool.close() }
        #expect(throws: Planned.self) {
            try pool.withConnection { connection in
                try connection.query("BEGIN")
                try connection.query("CREATE TABLE left_open (id int)")
                throw Planned()
            }
        }
        #expect(pool.status == .init(size: 1, checkedIn: 1, checkedOut: 0, overflow: 0))
        try pool.withConnection { (connection) throws in
            #expect(connection.transactionState == .idle)
            #expect(try connection.query("SELECT to_regclass('left_open')").scalar == nil)
        }

        // A lease dropped without release still returns its connection.
        do { _ = try pool.checkout() }
        #expect(pool.status == .init(size: 1, checkedIn: 1, checkedOut: 0, overflow: 0))
    }

    @Test func connectTimeoutReachesLibpqAndFailedConnectsFreeTheirSlot() throws {
        let database = try ScratchDatabase(prefix: "lbt_pool", fromPagila: false)
        let pool = ConnectionPool(database.url, settings: .init(size: 1, maxOverflow: 0, connectTimeout: .seconds(7)))
        defer { pool.close() }
        #expect(try pool.withConnection { $0.option("connect_timeout") } == "7")

        let missing = ConnectionPool(
            database.url, database: "\(database.name)_missing", settings: .init(size: 1, maxOverflow: 0))
        for _ in 0..<2 {  // the second attempt proves the first gave its slot back
            let error = #expect(throws: PostgresError.self) { _ = try missing.checkout() }
            #expect(error?.code == .connectionFailed)
        }
        #expect(missing.status == .init(size: 1, checkedIn: 0, checkedOut: 0, overflow: 0))
    }

    @Test func closeRefusesCheckoutsAndClosesWhatComesBack() throws {
        let database = try ScratchDatabase(prefix: "lbt_pool", fromPagila: false)
        let pool = Self.smallPool(database)
        let kept = try pool.checkout()
        try pool.withConnection { _ in }
        #expect(pool.status == .init(size: 2, checkedIn: 1, checkedOut: 1, overflow: 0))
        pool.close()
        let error = #expect(throws: PostgresError.self) { _ = try pool.checkout() }
        #expect(error?.code == .poolClosed)
        kept.release()
        #expect(pool.status == .init(size: 2, checkedIn: 0, checkedOut: 0, overflow: 0))
        #expect(try Self.sessions(on: database, expecting: 0) == 0)
    }
}

/// A thread of its own (the pool blocks threads, so the tests use real ones); `join()` waits for it.
private final class TestThread: Sendable {
    private let finished = DispatchSemaphore(value: 0)

    init(_ body: @escaping @Sendable () -> Void) {
        let finished = finished
        Thread {
            body()
            finished.signal()
        }.start()
    }

    func join() { finished.wait() }
}

/// A value shared between the test and its threads (a `Mutex` cannot be captured by an escaping closure).
private final class Shared<Value: Sendable>: Sendable {
    private let mutex: Mutex<Value>
    init(_ value: Value) { mutex = Mutex(value) }
    func withLock<Result>(_ body: (inout Value) -> Result) -> Result { mutex.withLock { body(&$0) } }
}
