import Foundation
import LifeboatCore

/// `postgres.wait_ready`: wait until the cluster answers queries and, unless `recovery: any`,
/// until recovery is over (`pg_is_in_recovery()` false): after a point-in-time restore that is
/// the moment the target was reached and the server promoted. Reports what recovery reached.
/// A no-op in drills (the drill's scratch instance is waited for inside `physical.restore`).
public enum PostgresWaitReady: RunbookAction {
    public static let name = "postgres.wait_ready"

    public enum Output {
        public static let waitedSeconds = "waited_seconds"
        /// The commit time of the last transaction replayed (empty when the server does not say).
        public static let recoveredTo = "recovered_to"
        public static let replayedLSN = "replayed_lsn", serverVersion = "server_version"
    }

    static let spec = ActionSpec(
        name: name,
        summary: "wait until PostgreSQL accepts queries and has finished recovery (promoted)",
        parameters: [
            .optional("timeout", .duration, "how long to wait (default 10m; WAL replay of a busy day can take longer)"),
            .optional(
                "recovery", .choice(["done", "any"]),
                "done (default): wait for the end of recovery; any: an answer is enough")
        ],
        outputs: [
            Output.waitedSeconds, Output.recoveredTo, Output.replayedLSN, Output.serverVersion,
            PostgresStep.Output.skipped
        ],
        safeToRepeat: true, changesLiveSystems: false)

    static func run(_ parameters: ResolvedParameters, _ context: ActionContext) throws -> [String: String] {
        if context.drill { return PostgresStep.drillSkip }
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
            Output.waitedSeconds: String(format: "%.1f", result.waitedSeconds), Output.recoveredTo: reached ?? "",
            Output.replayedLSN: result.replayedLSN ?? "", Output.serverVersion: result.serverVersion ?? ""
        ]
    }
}
