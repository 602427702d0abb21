/// Runs one action by name and returns its outputs.
public enum ActionExecutor {
    public static func run(_ action: String, _ parameters: ResolvedParameters, _ context: ActionContext) throws
        -> [String: String]
    {
        guard let implementation = ActionCatalog.action(action) else {
            throw RunbookRunError("unknown action \(action)")
        }
        return try implementation.run(parameters, context)
    }
}
