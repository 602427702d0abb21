import Foundation
import LifeboatCore

/// The decisions a plan can make before the run: chooser steps that only read
/// (`recovery.choose_path`) are run now, and every `when:` that then has all it needs is
/// evaluated, so `runbook plan` says which path a run would take and why, and marks the steps
/// it would skip. The preflight uses the same answer to check only the steps that would run.
public struct PlanTimeChoices: Sendable {
    /// Actions run at plan time: read-only by their spec, and cheap (a folder or bucket listing).
    static let choosers: Set<String> = [RecoveryChoosePath.name, BackupSelect.name]

    /// Outputs of the chooser steps run now.
    public let outputs: [String: [String: String]]
    /// Steps whose `when:` is already known to be false, with the condition.
    public let skipped: [String: String]
    /// "Path: physical — …" lines, one per chooser step.
    public let lines: [String]

    public static let none = PlanTimeChoices(outputs: [:], skipped: [:], lines: [])

    public static func evaluate(
        _ runbook: Runbook, inputs: [String: String], configuration: LifeboatConfiguration,
        stateDirectory: URL, target: String,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) -> PlanTimeChoices {
        var outputs: [String: [String: String]] = [:]
        var lines: [String] = []
        for step in runbook.steps where choosers.contains(step.action) {
            guard let spec = ActionCatalog.spec(step.action), !spec.changesLiveSystems, spec.safeToRepeat else {
                continue
            }
            do {
                var values: [String: [String]] = [:]
                for (name, value) in step.parameters {
                    values[name] = try value.texts.map { text in
                        try Template.parse(text).render { reference in
                            switch reference {
                            case .input(let name): return inputs[name] ?? ""
                            case .env(let name): return environment[name] ?? ""
                            case .runID: return "plan"
                            case .stepOutput: throw RunbookRunError("'\(name)' depends on an earlier step")
                            }
                        }
                    }
                }
                let context = ActionContext(
                    configuration: configuration, runID: "plan",
                    runDirectory: stateDirectory.appendingPathComponent("runs/plan"),
                    target: target, drill: false, services: nil, cancellation: nil, note: { _ in })
                let result = try ActionExecutor.run(step.action, ResolvedParameters(values: values), context)
                outputs[step.id] = result
                if step.action == BackupSelect.name {
                    lines.append(
                        "Backup: \(result[BackupSelect.Output.name] ?? "?") — \(result[BackupSelect.Output.reason] ?? "")"
                    )
                } else if let path = result[RecoveryChoosePath.Output.path] {
                    lines.append("Path: \(path) — \(result[RecoveryChoosePath.Output.reason] ?? "")")
                }
            } catch {
                let what = step.action == BackupSelect.name ? "Backup" : "Path"
                lines.append(
                    "\(what): unknown until the run — step '\(step.id)' cannot decide now: \(RunbookPreflight.text(error))"
                )
            }
        }
        var skipped: [String: String] = [:]
        for step in runbook.steps {
            guard let when = step.when, let expression = try? Expression.parse(when) else { continue }
            let holds = try? expression.evaluate { reference in
                switch reference {
                case .input(let name): return value(inputs[name] ?? "")
                case .env(let name): return value(environment[name] ?? "")
                case .runID: return .string("plan")
                case .stepOutput(let id, let output):
                    guard let known = outputs[id]?[output] else { throw RunbookRunError("not known before the run") }
                    return value(known)
                }
            }
            if holds == false { skipped[step.id] = when }
        }
        return PlanTimeChoices(outputs: outputs, skipped: skipped, lines: lines)
    }

    /// As the run's resolver reads a value (References.value).
    static func value(_ text: String) -> Expression.Value {
        if let number = Double(text) { return .number(number) }
        if text == "true" || text == "false" { return .bool(text == "true") }
        return .string(text)
    }
}
