/// `services.stop`: stop the application services (configured provider).
public enum ServicesStop: RunbookAction {
    public static let name = "services.stop"

    static let spec = ActionSpec(
        name: name, summary: "stop the application services (configured provider)",
        parameters: [], outputs: [ServiceStep.Output.provider], safeToRepeat: true, changesLiveSystems: true)

    static func run(_ parameters: ResolvedParameters, _ context: ActionContext) throws -> [String: String] {
        try ServiceStep.perform(.stop, context)
    }
}
