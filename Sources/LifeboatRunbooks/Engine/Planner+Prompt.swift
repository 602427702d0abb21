/// What an interactive run needs to ask for a missing input and check the answer with the
/// same rules that refuse a wrong `--input`, so a prompt never accepts what a run would refuse.
extension Planner {
    /// Required inputs that have neither a given value nor a default, in declaration order.
    public func missingInputs(_ runbook: Runbook, given: [String: String]) -> [InputSpec] {
        runbook.inputs.filter { $0.required && $0.defaultValue == nil && given[$0.name] == nil }
    }

    /// The problems of `value` for the input `name`, by the checks `inputs(for:given:)` makes:
    /// its declared type, then how each step that uses it takes it (a time, a choice, a number).
    /// Empty when the value is acceptable.
    public func problems(of name: String, value: String, in runbook: Runbook, given: [String: String]) -> [String] {
        guard let input = runbook.inputs.first(where: { $0.name == name }) else { return ["unknown input '\(name)'"] }
        if let problem = InputValues.problem(value, for: input.kind) { return ["input '\(name)': \(problem)"] }
        var values = Dictionary(
            runbook.inputs.compactMap { spec in spec.defaultValue.map { (spec.name, $0) } },
            uniquingKeysWith: { first, _ in first })
        values.merge(given) { _, given in given }
        values[name] = value
        return parameterProblems(runbook, values).filter { $0.contains("'\(name)'") }
    }
}
