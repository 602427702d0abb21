/// `services.health`: run the services' health check.
enum ServicesHealth: RunbookAction {
    static let spec = ActionSpec(
        name: "services.health", summary: "run the services' health check",
        parameters: [], outputs: ["healthy"], safeToRepeat: true, changesLiveSystems: false)

    static func run(_ parameters: ResolvedParameters, _ context: ActionContext) throws -> [String: String] {
        try ServiceStep.perform(.health, context)
    }
}
