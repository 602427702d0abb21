import Foundation
import LifeboatCore

/// `physical.restore`: `pgbackrest restore` of the whole cluster to `target` (a time, or
/// `latest`), with --delta over an existing data directory, which is what makes it safe to
/// repeat after an interruption. PostgreSQL must be stopped (`postgres.stop`); the server then
/// replays WAL to the target when started. In a drill it never touches the live cluster: the
/// drill half (`PhysicalRestoreDrill`) recovers into a scratch instance instead.
public enum PhysicalRestoreAction: RunbookAction {
    public static let name = "physical.restore"

    public enum Output {
        public static let engine = "engine", backupSet = "backup_set", target = "target"
        public static let walStart = "wal_start", walStop = "wal_stop"
        public static let recoveredTo = "recovered_to", recoverySeconds = "recovery_seconds", options = "options"
        // Drills only (PhysicalRestoreDrill): the scratch cluster the validation steps reach.
        public static let stoppedBefore = "stopped_before", recoveryPointGapSeconds = "recovery_point_gap_seconds"
        public static let scratchPort = "scratch_port", scratchURL = "scratch_url"
        /// The scratch cluster's folder: the engine stops it (and removes it unless kept) when the run ends.
        public static let scratchDir = "scratch_dir"
        public static let kept = "kept"
    }

    static let spec = ActionSpec(
        name: name,
        summary:
            "restore the whole cluster with pgBackRest to a point in time (or the latest), replacing its data directory",
        parameters: [
            .required("target", .string, "a timestamp (UTC, e.g. 2025-01-18T10:00:00Z) or latest"),
            .optional("set", .string, "the pgBackRest backup set (default: the newest that ended before the target)"),
            .optional("data_directory", .string, "restore here instead of LIFEBOAT_PG_DATA / pg1-path")
        ],
        outputs: [
            Output.engine, Output.backupSet, Output.target, Output.walStart, Output.walStop, Output.recoveredTo,
            Output.recoverySeconds, Output.options,
            // Drills only (PhysicalRestoreDrill): the scratch cluster the validation steps reach.
            Output.stoppedBefore, Output.recoveryPointGapSeconds, Output.scratchPort, Output.scratchURL,
            Output.scratchDir, Output.kept
        ],
        safeToRepeat: true, changesLiveSystems: true,
        resumeNeeds: [.runningScratchCluster(output: Output.scratchDir)])

    static func run(_ parameters: ResolvedParameters, _ context: ActionContext) throws -> [String: String] {
        if context.drill { return try PhysicalRestoreDrill.run(parameters, context) }
        let target = try self.target(parameters)
        var restore = PhysicalRestore(
            settings: try PhysicalEngineSettings.required(context.configuration, for: name))
        restore.cancellation = context.cancellation
        let set = parameters.string("set").flatMap { $0.isEmpty ? nil : $0 }
        let directory = parameters.string("data_directory").flatMap { $0.isEmpty ? nil : $0 }
        let result = try restore.run(target: target, set: set, dataDirectory: directory)
        context.note(
            "restored backup set \(result.backupSet)\(result.delta ? " (--delta)" : "") towards \(target.pgText)")
        return [
            Output.engine: "pgbackrest", Output.backupSet: result.backupSet,
            Output.target: {
                if case .time(let date) = target { return ArchiveFindings.timestamp(date) } else { return "latest" }
            }(),
            Output.walStart: result.walStart ?? "", Output.walStop: result.walStop ?? "",
            // Known only once the server has replayed WAL: postgres.wait_ready reports it.
            Output.recoveredTo: "", Output.recoverySeconds: String(format: "%.1f", result.durationSeconds),
            Output.options: result.options.joined(separator: " ")
        ]
    }

    static func target(_ parameters: ResolvedParameters) throws -> PhysicalRestore.Target {
        let text = try parameters.required("target").trimmingCharacters(in: .whitespaces)
        if text.lowercased() == "latest" { return .latest }
        guard let date = InputValues.timestamp(text) else {
            throw RunbookRunError(
                "target '\(text)' is neither a timestamp nor latest",
                hint: "write it as 2025-01-18T10:00:00Z, or latest")
        }
        return .time(date)
    }
}
