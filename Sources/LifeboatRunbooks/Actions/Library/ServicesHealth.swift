/// `services.health`: run the services' health check.
public enum ServicesHealth: RunbookAction {
    public static let name = "services.health"

    static let spec = ActionSpec(
        name: name, summary: "run the services' health check",
        parameters: [], outputs: [ServiceStep.Output.healthy], safeToRepeat: true, changesLiveSystems: false)

    static func run(_ parameters: ResolvedParameters, _ context: ActionContext) throws -> [String: String] {
        try ServiceStep.perform(.health, context)
    }
}
