import LifeboatCore

/// Resolves `${...}` references during a run from the journal's state.
struct References {
    let state: RunState
    let runID: String
    let environment: [String: String]

    func text(_ reference: Reference) throws -> String {
        switch reference {
        case .input(let name):
            guard let value = state.inputs[name] else { throw RunbookRunError("input '\(name)' has no value") }
            return value
        case .stepOutput(let step, let output):
            guard let record = state.steps[step] else { throw RunbookRunError("step '\(step)' has not run") }
            return record.outputs[output] ?? ""
        case .env(let name):
            // The validator refuses these with file:line; this is for a runbook that skipped it.
            guard !ChildEnvironment.isSecret(name) else {
                throw RunbookRunError(Reference.secretEnvironmentMessage(name))
            }
            return environment[name] ?? ""
        case .runID:
            return runID
        }
    }

    func value(_ reference: Reference) throws -> Expression.Value {
        let text = try text(reference)
        if let number = Double(text) { return .number(number) }
        if text == "true" || text == "false" { return .bool(text == "true") }
        return .string(text)
    }

    /// Every `${...}` in a step's parameters filled in; in a `shell` step's command, shell-quoted.
    func parameters(of step: Step) throws -> ResolvedParameters {
        ResolvedParameters(
            values: try step.parameters.reduce(into: [:]) { values, entry in
                let shellCommand = step.action == Shell.name && entry.key == Shell.commandParameter
                values[entry.key] = try entry.value.texts.map { text in
                    let template = try Template.parse(text)
                    return shellCommand
                        ? try template.renderForShell(resolve: self.text) : try template.render(resolve: self.text)
                }
            })
    }
}
