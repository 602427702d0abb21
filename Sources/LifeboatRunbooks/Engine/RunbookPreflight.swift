import Foundation
import LifeboatCore

/// The preflight of a runbook, for `runbook plan`, `runbook run` and `drill`: the backup the
/// run would use is found by running its `backup.select` step now (it only reads), and the
/// steps say the rest: a `cloud.fetch` (or a `restore.database_prepare` from the cloud)
/// downloads into the run's folder, a `backup.decrypt`
/// writes a plaintext copy there, restores and verifications need room on the server,
/// `services.*` steps run the provider's commands (or, in a drill, the drill commands).
public struct RunbookPreflight {
    public let configuration: LifeboatConfiguration
    public let stateDirectory: URL
    public var services: (any ServiceProvider)?
    public var environment: [String: String] = ProcessInfo.processInfo.environment

    public init(configuration: LifeboatConfiguration, stateDirectory: URL, services: (any ServiceProvider)?) {
        self.configuration = configuration
        self.stateDirectory = stateDirectory
        self.services = services
    }

    /// Checks `runbook` as it would run on `target` (a drill's scratch database in drills).
    /// `choices`: the plan-time choices when the caller made them already (`runbook plan`
    /// shows them too), so the backup folder or bucket is not listed a second time.
    public func check(
        _ runbook: Runbook, inputs given: [String: String], target: String, drill: Bool,
        choices: PlanTimeChoices? = nil
    ) -> PreflightReport {
        var preflight = Preflight(configuration: configuration)
        preflight.services = services
        preflight.environment = environment
        preflight.runLockHolder = Self.lockHolder(stateDirectory: stateDirectory, conninfo: configuration.databaseURL)
        return preflight.run(subject(runbook, inputs: given, target: target, drill: drill, choices: choices))
    }

    /// Who holds a target's run lock, for `lifeboat restore`'s preflight too.
    public static func lockHolder(stateDirectory: URL, conninfo: String?) -> @Sendable (String) -> String? {
        { target in RunLock.probe(stateDirectory: stateDirectory, target: target, conninfo: conninfo) }
    }

    func subject(
        _ runbook: Runbook, inputs given: [String: String], target: String, drill: Bool,
        choices known: PlanTimeChoices? = nil
    ) -> PreflightSubject {
        let inputs = Dictionary(
            (try? Planner(environment: environment).inputs(for: runbook, given: given)) ?? [],
            uniquingKeysWith: { a, _ in a })
        // Steps whose `when:` is already known to be false (the other recovery path) are not checked.
        let choices =
            known
            ?? PlanTimeChoices.evaluate(
                runbook, inputs: inputs, configuration: configuration, stateDirectory: stateDirectory,
                target: target, environment: environment)
        let steps = StepGraph(runbook.steps).topologicalOrder().compactMap(runbook.step)
            .filter { runs($0, drill: drill) && choices.skipped[$0.id] == nil }
        var outputs: [String: [String: String]] = [:]
        var problem: String?
        var choice: String?
        var choiceProblem: String?
        var fromCloud = false
        if let select = steps.first(where: { $0.action == BackupSelect.name }) {
            fromCloud = resolve(select.parameters["source"]?.texts.first ?? "local", inputs, outputs) == "cloud"
            do {
                // The plan-time choice already ran it (it lists the folder or the bucket); again only for its error.
                let chosen =
                    try choices.outputs[select.id]
                    ?? selectReadOnly(select, inputs: inputs, target: target, drill: drill)
                outputs[select.id] = chosen
                choice = "\(chosen[BackupSelect.Output.name] ?? "?") — \(chosen[BackupSelect.Output.reason] ?? "")"
            } catch let none as BackupSelect.NoMatch {
                choiceProblem = none.description
                problem = "step '\(select.id)' (\(BackupSelect.name)) finds no backup: \(none.message)"
            } catch {
                problem = "step '\(select.id)' (\(BackupSelect.name)) cannot choose one now: \(Self.text(error))"
            }
        }
        let consumers = [
            CloudFetch.name, BackupVerify.name, BackupDecrypt.name, RestoreDatabase.name, RestoreDatabasePrepare.name,
            RestoreTables.name, RestoreTablesRehearse.name, ValidateRowCounts.name
        ]
        var backup = PreflightSubject.Backup.unresolved(problem ?? "no step names a backup", fromCloud: fromCloud)
        if problem == nil, let first = steps.first(where: { consumers.contains($0.action) }) {
            let cloud = first.action == CloudFetch.name || streamsFromCloud(first, inputs, outputs)
            let parameter = cloud ? "name" : "backup"
            if let value = first.parameters[parameter]?.texts.first, let resolved = resolve(value, inputs, outputs),
                !resolved.isEmpty
            {
                backup = cloud ? .cloud(name: resolved) : .local(URL(fileURLWithPath: resolved))
            } else {
                backup = .unresolved(
                    "step '\(first.id)' takes its backup from a step that has not run", fromCloud: fromCloud)
            }
        }

        let restoring = steps.filter {
            [
                RestoreDatabase.name, RestoreDatabasePrepare.name, RestoreTables.name, RestoreTablesRehearse.name,
                BackupVerify.name
            ].contains($0.action)
        }
        let serverWork: PreflightSubject.ServerWork
        if restoring.isEmpty {
            serverWork = .none
        } else if !drill,
            restoring.allSatisfy({
                $0.action == RestoreDatabase.name
                    && resolve($0.parameters["mode"]?.texts.first ?? "", inputs, outputs) == "in-place"
            })
        {
            serverWork = .replace
        } else {
            serverWork = .newDatabase
        }
        var subject = PreflightSubject(
            backup: backup, target: target, serverWork: serverWork,
            readsBackup: steps.contains {
                [
                    BackupVerify.name, BackupDecrypt.name, RestoreDatabase.name, RestoreDatabasePrepare.name,
                    RestoreTables.name, RestoreTablesRehearse.name
                ].contains($0.action)
            },
            checksLock: true)
        // A drill's target is a scratch database the run makes first: its tables are the backup's.
        if !drill {
            var named: [String] = []
            for step in steps where [RestoreTables.name, RestoreTablesRehearse.name].contains(step.action) {
                // Split as the step will read them (ResolvedParameters.list).
                let texts = (step.parameters["tables"]?.texts ?? []).compactMap { resolve($0, inputs, outputs) }
                for name in ResolvedParameters(values: ["tables": texts]).list("tables") where !named.contains(name) {
                    named.append(name)
                }
            }
            subject.tables = named
        }
        subject.choice = choice
        subject.choiceProblem = choiceProblem
        let runFolders = stateDirectory.appendingPathComponent("runs")
        if steps.contains(where: { $0.action == CloudFetch.name || streamsFromCloud($0, inputs, outputs) }) {
            subject.localWrites.append(
                PreflightSubject.LocalWrite(folder: runFolders, why: "the download") { manifest, size in
                    size ?? manifest?.fileBytes
                })
        }
        if steps.contains(where: { $0.action == BackupDecrypt.name }) {
            subject.localWrites.append(
                PreflightSubject.LocalWrite(folder: runFolders, why: "the decrypted copy") { manifest, size in
                    // The plaintext is the gzip'd (or plain) SQL: about the file's size, or the dump's.
                    guard let manifest else { return size }
                    return manifest.encryption == nil
                        ? 0 : (manifest.compression == nil ? manifest.dumpBytes : manifest.fileBytes)
                })
        }
        serviceCommands(steps, drill: drill, into: &subject)
        return subject
    }

    /// Whether a step runs in this mode: a drill records service steps without drill commands.
    func runs(_ step: Step, drill: Bool) -> Bool {
        guard drill else { return true }
        if let explicit = step.drill { return explicit == .run }
        guard step.action.hasPrefix(ServiceStep.family) else { return true }
        return ServiceStep.kind(of: step.action).flatMap { ServiceStep.drillCommand($0, configuration) } != nil
    }

    func serviceCommands(_ steps: [Step], drill: Bool, into subject: inout PreflightSubject) {
        let kinds = steps.compactMap { ServiceStep.kind(of: $0.action) }
        guard !kinds.isEmpty else {
            subject.servicesNote =
                drill
                ? "service steps are recorded, not run, in a drill (no LIFEBOAT_DRILL_*_COMMAND)"
                : "the runbook has no service step"
            return
        }
        for kind in kinds {
            if drill {
                if let command = ServiceStep.drillCommand(kind, configuration) {
                    subject.serviceCommands.append((kind.rawValue, ["/bin/sh", "-c", command]))
                }
            } else if let services, let action = ServiceAction(rawValue: kind.rawValue) {
                for argv in services.commands(for: action) { subject.serviceCommands.append((kind.rawValue, argv)) }
            }
        }
        if subject.serviceCommands.isEmpty {
            subject.servicesNote =
                services == nil
                ? "no services provider configured (LIFEBOAT_SERVICES_PROVIDER): service steps do nothing"
                : "the \(services!.name) provider runs no command for these steps"
        }
    }

    /// Runs `backup.select` as the run would, now: it lists BACKUP_DIR or the bucket and
    /// changes nothing (its spec says so, which this checks rather than assumes).
    func selectReadOnly(_ step: Step, inputs: [String: String], target: String, drill: Bool) throws -> [String: String]
    {
        guard let spec = ActionCatalog.spec(step.action), !spec.changesLiveSystems, spec.safeToRepeat else {
            throw RunbookRunError("\(step.action) is not read-only")
        }
        var values: [String: [String]] = [:]
        for (name, value) in step.parameters {
            values[name] = try value.texts.map { text in
                guard let resolved = resolve(text, inputs, [:]) else {
                    throw RunbookRunError("'\(name)' depends on an earlier step")
                }
                return resolved
            }
        }
        let context = ActionContext(
            configuration: configuration, runID: "preflight",
            runDirectory: stateDirectory.appendingPathComponent("runs/preflight"),
            target: target, drill: drill, services: nil, cancellation: nil, note: { _ in })
        return try ActionExecutor.run(step.action, ResolvedParameters(values: values), context)
    }

    /// A parameter with its references filled in from inputs, the environment and the outputs
    /// known so far; nil when it needs an output not known before the run.
    func resolve(_ text: String, _ inputs: [String: String], _ outputs: [String: [String: String]]) -> String? {
        struct Unknown: Error {}
        return try? Template.parse(text).render { reference in
            switch reference {
            case .input(let name): return inputs[name] ?? ""
            case .env(let name): return environment[name] ?? ""
            case .runID: return "preflight"
            case .stepOutput(let step, let output):
                guard let value = outputs[step]?[output] else { throw Unknown() }
                return value
            }
        }
    }

    /// A `restore.database_prepare` with `source: cloud`: it downloads into the run folder, as `cloud.fetch` does.
    func streamsFromCloud(_ step: Step, _ inputs: [String: String], _ outputs: [String: [String: String]]) -> Bool {
        step.action == RestoreDatabasePrepare.name
            && RestoreDatabasePrepare.streamsFromCloud(
                step.parameters[RestoreDatabasePrepare.Parameter.source]?.texts.first.flatMap {
                    resolve($0, inputs, outputs)
                })
    }

    static func text(_ error: any Error) -> String {
        switch error {
        case let error as LifeboatError: error.message
        case let error as RunbookRunError: error.message
        default: "\(error)"
        }
    }
}
