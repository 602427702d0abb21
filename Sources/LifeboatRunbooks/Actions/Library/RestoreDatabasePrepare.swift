import Foundation
import LifeboatCore

/// `restore.database_prepare`: a safe restore's long half, done while the application runs: the
/// backup restored beside the live database and validated (row counts, large objects,
/// sequences, properties against the manifest), then kept. The following `restore.database`
/// (its `staged` parameter) only swaps it in, so a recovery restores the backup once, the
/// application is down only for the swap, and this step's outputs are the proof that the
/// backup was good before anything live changed.
///
/// With `source: cloud` it restores backup `name` from the bucket while it downloads
/// (`StreamedFetch`): the restore starts on the first bytes, every byte is checked against the
/// signed manifest's segment hashes before gpg and psql see it, no plaintext touches the disk,
/// and the encrypted download is kept in the run folder (output `path`, for the swap and the
/// row-count check, and as evidence). Killed part way, a resume drops the half-built copy
/// (ScratchRedo), replays what the partial download holds and fetches the rest with Range.
public enum RestoreDatabasePrepare: RunbookAction {
    public static let name = "restore.database_prepare"

    static let spec = ActionSpec(
        name: name,
        summary:
            "restore a backup beside the live database and validate it, changing nothing live; the copy is kept for restore.database to swap in",
        parameters: [
            .optional(Parameter.backup, .string, "path of the backup (source local)"),
            .optional(
                Parameter.source, .choice([Source.local, Source.cloud]),
                "local (default): the file `backup`; cloud: backup `name` from the bucket, restored while it downloads into the run folder"
            ),
            .optional(
                Parameter.name, .string,
                "source cloud: the backup's file name in the bucket (backup.select's output name)"),
            .optional("database", .string, "target database (default: the runbook target)"),
            BackupTrustParameter.spec
        ],
        outputs: [
            Output.prepared, Output.tables, Output.rows, Output.objects, BackupTrustParameter.output, Output.path,
            Output.resumedFrom
        ],
        // Not repeated blindly: a resume drops the half-built copy first (ScratchRedo).
        safeToRepeat: false, changesLiveSystems: false)

    enum Parameter {
        static let backup = "backup", source = "source", name = "name"
    }

    enum Source {
        static let local = "local", cloud = "cloud"
    }

    public enum Output {
        /// "database", like every step that makes one: a drill drops the databases its steps name there.
        public static let prepared = ActionSpec.databaseOutput
        public static let tables = "tables", rows = "rows", objects = "objects"
        /// The backup file the restore read (source cloud: the download kept in the run folder).
        public static let path = "path"
        /// Source cloud: bytes a resumed step found already downloaded and replayed.
        public static let resumedFrom = "resumed_from"
    }

    /// Whether the step restores from the bucket (its backup is named by `name`, not `backup`).
    static func streamsFromCloud(_ source: String?) -> Bool { source == Source.cloud }

    static func run(_ parameters: ResolvedParameters, _ context: ActionContext) throws -> [String: String] {
        var runner = context.restoreRunner(database: parameters.string("database"))
        guard streamsFromCloud(parameters.string(Parameter.source)) else {
            guard let path = parameters.string(Parameter.backup), !path.isEmpty else {
                throw RunbookRunError(
                    "\(name) needs `backup` (a file), or `source: cloud` with `name`",
                    hint:
                        "pass backup: \"${steps.<fetch step>.outputs.path}\", or source: cloud and name: \"${steps.<select step>.outputs.name}\""
                )
            }
            let backup = URL(fileURLWithPath: path)
            runner.allowUnsigned =
                parameters.flag(BackupTrustParameter.name) || BackupTrustParameter.isRunArtifact(backup, context)
            let plan = try runner.plan(backup: backup, mode: .safe)
            var outputs = try prepare(plan, reading: nil, runner, context)
            outputs[BackupTrustParameter.output] =
                BackupTrustParameter.isRunArtifact(backup, context) && !parameters.flag(BackupTrustParameter.name)
                ? "this run's own artifact, authenticated by the step that wrote it"
                : plan.signature ?? BackupTrust.Verdict.notRequired.summary
            return outputs
        }
        return try streamFromCloud(try parameters.required(Parameter.name), parameters, runner, context)
    }

    /// Source cloud: the download and the restore at once, the file kept once both succeeded.
    private static func streamFromCloud(
        _ name: String, _ parameters: ResolvedParameters, _ runner: RestoreRunner,
        _ context: ActionContext
    ) throws -> [String: String] {
        try CloudSync.checkName(name)  // before the name becomes a path
        try FileManager.default.createDirectory(
            at: context.artifacts, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        var runner = runner
        // Never relaxed for being in the run folder: this step is the one that authenticates it.
        runner.allowUnsigned = parameters.flag(BackupTrustParameter.name)
        let trust = try BackupTrustParameter.trust(parameters, context)
        let kept = context.artifacts.appendingPathComponent(name)
        if FileManager.default.fileExists(atPath: kept.path) {
            // Downloaded whole before a crash: restored from the kept file, checked again as any file is.
            let plan = try runner.plan(backup: kept, mode: .safe)
            var outputs = try prepare(plan, reading: nil, runner, context)
            outputs[BackupTrustParameter.output] = plan.signature ?? BackupTrust.Verdict.notRequired.summary
            outputs[Output.resumedFrom] = String(
                ((try? FileManager.default.attributesOfItem(atPath: kept.path))?[.size] as? NSNumber)?.int64Value ?? 0)
            return outputs
        }
        GnuPGAgent.launch(homeDirectory: context.configuration.gnupgHome)
        let stream = try StreamedFetch(
            try CloudSync(configuration: context.configuration, cancellation: context.cancellation),
            name: name, into: context.artifacts, trust: trust)
        do {
            if stream.resumedFrom > 0 {
                context.note(
                    "\(stream.resumedFrom) bytes of \(name) were downloaded before: restoring them while the rest downloads"
                )
            }
            let reader = stream.reader
            let plan = try runner.plan(reading: reader, mode: .safe)
            var outputs = try prepare(plan, reading: reader, runner, context)
            do { try stream.keep() } catch {
                // Not proven after all: the copy must not be left for a swap (nor leak on a retry).
                if let admin = try? DatabaseAdmin(conninfo: context.configuration.databaseURL ?? "") {
                    try? admin.drop(outputs[Output.prepared] ?? "")
                    admin.close()
                }
                throw error
            }
            outputs[BackupTrustParameter.output] = BackupTrustParameter.record(stream.head.verdict, kept, context)
            outputs[Output.resumedFrom] = String(stream.resumedFrom)
            return outputs
        } catch {
            stream.stop(after: error)
            throw error
        }
    }

    private static func prepare(
        _ plan: RestorePlan, reading reader: BackupReader?, _ runner: RestoreRunner,
        _ context: ActionContext
    ) throws -> [String: String] {
        try context.checkpoint?(ScratchRedo.checkpoint(mode: ScratchRedo.prepareMode, plan: plan))
        let prepared = try runner.prepare(plan, reading: reader)
        let validation = prepared.validation
        return [
            Output.prepared: prepared.database,
            Output.tables: validation.map { String($0.tables) } ?? "not validated (no manifest)",
            Output.rows: validation.map { String($0.rows) } ?? "not validated (no manifest)",
            Output.objects: validation.map { $0.objects.isEmpty ? "none to compare" : $0.objects }
                ?? "not validated (no manifest)",
            Output.path: plan.backup
        ]
    }
}
