/// `notify`: an event for the people following the incident, sent to the configured
/// webhooks as `runbook.notice` with the runbook's own event name and message.
public enum Notify: RunbookAction {
    public static let name = "notify"

    static let spec = ActionSpec(
        name: name, summary: "send an event to the configured webhooks",
        parameters: [.required("event", .string, "event name"), .optional("message", .string, "text")],
        outputs: [], safeToRepeat: true, changesLiveSystems: false)

    static func run(_ parameters: ResolvedParameters, _ context: ActionContext) throws -> [String: String] {
        let event = parameters.string("event") ?? ""
        let message = parameters.string("message") ?? ""
        context.note("notify \(event): \(message)")
        context.emit?(
            RunEvent(name: "runbook.notice", details: ["run_id": context.runID, "event": event, "message": message]))
        return [:]
    }
}
