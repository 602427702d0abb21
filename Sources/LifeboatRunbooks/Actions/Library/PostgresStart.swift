import Foundation
import LifeboatCore

/// `postgres.start`: start the protected PostgreSQL cluster (LIFEBOAT_PG_SERVICE); with pg_ctl,
/// with the options `postgres.stop` kept. After a physical restore the server then replays WAL
/// to the target and promotes itself; `postgres.wait_ready` waits for that. A no-op in drills.
public enum PostgresStart: RunbookAction {
    public static let name = "postgres.start"

    static let spec = ActionSpec(
        name: name,
        summary: "start the PostgreSQL cluster (LIFEBOAT_PG_SERVICE: pg_ctl, systemd or command)",
        parameters: [], outputs: [PostgresStep.Output.service, PostgresStep.Output.done, PostgresStep.Output.skipped],
        safeToRepeat: true, changesLiveSystems: true)

    static func run(_ parameters: ResolvedParameters, _ context: ActionContext) throws -> [String: String] {
        if context.drill { return PostgresStep.drillSkip }
        let service = try PostgresStep.service(context, for: name)
        let outcome = try service.start(savedOptions: PostgresStep.savedOptions(context))
        context.note("PostgreSQL \(outcome.done) (\(service.settings.service.name))")
        return [PostgresStep.Output.service: service.settings.service.name, PostgresStep.Output.done: outcome.done]
    }
}
