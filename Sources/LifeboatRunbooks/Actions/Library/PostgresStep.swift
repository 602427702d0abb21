import Foundation
import LifeboatCore

/// What the postgres.* actions share: the configured service, where postmaster.opts is kept
/// between stop and start, and the drill answer.
enum PostgresStep {
    static let drillSkip = ["skipped": "drill: the live cluster is not touched"]

    static func service(_ context: ActionContext, for action: String) throws -> PostgresService {
        var service = PostgresService(settings: try PhysicalEngineSettings.required(context.configuration, for: action))
        service.cancellation = context.cancellation
        if let timeout = context.stepTimeout { service.timeout = timeout }
        return service
    }

    /// In the run's folder, so a resumed run finds it after the restore removed the original.
    static func savedOptions(_ context: ActionContext) -> URL {
        context.artifacts.appendingPathComponent("postmaster.opts")
    }
}
