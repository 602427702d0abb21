import LifeboatCore

/// `sessions.terminate`: ends every other session on a database, so a restore or a swap is not
/// blocked (or raced) by an application that is still connected.
public enum SessionsTerminate: RunbookAction {
    public static let name = "sessions.terminate"

    public enum Output {
        /// How many sessions were ended.
        public static let terminated = "terminated"
    }

    static let spec = ActionSpec(
        name: name, summary: "terminate every session on a database",
        parameters: [.optional("database", .string, "database (default: the target)")],
        outputs: [Output.terminated], safeToRepeat: true, changesLiveSystems: true)

    static func run(_ parameters: ResolvedParameters, _ context: ActionContext) throws -> [String: String] {
        let admin = try DatabaseAdmin(conninfo: context.configuration.databaseURL ?? "")
        defer { admin.close() }
        return [
            Output.terminated: String(try admin.terminateSessions(on: parameters.string("database") ?? context.target))
        ]
    }
}
