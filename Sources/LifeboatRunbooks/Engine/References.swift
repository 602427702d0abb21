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

    /// Every `${...}` in a step's parameters filled in.
    func parameters(of step: Step) throws -> ResolvedParameters {
        ResolvedParameters(values: try step.parameters.mapValues { value in
            try value.texts.map { try Template.parse($0).render(resolve: text) }
        })
    }
}
