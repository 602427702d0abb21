import ArgumentParser
import Foundation
import LifeboatCore
import LifeboatRunbooks

struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract:
            "Is everything healthy? Database, pool, backups and their staleness, schedule, disk, cloud, open runs.",
        discussion: """
            Exit code 0 when healthy; 1 when the database is unreachable, a scheduled backup type is stale \
            (a whole slot of its schedule was missed; a scheduled type without any backup counts as stale), \
            the bucket is unreachable (with BACKUP_CLOUD_SYNC_ENABLED) or a runbook run failed and nobody \
            acknowledged it (`lifeboat runbook ack RUN_ID`), or (with LIFEBOAT_DRILL_SCHEDULE) a scenario the schedule drills \
            was never drilled or not within LIFEBOAT_DRILL_MAX_AGE (8d); 2 for a configuration error. So it serves as a health check (Docker HEALTHCHECK, monitoring).

            Examples:
              lifeboat status
              lifeboat status --json | jq '.problems'
              HEALTHCHECK CMD lifeboat status > /dev/null || exit 1    (Dockerfile: Docker reserves code 2)
            """
    )

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let output = try await reportingErrors {
            let configuration = try await global.loadConfiguration()
            var status = try SystemStatusProbe(configuration: configuration).probe()
            let runs = OpenRun.scan(runEngine(configuration))
            // A failed recovery nobody has looked at is the loudest thing status can say.
            status.problems += runs.runs.filter { $0.status == "failed" }.map {
                "runbook run \($0.runId) (\($0.runbook)) failed\($0.message.map { ": \($0)" } ?? ""); "
                    + "resume it, abort it, or acknowledge it with `lifeboat runbook ack \($0.runId)`"
            }
            let drills = try DrillStatus.freshness(
                configuration, stateDirectory: runEngine(configuration).stateDirectory, now: status.checkedAt)
            status.problems += drills.problems
            let leftovers = CleanupCommand.scan(configuration)
            return StatusOutput(
                status: status, runbookRuns: runs.runs, runbookRunsError: runs.error,
                leftovers: leftovers.leftovers, leftoversError: leftovers.problems.first, drills: drills)
        }
        if global.json {
            try Terminal.printJSON(output)
            for problem in output.status.problems { Terminal.note("unhealthy: \(problem)") }
        } else {
            print(StatusText.render(output), terminator: "")
        }
        // 1, like a failed operation: monitoring needs only "zero or not"; the problems say why.
        if !output.status.healthy { throw CommandVerdict(.failed) }
    }
}

/// `status --json`: the gathered status with the open runbook runs beside its keys.
struct StatusOutput: Encodable {
    let status: SystemStatus
    let runbookRuns: [OpenRun]
    /// Why some journals (or the runs folder) could not be read.
    let runbookRunsError: String?
    /// What killed work left behind that no live run owns (`lifeboat cleanup` removes it).
    var leftovers: [Leftover] = []
    let leftoversError: String?
    /// Each scenario's last drill and whether it is stale (LIFEBOAT_DRILL_MAX_AGE).
    var drills: DrillFreshness? = nil

    enum CodingKeys: String, CodingKey {
        case runbookRuns, runbookRunsError, leftovers, leftoversError, drills
    }

    func encode(to encoder: any Encoder) throws {
        try status.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(runbookRuns, forKey: .runbookRuns)
        try container.encodeIfPresent(runbookRunsError, forKey: .runbookRunsError)
        try container.encode(leftovers, forKey: .leftovers)
        try container.encodeIfPresent(leftoversError, forKey: .leftoversError)
        try container.encodeIfPresent(drills, forKey: .drills)
    }
}
