import Foundation
import LifeboatCore

/// `postgres.start`: start the protected PostgreSQL cluster (LIFEBOAT_PG_SERVICE); with pg_ctl,
/// with the options `postgres.stop` kept. After a physical restore the server then replays WAL
/// to the target and promotes itself; `postgres.wait_ready` waits for that. A no-op in drills.
enum PostgresStart: RunbookAction {
    static let spec = ActionSpec(
        name: "postgres.start",
        summary: "start the PostgreSQL cluster (LIFEBOAT_PG_SERVICE: pg_ctl, systemd or command)",
        parameters: [], outputs: ["service", "done", "skipped"], safeToRepeat: true, changesLiveSystems: true)

    static func run(_ parameters: ResolvedParameters, _ context: ActionContext) throws -> [String: String] {
        if context.drill { return PostgresStep.drillSkip }
        let service = try PostgresStep.service(context, for: "postgres.start")
        let outcome = try service.start(savedOptions: PostgresStep.savedOptions(context))
        context.note("PostgreSQL \(outcome.done) (\(service.settings.service.name))")
        return ["service": service.settings.service.name, "done": outcome.done]
    }
}
