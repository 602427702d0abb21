import LifeboatCore

/// `shell`: an operator's command through /bin/sh -c, stopped at the step's timeout.
enum Shell: RunbookAction {
    static let spec = ActionSpec(name: "shell", summary: "run a shell command with a timeout",
                                 parameters: [.required("command", .string, "command for /bin/sh -c")],
                                 outputs: ["exit_status", "output"], safeToRepeat: false, changesLiveSystems: true)

    static func run(_ parameters: ResolvedParameters, _ context: ActionContext) throws -> [String: String] {
        let outcome = try ShellCommand.run(try parameters.required("command"), timeout: context.stepTimeout ?? 600)
        try outcome.requireSuccess()
        return ["exit_status": String(outcome.exitStatus ?? 0), "output": outcome.outputTail]
    }
}
