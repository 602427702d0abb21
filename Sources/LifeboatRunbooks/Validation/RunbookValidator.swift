import Foundation
import LifeboatCore

/// Checks a loaded runbook's meaning: actions and their parameters, the step graph (unknown
/// steps, duplicates, cycles), every `${...}` reference (declared inputs; outputs that exist
/// and come from steps upstream), `when` expressions, typed defaults. Reports every problem.
public struct RunbookValidator {
    public init() {}

    public func validate(_ runbook: Runbook) -> [RunbookIssue] {
        var issues: [RunbookIssue] = []
        let ids = runbook.steps.map(\.id)
        var seen: Set<String> = []
        for step in runbook.steps where !seen.insert(step.id).inserted {
            issues.append(RunbookIssue(step.location(of: "id"), step: step.id, "duplicate step id '\(step.id)'"))
        }
        for input in runbook.inputs {
            if let value = input.defaultValue, let problem = InputValues.problem(value, for: input.kind) {
                issues.append(RunbookIssue(input.location, "input '\(input.name)': default \(problem)"))
            }
        }
        let known = Set(ids)
        for step in runbook.steps {
            for need in step.needs where !known.contains(need) {
                issues.append(RunbookIssue(step.location(of: "needs"), step: step.id, "needs unknown step '\(need)'"))
            }
            if case .compensate(let other) = step.onFailure {
                if !known.contains(other) {
                    issues.append(
                        RunbookIssue(
                            step.location(of: "on_failure"), step: step.id,
                            "on_failure must be abort, continue or a step id; '\(other)' is none of these"))
                } else if other == step.id {
                    issues.append(
                        RunbookIssue(
                            step.location(of: "on_failure"), step: step.id, "a step cannot compensate for itself"))
                }
            }
        }
        let cycles = StepGraph(runbook.steps.filter { seen.contains($0.id) }).cycles()
        for cycle in cycles {
            let first = runbook.step(cycle[0])!
            issues.append(
                RunbookIssue(
                    first.location(of: "needs"), step: first.id,
                    "the steps form a cycle: \((cycle + [cycle[0]]).joined(separator: " → "))"))
        }
        let upstream = cycles.isEmpty ? StepGraph(runbook.steps).ancestors() : [:]
        for step in runbook.steps {
            issues += check(step, in: runbook, upstream: upstream[step.id])
        }
        issues += objectiveIssues(runbook)
        return issues.sorted { ($0.location.line, $0.location.column) < ($1.location.line, $1.location.column) }
    }

    private func check(_ step: Step, in runbook: Runbook, upstream: Set<String>?) -> [RunbookIssue] {
        var issues: [RunbookIssue] = []
        guard let spec = ActionCatalog.spec(step.action) else {
            let names = ActionCatalog.all.map(\.name).joined(separator: ", ")
            return [
                RunbookIssue(
                    step.location(of: "action"), step: step.id, "unknown action '\(step.action)' (known: \(names))")
            ]
        }
        for parameter in spec.parameters where parameter.required && step.parameters[parameter.name] == nil {
            issues.append(
                RunbookIssue(
                    step.location(of: "with"), step: step.id,
                    "\(step.action) needs parameter '\(parameter.name)' (\(parameter.summary))"))
        }
        for (name, value) in step.parameters.sorted(by: { $0.key < $1.key }) {
            let location = step.location(of: "with.\(name)")
            guard let parameter = spec.parameter(name) else {
                let allowed = spec.parameters.map(\.name)
                issues.append(
                    RunbookIssue(
                        location, step: step.id,
                        "\(step.action) has no parameter '\(name)'"
                            + (allowed.isEmpty ? " (it takes none)" : " (it takes: \(allowed.joined(separator: ", ")))")
                    ))
                continue
            }
            if case .list = value, parameter.kind != .stringList {
                issues.append(
                    RunbookIssue(location, step: step.id, "parameter '\(name)' takes a single value, not a list"))
            }
            for text in value.texts {
                do {
                    let template = try Template.parse(text)
                    issues += references(
                        template.references, at: location, step: step, runbook: runbook, upstream: upstream)
                    if template.references.isEmpty, let problem = Self.typeProblem(text, parameter.kind) {
                        issues.append(RunbookIssue(location, step: step.id, "parameter '\(name)': \(problem)"))
                    }
                } catch {
                    issues.append(RunbookIssue(location, step: step.id, "parameter '\(name)': \(error)"))
                }
            }
        }
        if let when = step.when {
            do {
                let expression = try Expression.parse(when)
                issues += references(
                    expression.references, at: step.location(of: "when"), step: step, runbook: runbook,
                    upstream: upstream)
            } catch {
                issues.append(RunbookIssue(step.location(of: "when"), step: step.id, "bad 'when' expression: \(error)"))
            }
        }
        if let approval = step.approval {
            do {
                issues += references(
                    try Template.parse(approval).references, at: step.location(of: "approval"),
                    step: step, runbook: runbook, upstream: upstream)
            } catch {
                issues.append(RunbookIssue(step.location(of: "approval"), step: step.id, "approval message: \(error)"))
            }
        }
        return issues
    }

    /// An objective must be measurable by some step of the runbook, or every run would miss it
    /// for a reason no one could act on.
    private func objectiveIssues(_ runbook: Runbook) -> [RunbookIssue] {
        let actions = Set(runbook.steps.map(\.action))
        return runbook.objectives.declared.compactMap { kind, _ in
            let measuredBy = DrillMeasures.actions(measuring: kind)
            guard actions.isDisjoint(with: measuredBy) else { return nil }
            return RunbookIssue(
                runbook.objectives.locations[kind] ?? runbook.location,
                "objectives.\(kind.rawValue) cannot be measured: no step runs \(measuredBy.sorted().joined(separator: ", ")); "
                    + "remove the objective or add such a step")
        }
    }

    /// Inputs must be declared; outputs must exist on a step that runs before this one.
    private func references(
        _ references: [Reference], at location: SourceLocation, step: Step, runbook: Runbook,
        upstream: Set<String>?
    ) -> [RunbookIssue] {
        references.compactMap { reference in
            switch reference {
            case .input(let name):
                guard !runbook.inputs.contains(where: { $0.name == name }) else { return nil }
                return RunbookIssue(location, step: step.id, "reference to undeclared input '\(name)'")
            case .stepOutput(let other, let output):
                guard let producer = runbook.step(other) else {
                    return RunbookIssue(location, step: step.id, "reference to unknown step '\(other)'")
                }
                if let spec = ActionCatalog.spec(producer.action), !spec.outputs.contains(output) {
                    return RunbookIssue(
                        location, step: step.id,
                        "step '\(other)' (\(producer.action)) has no output '\(output)'"
                            + (spec.outputs.isEmpty ? "" : " (outputs: \(spec.outputs.joined(separator: ", ")))"))
                }
                if let upstream, !upstream.contains(other) {
                    return RunbookIssue(
                        location, step: step.id,
                        "uses an output of '\(other)', which is not upstream: add it to needs (directly or through another step)"
                    )
                }
                return nil
            case .env(let name):
                guard ChildEnvironment.isSecret(name) else { return nil }
                return RunbookIssue(location, step: step.id, Reference.secretEnvironmentMessage(name))
            case .runID:
                return nil
            }
        }
    }

    /// The problem with a literal for a parameter kind, or nil when it fits.
    static func typeProblem(_ text: String, _ kind: ActionSpec.ParameterKind) -> String? {
        switch kind {
        case .string, .stringList: return nil
        case .int: return InputValues.problem(text, for: .int)
        case .bool: return InputValues.problem(text, for: .bool)
        case .duration: return InputValues.problem(text, for: .duration)
        case .timestamp: return InputValues.problem(text, for: .timestamp)
        case .timestampOrLatest:
            return text == "latest" || InputValues.timestamp(text) != nil
                ? nil
                : "'\(text)' is not a time (2025-01-18T03:00:00Z) or latest"
        case .choice(let options):
            return options.contains(text) ? nil : "'\(text)' is not one of \(options.joined(separator: ", "))"
        }
    }
}

/// Checks and converts typed input values given on the command line or as defaults.
public enum InputValues {
    public static func problem(_ text: String, for kind: InputSpec.Kind) -> String? {
        switch kind {
        case .string: return nil
        case .int: return Int(text) == nil ? "'\(text)' is not a whole number" : nil
        case .bool: return ["true", "false"].contains(text.lowercased()) ? nil : "'\(text)' is not true or false"
        case .duration:
            do { _ = try DurationValue.parse(text) } catch { return "'\(text)' is not a duration (\(error))" }
            return nil
        case .timestamp:
            return timestamp(text) == nil ? "'\(text)' is not a timestamp (use 2025-01-18T03:00:00Z or 'now')" : nil
        }
    }

    public static func timestamp(_ text: String) -> Date? {
        if text == "now" { return Date() }
        let formatter = ISO8601DateFormatter()
        if let date = formatter.date(from: text) { return date }
        // Fractional seconds matter to a point-in-time recovery; without this attempt the
        // date-only form below would read "2025-01-01T10:00:00.5Z" as midnight.
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = formatter.date(from: text) { return date }
        guard text.count == 10 else { return nil }
        formatter.formatOptions = [.withFullDate]
        return formatter.date(from: text)
    }
}
