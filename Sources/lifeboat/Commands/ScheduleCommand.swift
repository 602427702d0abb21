import ArgumentParser
import Foundation
import LifeboatCore

struct ScheduleCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "schedule",
        abstract: "Show the scheduled jobs, or print the cron fallback.",
        subcommands: [List.self, Crontab.self]
    )

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The jobs, their next run, and their last run with its outcome (from the workers' table).",
            discussion: "Examples:\n  lifeboat schedule list\n  lifeboat schedule list --json")

        @OptionGroup var global: GlobalOptions

        struct Row: Encodable {
            let job: String
            let schedule: String
            let command: String
            let nextRun: Date?
            let lastRun: Date?
            let lastOutcome: String?
            let lastWorker: String?
        }

        func run() async throws {
            try await reportingErrors {
                let configuration = try await global.loadConfiguration()
                let jobs = try ScheduledJob.configured(configuration)
                let zone = try ScheduledJob.timeZone(configuration)
                // The database may be down: the schedule still shows. A missing table (no worker
                // ran yet) is no runs, and is not created here.
                var recent: [ScheduleLedger.Slot] = []
                do {
                    recent = try ScheduleLedger.recent(configuration, limit: 500)
                } catch {
                    Terminal.note("last runs unknown: \(error)")
                }
                let rows = jobs.map { job in
                    let last = recent.first { $0.job == job.name }
                    return Row(
                        job: job.name, schedule: job.schedule.text,
                        command: "lifeboat " + job.arguments.joined(separator: " "),
                        nextRun: job.schedule.next(after: Date(), in: zone), lastRun: last?.scheduledFor,
                        lastOutcome: last.map { $0.outcome ?? ($0.finishedAt == nil ? "running" : "?") },
                        lastWorker: last?.worker)
                }
                if global.json { return try Terminal.printJSON(rows) }
                if rows.isEmpty { print("no jobs: BACKUP_ENABLED is false and no LIFEBOAT_DRILL_SCHEDULE is set") }
                let time = Date.ISO8601FormatStyle(timeZone: zone)
                print("schedules in \(zone.identifier), queue \(ScheduledJob.queue)")
                for row in rows {
                    print(
                        "\(row.job.padding(toLength: 30, withPad: " ", startingAt: 0)) \(row.schedule.padding(toLength: 12, withPad: " ", startingAt: 0)) next \(row.nextRun.map { $0.formatted(time) } ?? "never")"
                            + (row.lastRun.map { "  last \($0.formatted(time)) \(row.lastOutcome ?? "")" }
                                ?? "  never run"))
                }
            }
        }
    }

    struct Crontab: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print crontab lines that run the same jobs when no worker runs (install with `crontab -`).",
            discussion: """
                Every line takes one lock (flock), so cron runs never overlap: a job waits up to two hours for
                the one before it. Times are read in LIFEBOAT_SCHEDULE_TIMEZONE (CRON_TZ).

                Example:
                  lifeboat schedule crontab | crontab -
                """)

        @OptionGroup var global: GlobalOptions

        @Option(help: "Where cron writes the jobs' output.")
        var log = "/var/log/lifeboat.log"

        func run() async throws {
            try await reportingErrors {
                let configuration = try await global.loadConfiguration()
                _ = try ScheduledJob.timeZone(configuration)  // a bad name fails here, not in cron
                print(
                    Self.lines(
                        jobs: try ScheduledJob.configured(configuration),
                        zone: configuration.string(.scheduleTimeZone) ?? "UTC",
                        binary: CommandLine.executablePath, stateDirectory: configuration.stateDirectory.path,
                        environmentFile: global.environmentFile, log: log), terminator: "")
            }
        }

        static func lines(
            jobs: [ScheduledJob], zone: String, binary: String, stateDirectory: String, environmentFile: String?,
            log: String
        ) -> String {
            let lock = stateDirectory + "/cron.lock"
            var text = """
                # Lifeboat cron fallback, from `lifeboat schedule crontab`. One lock: runs never overlap.
                SHELL=/bin/sh
                CRON_TZ=\(zone)

                """
            for job in jobs {
                var command = [binary] + job.arguments
                if let environmentFile { command += ["--env-file", environmentFile] }
                let quoted = ServiceProviders.commandLine(command)
                // cron treats % as a newline: none may reach it unescaped.
                let line =
                    "\(job.schedule.text) flock -w 7200 \(ServiceProviders.commandLine([lock])) \(quoted) >> \(ServiceProviders.commandLine([log])) 2>&1"
                text += "# \(job.name): \(job.summary)\n" + line.replacingOccurrences(of: "%", with: "\\%") + "\n"
            }
            return text
        }
    }
}
