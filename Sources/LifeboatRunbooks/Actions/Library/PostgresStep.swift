import Foundation
import LifeboatCore

/// What the postgres.* actions share: the configured service, where postmaster.opts is kept
/// between stop and start, and the drill answer.
public enum PostgresStep {
    /// Outputs the postgres.* actions share.
    public enum Output {
        /// The service that was started or stopped, and what it did.
        public static let service = "service", done = "done"
        /// Why a drill did not run the step.
        public static let skipped = "skipped"
    }

    static let drillSkip = [Output.skipped: "drill: the live cluster is not touched"]

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
