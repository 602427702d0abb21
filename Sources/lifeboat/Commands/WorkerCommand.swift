import ArgumentParser
import Foundation
import LifeboatCore

struct WorkerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "worker",
        abstract: "Run the scheduled jobs; any number of workers on any number of hosts run each slot once.",
        discussion: """
            Jobs (queue maintenance): database-backup-daily, -weekly, -monthly, database-backup-verification,
            database-backup-cleanup, and runbook-drill when LIFEBOAT_DRILL_SCHEDULE is set. Each runs as a child
            `lifeboat` process (the command `lifeboat schedule crontab` prints). Workers agree through the table
            lifeboat_schedule_runs in the coordination database (LIFEBOAT_COORDINATION_URL, else the server's maintenance
            database `postgres`; never the application's, and one left there by an older version is moved): a slot is claimed once, its lease renewed while it
            runs, and taken over by another worker when its worker dies. Slots missed while every worker was down
            run once. SIGTERM or Ctrl-C stops the running job cleanly and gives its slot back.

            Examples:
              lifeboat worker --with-scheduler
              lifeboat worker --once
              LIFEBOAT_METRICS_PORT=9187 lifeboat worker --with-scheduler
            """
    )

    @OptionGroup var global: GlobalOptions

    @Flag(help: "Schedule the jobs (the seed's spelling; every worker schedules, so this is the default).")
    var withScheduler = false

    @Option(help: "Queue to serve; all jobs are on `maintenance`.")
    var queue = ScheduledJob.queue

    @Option(help: "Seconds between looks at the schedule.")
    var tick: Double = 1

    @Option(help: "Lease of a running job's claim, in seconds (overrides LIFEBOAT_WORKER_LEASE_SECONDS).")
    var lease: Double?

    @Option(help: "Run the schedule clock this many times faster than real time (rehearsals and tests).")
    var timeScale: Double = 1

    @Option(
        help: "With --time-scale: the moment the fast clock starts from (ISO 8601); workers that should agree share it."
    )
    var timeOrigin: String?

    @Flag(help: "Look at the schedule once (run what is due, take over what a dead worker left), then exit.")
    var once = false

    func validate() throws {
        if queue != ScheduledJob.queue {
            throw ValidationError("no jobs are on queue '\(queue)': every job is on '\(ScheduledJob.queue)'")
        }
        if tick <= 0 { throw ValidationError("--tick must be above 0") }
        if timeScale <= 0 { throw ValidationError("--time-scale must be above 0") }
        if let timeOrigin, (try? Date(timeOrigin, strategy: .iso8601)) == nil {
            throw ValidationError("--time-origin must be an ISO 8601 time like 2025-01-18T03:00:00Z")
        }
    }

    func run() async throws {
        try await reportingErrors {
            let configuration = try await global.loadConfiguration()
            let jobs = try ScheduledJob.configured(configuration)
            var worker = ScheduleWorker(
                configuration: configuration, jobs: jobs, zone: try ScheduledJob.timeZone(configuration),
                workerID: ScheduleWorker.defaultID()
            ) { job, _ in
                let flag = Signals.cancellation.makeChild()
                defer { Signals.cancellation.removeChild(flag) }
                return JobLauncher.run(job, extraEnvironment: [:], cancellation: flag)
            }
            worker.lease = try lease ?? Double(configuration.int(.workerLease) ?? 60)
            worker.tick = tick
            worker.once = once
            worker.clock = ScheduleClock(
                origin: timeOrigin.flatMap { try? Date($0, strategy: .iso8601) } ?? Date(), scale: timeScale)
            worker.note = { Terminal.note($0) }
            var server: Any?
            if let address = try MetricsListenAddress.configured(configuration) {
                guard let textfile = MetricsTextfile(configuration: configuration) else {
                    throw LifeboatError(
                        stage: "configuration",
                        message:
                            "LIFEBOAT_METRICS_PORT or LIFEBOAT_METRICS_LISTEN is set but LIFEBOAT_METRICS_FILE is not",
                        hint:
                            "set LIFEBOAT_METRICS_FILE (or --metrics-file): the jobs write the metrics there and /metrics serves them",
                        category: .configuration)
                }
                server = try MetricsEndpoint.serve(
                    address, readTimeout: try configuration.decimal(.metricsReadTimeout) ?? 10, textfile: textfile)
                Terminal.note("serving /metrics on \(address)")
            }
            _ = server
            let cancellation = Signals.cancellation
            let configured = worker
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                Thread.detachNewThread {
                    do {
                        try configured.run(until: cancellation)
                        continuation.resume()
                    } catch {
                        continuation.resume(throwing: error)
                    }
                }
            }
        }
    }
}
