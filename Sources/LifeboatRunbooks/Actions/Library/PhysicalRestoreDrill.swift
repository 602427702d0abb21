import Foundation
import LifeboatCore

/// The drill half of `physical.restore`: recovers into a scratch cluster on a free port (never
/// the live one), waits for it to be promoted, and leaves it running for the runbook's
/// validation steps (`sql.check` with `url: ${steps.ID.outputs.scratch_url}`). The run stops it
/// when it ends and removes its folder unless the drill was given `--keep`
/// (`RunEngine.finishScratchClusters`).
enum PhysicalRestoreDrill {
    static func run(_ parameters: ResolvedParameters, _ context: ActionContext) throws -> [String: String] {
        let settings = try PhysicalEngineSettings.required(
            context.configuration, for: "a PITR drill (\(PhysicalRestoreAction.name))")
        let target: PhysicalRestore.Target = try PhysicalRestoreAction.target(parameters)
        let set = parameters.string("set").flatMap { $0.isEmpty ? nil : $0 }
        let folder = scratchRoot(context, settings: settings).appendingPathComponent("pitr-\(context.runID)").path
        var recovery = ScratchRecovery(settings: settings, databaseURL: context.configuration.databaseURL)
        recovery.note = context.note
        if let timeout = context.stepTimeout { recovery.timeout = timeout }
        let scratchTarget: ScratchRecovery.Target
        switch target {
        case .latest: scratchTarget = .latest
        case .time(let date): scratchTarget = .time(date)
        }
        let outcome = try recovery.run(
            folder: folder, target: scratchTarget, set: set, keepOnFailure: context.keepScratch,
            cancellation: context.cancellation)
        context.note(
            "scratch cluster recovered to \(outcome.recoveredTo.map(timestamp) ?? "an unknown point") "
                + "in \(String(format: "%.1f", outcome.recoverySeconds))s — \(outcome.url)")
        return outputs(outcome, target: scratchTarget, kept: context.keepScratch)
    }

    /// LIFEBOAT_DRILL_SCRATCH_DIR; else `lifeboat-drills` beside the live data directory
    /// (`/var/lib/postgresql/15/lifeboat-drills` for `/var/lib/postgresql/15/main`): a place
    /// the PostgreSQL user can reach, on the volume sized for a cluster; else `drills` in the
    /// state directory (the run folder's grandparent), which needs the user let through it.
    static func scratchRoot(_ context: ActionContext, settings: PhysicalEngineSettings) -> URL {
        if let configured = context.configuration.string(.drillScratchDir) { return URL(fileURLWithPath: configured) }
        if let data = settings.dataDirectory, !data.isEmpty {
            let parent = URL(fileURLWithPath: data).standardizedFileURL.deletingLastPathComponent()
            if parent.path != "/" { return parent.appendingPathComponent("lifeboat-drills") }
        }
        return context.runDirectory.deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent(
            "drills")
    }

    static func outputs(_ outcome: ScratchRecovery.Outcome, target: ScratchRecovery.Target, kept: Bool) -> [String:
        String]
    {
        typealias Output = PhysicalRestoreAction.Output
        var outputs = [
            Output.engine: "pgbackrest", Output.backupSet: outcome.backupSet,
            Output.walStart: outcome.walStart ?? "", Output.walStop: outcome.walStop ?? "",
            Output.recoveredTo: outcome.recoveredTo.map(timestamp) ?? "",
            Output.stoppedBefore: outcome.stoppedBefore.map(timestamp) ?? "",
            Output.recoverySeconds: String(format: "%.3f", outcome.recoverySeconds),
            Output.scratchPort: String(outcome.instance.port), Output.scratchURL: outcome.url,
            Output.scratchDir: outcome.instance.folder, Output.kept: String(kept)
        ]
        switch target {
        case .latest:
            outputs[Output.target] = "latest"
        case .time(let date):
            outputs[Output.target] = timestamp(date)
            // How far the achieved point lies before the target: the data the recovery could
            // not bring back (no later transaction committed at or before the target).
            if let reached = outcome.recoveredTo {
                outputs[Output.recoveryPointGapSeconds] = String(format: "%.3f", date.timeIntervalSince(reached))
            }
        }
        return outputs
    }

    static func timestamp(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: date)
    }
}
