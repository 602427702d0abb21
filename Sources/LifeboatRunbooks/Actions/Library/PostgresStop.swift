import Foundation
import LifeboatCore

/// `postgres.stop`: stop the protected PostgreSQL cluster itself (LIFEBOAT_PG_SERVICE), before a
/// physical restore replaces its data directory. With pg_ctl, the options the server runs with
/// (postmaster.opts, which the restore removes) are kept in the run's folder for `postgres.start`.
/// In a drill the live cluster is never touched: the step returns at once.
public enum PostgresStop: RunbookAction {
    public static let name = "postgres.stop"

    static let spec = ActionSpec(
        name: name, summary: "stop the PostgreSQL cluster (LIFEBOAT_PG_SERVICE: pg_ctl, systemd or command)",
        parameters: [], outputs: [PostgresStep.Output.service, PostgresStep.Output.done, PostgresStep.Output.skipped],
        safeToRepeat: true, changesLiveSystems: true)

    static func run(_ parameters: ResolvedParameters, _ context: ActionContext) throws -> [String: String] {
        if context.drill { return PostgresStep.drillSkip }
        let service = try PostgresStep.service(context, for: name)
        let outcome = try service.stop(saveOptions: PostgresStep.savedOptions(context))
        context.note("PostgreSQL \(outcome.done) (\(service.settings.service.name))")
        return [PostgresStep.Output.service: service.settings.service.name, PostgresStep.Output.done: outcome.done]
    }
}
