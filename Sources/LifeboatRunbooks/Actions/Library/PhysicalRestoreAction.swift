import Foundation
import LifeboatCore

/// `physical.restore`: `pgbackrest restore` of the whole cluster to `target` (a time, or
/// `latest`), with --delta over an existing data directory, which is what makes it safe to
/// repeat after an interruption. PostgreSQL must be stopped (`postgres.stop`); the server then
/// replays WAL to the target when started. In a drill it never touches the live cluster: the
/// drill half (`PhysicalRestoreDrill`) recovers into a scratch instance instead.
enum PhysicalRestoreAction: RunbookAction {
    static let spec = ActionSpec(
        name: "physical.restore",
        summary:
            "restore the whole cluster with pgBackRest to a point in time (or the latest), replacing its data directory",
        parameters: [
            .required("target", .string, "a timestamp (UTC, e.g. 2025-01-18T10:00:00Z) or latest"),
            .optional("set", .string, "the pgBackRest backup set (default: the newest that ended before the target)"),
            .optional("data_directory", .string, "restore here instead of LIFEBOAT_PG_DATA / pg1-path")
        ],
        outputs: [
            "engine", "backup_set", "target", "wal_start", "wal_stop", "recovered_to", "recovery_seconds", "options",
            // Drills only (PhysicalRestoreDrill): the scratch cluster the validation steps reach.
            "stopped_before", "recovery_point_gap_seconds", "scratch_port", "scratch_url", "scratch_dir", "kept"
        ],
        safeToRepeat: true, changesLiveSystems: true,
        resumeNeeds: [.runningScratchCluster(output: "scratch_dir")])

    static func run(_ parameters: ResolvedParameters, _ context: ActionContext) throws -> [String: String] {
        if context.drill { return try PhysicalRestoreDrill.run(parameters, context) }
        let target = try self.target(parameters)
        var restore = PhysicalRestore(
            settings: try PhysicalEngineSettings.required(context.configuration, for: "physical.restore"))
        restore.cancellation = context.cancellation
        let set = parameters.string("set").flatMap { $0.isEmpty ? nil : $0 }
        let directory = parameters.string("data_directory").flatMap { $0.isEmpty ? nil : $0 }
        let result = try restore.run(target: target, set: set, dataDirectory: directory)
        context.note(
            "restored backup set \(result.backupSet)\(result.delta ? " (--delta)" : "") towards \(target.pgText)")
        return [
            "engine": "pgbackrest", "backup_set": result.backupSet,
            "target": {
                if case .time(let date) = target { return ArchiveFindings.timestamp(date) } else { return "latest" }
            }(),
            "wal_start": result.walStart ?? "", "wal_stop": result.walStop ?? "",
            // Known only once the server has replayed WAL: postgres.wait_ready reports it.
            "recovered_to": "", "recovery_seconds": String(format: "%.1f", result.durationSeconds),
            "options": result.options.joined(separator: " ")
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
