import Foundation

/// `wait`: a pause (for replication to settle, a load balancer to drain), cut short by a signal.
public enum Wait: RunbookAction {
    public static let name = "wait"

    static let spec = ActionSpec(
        name: name, summary: "wait for a while",
        parameters: [.required("duration", .duration, "how long")],
        outputs: [], safeToRepeat: true, changesLiveSystems: false)

    static func run(_ parameters: ResolvedParameters, _ context: ActionContext) throws -> [String: String] {
        let seconds = try DurationValue.parse(try parameters.required("duration")).seconds
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if context.cancellation?.isCancelled == true { throw RunbookRunError("interrupted while waiting") }
            Thread.sleep(forTimeInterval: min(0.1, max(0, deadline.timeIntervalSinceNow)))
        }
        return [:]
    }
}
