import Foundation
import LifeboatCore

/// `postgres.wait_ready`: wait until the cluster answers queries and, unless `recovery: any`,
/// until recovery is over (`pg_is_in_recovery()` false): after a point-in-time restore that is
/// the moment the target was reached and the server promoted. Reports what recovery reached.
/// A no-op in drills (the drill's scratch instance is waited for inside `physical.restore`).
enum PostgresWaitReady: RunbookAction {
    static let spec = ActionSpec(
        name: "postgres.wait_ready",
        summary: "wait until PostgreSQL accepts queries and has finished recovery (promoted)",
        parameters: [
            .optional("timeout", .duration, "how long to wait (default 10m; WAL replay of a busy day can take longer)"),
            .optional(
                "recovery", .choice(["done", "any"]),
                "done (default): wait for the end of recovery; any: an answer is enough")
        ],
        outputs: ["waited_seconds", "recovered_to", "replayed_lsn", "server_version", "skipped"], safeToRepeat: true,
        changesLiveSystems: false)

    static func run(_ parameters: ResolvedParameters, _ context: ActionContext) throws -> [String: String] {
        if context.drill { return ["skipped": "drill: the live cluster is not touched"] }
        var readiness = PostgresReadiness(conninfo: context.configuration.databaseURL ?? "")
        readiness.timeout =
            parameters.string("timeout").flatMap { (try? DurationValue.parse($0))?.seconds } ?? context.stepTimeout
            ?? 600
        readiness.requirePrimary = parameters.string("recovery") != "any"
        readiness.dataDirectory = (try? PhysicalEngineSettings.configured(context.configuration))??.dataDirectory
        readiness.cancellation = context.cancellation
        let result = try readiness.wait()
        let reached = result.recoveredTo.map(ArchiveFindings.timestamp)
        context.note(
            "PostgreSQL is ready after \(ArchiveFindings.age(result.waitedSeconds))"
                + (reached.map { "; last replayed transaction \($0)" } ?? ""))
        return [
            "waited_seconds": String(format: "%.1f", result.waitedSeconds), "recovered_to": reached ?? "",
            "replayed_lsn": result.replayedLSN ?? "", "server_version": result.serverVersion ?? ""
        ]
    }
}
