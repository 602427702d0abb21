/// `services.start`: start the application services.
enum ServicesStart: RunbookAction {
    static let spec = ActionSpec(
        name: "services.start", summary: "start the application services",
        parameters: [], outputs: ["provider"], safeToRepeat: true, changesLiveSystems: true)

    static func run(_ parameters: ResolvedParameters, _ context: ActionContext) throws -> [String: String] {
        try ServiceStep.perform(.start, context)
    }
}
