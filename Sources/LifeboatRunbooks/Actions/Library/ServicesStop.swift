/// `services.stop`: stop the application services (configured provider).
enum ServicesStop: RunbookAction {
    static let spec = ActionSpec(
        name: "services.stop", summary: "stop the application services (configured provider)",
        parameters: [], outputs: ["provider"], safeToRepeat: true, changesLiveSystems: true)

    static func run(_ parameters: ResolvedParameters, _ context: ActionContext) throws -> [String: String] {
        try ServiceStep.perform(.stop, context)
    }
}
