/// `services.start`: start the application services.
public enum ServicesStart: RunbookAction {
    public static let name = "services.start"

    static let spec = ActionSpec(
        name: name, summary: "start the application services",
        parameters: [], outputs: [ServiceStep.Output.provider], safeToRepeat: true, changesLiveSystems: true)

    static func run(_ parameters: ResolvedParameters, _ context: ActionContext) throws -> [String: String] {
        try ServiceStep.perform(.start, context)
    }
}
