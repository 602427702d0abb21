import Foundation
import LifeboatPostgres
import Synchronization

/// How a job run ended, as the schedule table records it.
public enum JobOutcome: Sendable, Equatable {
    case succeeded
    case failed(String)
    /// Stopped by a signal to the worker: the slot is given back for another worker.
    case interrupted
}

/// The loop of `lifeboat worker`: every tick it takes over slots whose worker died, then claims
/// each job's newest due slot (missed slots collapse into one) and runs it, renewing its lease
/// from a second connection while the job runs. Claims go through `ScheduleLedger`, so any
/// number of workers on any number of hosts run each slot once.
public struct ScheduleWorker: Sendable {
    public let configuration: LifeboatConfiguration
    public let jobs: [ScheduledJob]
    public let zone: TimeZone
    public let workerID: String
    public var clock = ScheduleClock()
    public var lease: TimeInterval = 60
    public var tick: TimeInterval = 1
    /// One look at the schedule, then stop (`lifeboat worker --once`: cron, checks, tests).
    public var once = false
    public var note: @Sendable (String) -> Void = { _ in }
    /// Runs one job to its end (the CLI starts `lifeboat ARGS` as a child process).
    public var runJob: @Sendable (ScheduledJob, Date) -> JobOutcome

    public init(
        configuration: LifeboatConfiguration, jobs: [ScheduledJob], zone: TimeZone, workerID: String,
        runJob: @escaping @Sendable (ScheduledJob, Date) -> JobOutcome
    ) {
        self.configuration = configuration
        self.jobs = jobs
        self.zone = zone
        self.workerID = workerID
        self.runJob = runJob
    }

    /// "host:pid", the name a claim carries.
    public static func defaultID() -> String { "\(ProcessInfo.processInfo.hostName):\(getpid())" }

    /// Runs until `cancellation` is set; a job running then is stopped by `runJob`'s own
    /// cancellation and its slot given back.
    public func run(until cancellation: CancellationFlag) throws {
        let pool = try ScheduleLedger.pool(configuration)
        defer { pool.close() }
        try ScheduleLedger.prepare(configuration, pool: pool, note: note)
        let ledger = ScheduleLedger(pool: pool, worker: workerID)
        let started = clock.now()
        note(
            "worker \(workerID): \(jobs.count) jobs on queue \(ScheduledJob.queue), schedules in \(zone.identifier)"
                + (clock.scale == 1 ? "" : ", clock ×\(clock.scale)"))
        var failing = false
        while !cancellation.isCancelled {
            do {
                try look(ledger, pool: pool, started: started, cancellation: cancellation)
                if failing { note("worker \(workerID): the schedule table is reachable again") }
                failing = false
            } catch {
                // The coordination database is down (a restart, a failover): keep looking; no
                // slot can be claimed meanwhile, and missed slots run once when it is back.
                if once { throw error }
                if !failing { note("worker \(workerID): \(error); retrying every \(tick) s") }
                failing = true
            }
            if once { break }
            let wake = Date().addingTimeInterval(tick)
            while Date() < wake && !cancellation.isCancelled { Thread.sleep(forTimeInterval: min(0.05, tick)) }
        }
        note("worker \(workerID): stopped")
    }

    /// One look at the schedule: takeovers first, then each job's newest due slot.
    private func look(_ ledger: ScheduleLedger, pool: ConnectionPool, started: Date, cancellation: CancellationFlag)
        throws
    {
        for (name, slot) in try ledger.takeOverExpired(lease: lease, jobs: jobs.map(\.name)) {
            guard let job = jobs.first(where: { $0.name == name }), !cancellation.isCancelled else { continue }
            note("\(name) \(ScheduleLedger.text(slot)): taking over from a worker that stopped")
            try execute(job, slot, ledger, pool)
        }
        for job in jobs where !cancellation.isCancelled {
            // A job never run starts from this worker's start; otherwise from its last slot,
            // so slots missed while every worker was down run once, not once each.
            let since = try ledger.lastSlot(job.name) ?? started
            guard let due = job.latestSlot(after: since, notAfter: clock.now(), in: zone),
                try ledger.claim(job.name, due, lease: lease)
            else { continue }
            try execute(job, due, ledger, pool)
        }
    }

    private func execute(_ job: ScheduledJob, _ slot: Date, _ ledger: ScheduleLedger, _ pool: ConnectionPool) throws {
        note("\(job.name) \(ScheduleLedger.text(slot)): running lifeboat \(job.arguments.joined(separator: " "))")
        let heartbeat = Heartbeat(pool: pool, workerID: workerID, job: job.name, slot: slot, lease: lease, note: note)
        let outcome = runJob(job, slot)
        heartbeat.stop()
        switch outcome {
        case .succeeded:
            try ledger.finish(job.name, slot, outcome: "succeeded", message: nil)
            note("\(job.name) \(ScheduleLedger.text(slot)): succeeded")
        case .failed(let message):
            try ledger.finish(job.name, slot, outcome: "failed", message: message)
            note("\(job.name) \(ScheduleLedger.text(slot)): FAILED: \(message)")
        case .interrupted:
            try ledger.release(job.name, slot, message: "interrupted: worker \(workerID) stopped")
            note("\(job.name) \(ScheduleLedger.text(slot)): interrupted; another worker will take it over")
        }
    }
}

/// Renews a running job's lease every third of the lease, on a second connection of the
/// worker's pool, so the claim outlives long jobs but not the worker.
final class Heartbeat: Sendable {
    private let stopped = Mutex(false)
    private let done = DispatchSemaphore(value: 0)

    init(
        pool: ConnectionPool, workerID: String, job: String, slot: Date, lease: TimeInterval,
        note: @escaping @Sendable (String) -> Void
    ) {
        Thread.detachNewThread { [self] in
            defer { done.signal() }
            let ledger = ScheduleLedger(pool: pool, worker: workerID)
            while !isStopped {
                let wake = Date().addingTimeInterval(lease / 3)
                while Date() < wake && !isStopped { Thread.sleep(forTimeInterval: 0.05) }
                if !isStopped, (try? ledger.renew(job, slot, lease: lease)) == false {
                    note(
                        "\(job): the claim on this slot was lost (the lease ran out); another worker may be running it")
                }
            }
        }
    }

    private var isStopped: Bool { stopped.withLock { $0 } }

    func stop() {
        stopped.withLock { $0 = true }
        done.wait()
    }
}
