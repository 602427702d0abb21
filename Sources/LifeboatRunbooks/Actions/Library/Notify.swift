/// `notify`: an event for the people following the incident.
enum Notify: RunbookAction {
    static let spec = ActionSpec(name: "notify", summary: "send an event to the configured webhooks",
                                 parameters: [.required("event", .string, "event name"), .optional("message", .string, "text")],
                                 outputs: [], safeToRepeat: true, changesLiveSystems: false)

    static func run(_ parameters: ResolvedParameters, _ context: ActionContext) throws -> [String: String] {
        context.note("notify \(parameters.string("event") ?? ""): \(parameters.string("message") ?? "")")
        return [:]
    }
}
