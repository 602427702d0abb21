import Foundation
import LifeboatCore

/// Turns a validated runbook and the responder's inputs into the ordered list of what will
/// happen, with every value that can be known before the run filled in. Changes nothing.
public struct Planner {
    public struct PlannedStep: Sendable {
        public let step: Step
        public let spec: ActionSpec
        /// Parameters with inputs, env and run id filled in; step outputs shown as <step.output>.
        public let parameters: [(String, String)]
        public let needs: [String]
        /// The approval message, filled in the same way.
        public let approval: String?
    }

    public struct Plan: Sendable {
        public let runbook: Runbook
        public let inputs: [(String, String)]
        public let steps: [PlannedStep]
    }

    public let environment: [String: String]

    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.environment = environment
    }

    /// Resolves inputs: given values, then defaults; each checked against its declared type.
    public func inputs(for runbook: Runbook, given: [String: String]) throws -> [(String, String)] {
        var problems: [String] = []
        for name in given.keys where !runbook.inputs.contains(where: { $0.name == name }) {
            problems.append("unknown input '\(name)' (declared: \(runbook.inputs.map(\.name).joined(separator: ", ")))")
        }
        var resolved: [(String, String)] = []
        for input in runbook.inputs {
            guard let value = given[input.name] ?? input.defaultValue else {
                if input.required {
                    problems.append(
                        "input '\(input.name)' is required\(input.description.map { " (\($0))" } ?? ""): --input \(input.name)=VALUE"
                    )
                }
                continue
            }
            if let problem = InputValues.problem(value, for: input.kind) {
                problems.append("input '\(input.name)': \(problem)")
            }
            resolved.append((input.name, value))
        }
        if problems.isEmpty {
            problems += parameterProblems(runbook, Dictionary(resolved, uniquingKeysWith: { a, _ in a }))
        }
        guard problems.isEmpty else {
            throw LifeboatError(
                stage: "runbook inputs", message: problems.joined(separator: "; "),
                hint: "start the run again with the corrected --input (nothing ran)", category: .configuration)
        }
        return resolved
    }

    /// An input is checked again as each step receives it: a string input that becomes a
    /// choice (`backup_type=weekley` for backup.select's type), a number or a time there is
    /// refused now, not at that step after everything before it ran. Parameters that need a
    /// step's output are the run's to check.
    func parameterProblems(_ runbook: Runbook, _ inputs: [String: String]) -> [String] {
        var problems: [String] = []
        for step in runbook.steps {
            guard let spec = ActionCatalog.spec(step.action) else { continue }
            for (name, value) in step.parameters.sorted(by: { $0.key < $1.key }) {
                guard let kind = spec.parameters.first(where: { $0.name == name })?.kind else { continue }
                for text in value.texts {
                    guard let template = try? Template.parse(text) else { continue }
                    var usedInputs: [String] = []
                    let rendered = try? template.render { reference in
                        switch reference {
                        case .input(let input):
                            usedInputs.append(input)
                            return inputs[input] ?? ""
                        case .env(let variable): return environment[variable] ?? ""
                        case .runID: return "run"
                        case .stepOutput: throw RunbookRunError("known at run time")
                        }
                    }
                    guard let rendered, !usedInputs.isEmpty, let problem = RunbookValidator.typeProblem(rendered, kind)
                    else { continue }
                    let named = usedInputs.map { "'\($0)'" }.joined(separator: ", ")
                    problems.append("input \(named): \(problem) (step '\(step.id)' takes it as \(name))")
                }
            }
        }
        return problems
    }

    public func plan(_ runbook: Runbook, inputs given: [String: String], runID: String = "<run id>") throws -> Plan {
        let inputs = try inputs(for: runbook, given: given)
        let inputValues = Dictionary(inputs, uniquingKeysWith: { first, _ in first })
        let order = StepGraph(runbook.steps).topologicalOrder()
        let steps = order.compactMap { id -> PlannedStep? in
            guard let step = runbook.step(id), let spec = ActionCatalog.spec(step.action) else { return nil }
            let fill = { (text: String) -> String in
                (try? Template.parse(text).render { reference in
                    switch reference {
                    case .input(let name): inputValues[name] ?? ""
                    case .stepOutput(let step, let output): "<\(step).\(output)>"
                    case .env(let name): environment[name].map { _ in "$\(name)" } ?? "<unset \(name)>"
                    case .runID: runID
                    }
                }) ?? text
            }
            let parameters = step.parameters.sorted { $0.key < $1.key }.map { name, value in
                (name, value.texts.map(fill).joined(separator: ", "))
            }
            return PlannedStep(
                step: step, spec: spec, parameters: parameters, needs: step.needs, approval: step.approval.map(fill))
        }
        return Plan(runbook: runbook, inputs: inputs, steps: steps)
    }
}

extension Planner.Plan {
    /// The plan as a responder reads it: numbered steps, what each does and touches, gates.
    /// - Parameter serviceCommands: what each services.* action runs with the configured
    ///   provider ("stop", "start", "health" → command lines), so the plan shows every command.
    /// - Parameter preflight: the preflight section's lines, shown before the last line.
    /// - Parameter choices: decisions known now (`PlanTimeChoices`): the path lines, and the
    ///   steps a run would skip.
    public func render(
        target: String, services: String?, serviceCommands: [String: [String]] = [:], preflight: [String]? = nil,
        choices: PlanTimeChoices = .none
    ) -> String {
        let summary =
            runbook.description.components(separatedBy: "\n\n").first?
            .split(separator: "\n").joined(separator: " ") ?? ""
        var lines = [
            "runbook: \(runbook.name)", "         \(summary)",
            "target:  database \(target); services: \(services ?? "none configured")"
        ]
        if !inputs.isEmpty { lines.append("inputs:  " + inputs.map { "\($0.0)=\($0.1)" }.joined(separator: " ")) }
        lines += choices.lines
        for (index, planned) in steps.enumerated() {
            let step = planned.step
            var head = "\(index + 1). \(step.id) [\(step.action)]"
            if planned.spec.changesLiveSystems { head += "  CHANGES LIVE SYSTEMS" }
            if choices.skipped[step.id] != nil { head += "  (WILL BE SKIPPED)" }
            lines.append(head)
            lines.append("     \(planned.spec.summary)")
            for (name, value) in planned.parameters { lines.append("     \(name): \(value)") }
            if let verb = ServiceStep.verb(of: step.action) {
                let commands = serviceCommands[verb] ?? []
                if commands.isEmpty {
                    lines.append("     runs: nothing (no services provider configured, or none for this action)")
                }
                for command in commands { lines.append("     runs: \(command)") }
            }
            if [
                RestoreDatabase.name, RestoreDatabasePrepare.name, RestoreTables.name, RestoreTablesRehearse.name,
                SessionsTerminate.name
            ].contains(step.action),
                !planned.parameters.contains(where: { $0.0 == "database" })
            {
                lines.append("     database: \(target)")
            }
            if !planned.needs.isEmpty { lines.append("     after: \(planned.needs.joined(separator: ", "))") }
            if let when = step.when { lines.append("     only when: \(when)") }
            if let approval = planned.approval { lines.append("     waits for approval: \(approval)") }
            if let retry = step.retry {
                lines.append(
                    "     retries: \(retry.attempts) attempts, backoff \(DurationValue(seconds: retry.initialDelay)) ×\(retry.factor)"
                )
            }
            if let timeout = step.timeout { lines.append("     timeout: \(DurationValue(seconds: timeout))") }
            switch step.onFailure {
            case .abort: break
            case .continue: lines.append("     on failure: continue")
            case .compensate(let other): lines.append("     on failure: run \(other), then stop")
            }
        }
        lines += preflight ?? []
        lines.append("nothing has been changed: this is a plan")
        return lines.joined(separator: "\n")
    }
}
