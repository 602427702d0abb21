import Foundation
import LifeboatCloud
import LifeboatCore
import LifeboatPostgres
import LifeboatStreams

/// Runs one action through Lifeboat's library (never as a subprocess) and returns its outputs.
public enum ActionExecutor {
    public static func run(_ action: String, _ parameters: ResolvedParameters, _ context: ActionContext) throws -> [String: String] {
        switch action {
        case "services.stop", "services.start", "services.health":
            return try services(String(action.dropFirst("services.".count)), context)
        case "backup.select": return try BackupSelection.run(parameters, context)
        case "cloud.fetch": return try fetch(parameters, context)
        case "backup.decrypt": return try Decryption.run(parameters, context)
        case "backup.verify": return try verify(parameters, context)
        case "restore.database": return try restoreDatabase(parameters, context)
        case "restore.tables": return try restoreTables(parameters, context)
        case "sessions.terminate": return try terminate(parameters, context)
        case "sql.check": return try SQLCheck.run(parameters, context)
        case "validate.row_counts": return try validateRowCounts(parameters, context)
        case "notify":
            context.note("notify \(parameters.string("event") ?? ""): \(parameters.string("message") ?? "")")
            return [:]
        case "shell": return try shell(parameters, context)
        case "wait": return try wait(parameters, context)
        default: throw RunbookRunError("unknown action \(action)")
        }
    }

    private static func services(_ action: String, _ context: ActionContext) throws -> [String: String] {
        guard let provider = context.services else {
            context.note("no services provider configured: nothing to \(action)")
            return ["provider": "none", "healthy": "true"]
        }
        let outcome: ServiceOutcome
        switch action {
        case "stop": outcome = try provider.stop()
        case "start": outcome = try provider.start()
        default: outcome = try provider.health()
        }
        guard outcome.succeeded else { throw RunbookRunError(outcome.summary, hint: outcome.outputTail.isEmpty ? nil : outcome.outputTail) }
        return ["provider": provider.name, "healthy": "true"]
    }

    private static func fetch(_ parameters: ResolvedParameters, _ context: ActionContext) throws -> [String: String] {
        let name = try parameters.required("name")
        try FileManager.default.createDirectory(at: context.artifacts, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let existing = context.artifacts.appendingPathComponent(name)
        if FileManager.default.fileExists(atPath: existing.path) { return ["path": existing.path] }  // fetched before a crash
        let sync = try CloudSync(configuration: context.configuration, cancellation: context.cancellation)
        return ["path": try sync.fetch(name, into: context.artifacts).path]
    }

    private static func verify(_ parameters: ResolvedParameters, _ context: ActionContext) throws -> [String: String] {
        var verifier = BackupVerifier(configuration: context.configuration)
        verifier.cancellation = context.cancellation
        let report = try verifier.verify(URL(fileURLWithPath: try parameters.required("backup")))
        guard report.passed else { throw RunbookRunError("the backup is bad: \(report.failure ?? "verification failed")") }
        let manifest = try? BackupReader.open(URL(fileURLWithPath: try parameters.required("backup"))).manifest
        return ["passed": "true", "tables": String(manifest?.tables.count ?? 0), "rows": String(manifest?.totalRows ?? 0)]
    }

    private static func runner(_ context: ActionContext, database: String?) -> RestoreRunner {
        var runner = RestoreRunner(configuration: context.configuration)
        runner.targetOverride = database ?? context.target
        runner.services = nil  // services are the runbook's own steps
        runner.cancellation = context.cancellation
        runner.note = context.note
        return runner
    }

    private static func restoreDatabase(_ parameters: ResolvedParameters, _ context: ActionContext) throws -> [String: String] {
        let backup = URL(fileURLWithPath: try parameters.required("backup"))
        let mode = parameters.string("mode") ?? "safe"
        let runner = runner(context, database: parameters.string("database"))
        let plan = try runner.plan(backup: backup, mode: mode == "in-place" ? .inPlace : .safe)
        if mode == "scratch" && plan.targetExists {
            throw RunbookRunError("scratch restore target \(plan.target) already exists", hint: "name a new database")
        }
        let result = try runner.run(plan)
        return ["database": plan.target, "kept_as": result.keptAs ?? ""]
    }

    private static func restoreTables(_ parameters: ResolvedParameters, _ context: ActionContext) throws -> [String: String] {
        let tables = parameters.list("tables")
        let runner = runner(context, database: nil)
        if context.drill {
            // A drill's target starts empty: restore the whole backup there first, so the
            // table copy that follows is rehearsed against real tables.
            let admin = try DatabaseAdmin(conninfo: context.configuration.databaseURL ?? "")
            let exists = try admin.exists(context.target)
            admin.close()
            if !exists {
                let full = try runner.plan(backup: URL(fileURLWithPath: try parameters.required("backup")), mode: .safe)
                _ = try runner.run(full)
            }
        }
        let plan = try runner.plan(backup: URL(fileURLWithPath: try parameters.required("backup")), mode: .tables, tables: tables)
        _ = try runner.run(plan)
        return ["tables": tables.joined(separator: ",")]
    }

    private static func terminate(_ parameters: ResolvedParameters, _ context: ActionContext) throws -> [String: String] {
        let admin = try DatabaseAdmin(conninfo: context.configuration.databaseURL ?? "")
        defer { admin.close() }
        return ["terminated": String(try admin.terminateSessions(on: parameters.string("database") ?? context.target))]
    }

    private static func validateRowCounts(_ parameters: ResolvedParameters, _ context: ActionContext) throws -> [String: String] {
        guard let manifest = try BackupReader.open(URL(fileURLWithPath: try parameters.required("backup"))).manifest else {
            throw RunbookRunError("the backup has no manifest: there are no row counts to compare with")
        }
        let database = parameters.string("database") ?? context.target
        let connection = try Connection(context.configuration.databaseURL ?? "", database: database)
        defer { connection.close() }
        let mismatches = try RowCountValidator.compare(manifest.tables, in: connection)
        guard mismatches.isEmpty else {
            throw RunbookRunError("\(mismatches.count) tables differ from the manifest: \(mismatches.prefix(5).map(\.description).joined(separator: "; "))")
        }
        return ["tables": String(manifest.tables.count), "mismatches": "0"]
    }

    private static func shell(_ parameters: ResolvedParameters, _ context: ActionContext) throws -> [String: String] {
        let outcome = try ShellCommand.run(try parameters.required("command"), timeout: context.stepTimeout ?? 600)
        guard outcome.succeeded else { throw RunbookRunError(outcome.summary, hint: outcome.outputTail.isEmpty ? nil : outcome.outputTail) }
        return ["exit_status": String(outcome.exitStatus ?? 0), "output": outcome.outputTail]
    }

    private static func wait(_ parameters: ResolvedParameters, _ context: ActionContext) throws -> [String: String] {
        let seconds = try DurationValue.parse(try parameters.required("duration")).seconds
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if context.cancellation?.isCancelled == true { throw RunbookRunError("interrupted while waiting") }
            Thread.sleep(forTimeInterval: min(0.1, max(0, deadline.timeIntervalSinceNow)))
        }
        return [:]
    }
}
