/// One action a runbook step may name. Its declaration (checked by the validator, shown by the
/// planner, consulted by resume) sits next to the code that runs it, one file per action, so
/// the two cannot drift apart.
protocol RunbookAction {
    static var spec: ActionSpec { get }
    /// Runs through Lifeboat's library (never a subprocess of itself) and returns the outputs.
    static func run(_ parameters: ResolvedParameters, _ context: ActionContext) throws -> [String: String]
}
