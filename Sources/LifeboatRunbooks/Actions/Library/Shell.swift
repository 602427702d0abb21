import LifeboatCore

/// `shell`: an operator's command through /bin/sh -c, stopped at the step's timeout. `${…}`
/// values in the command are shell-quoted (`ShellQuoting`); the command gets the operator
/// commands' environment (`ChildEnvironment`: everything but secrets).
enum Shell: RunbookAction {
    static let commandParameter = "command"
    static let spec = ActionSpec(
        name: "shell", summary: "run a shell command with a timeout",
        parameters: [.required(commandParameter, .string, "command for /bin/sh -c (${…} values are shell-quoted)")],
        outputs: ["exit_status", "output"], safeToRepeat: false, changesLiveSystems: true)

    static func run(_ parameters: ResolvedParameters, _ context: ActionContext) throws -> [String: String] {
        let outcome = try ShellCommand.run(
            try parameters.required(commandParameter), timeout: context.stepTimeout ?? 600)
        try outcome.requireSuccess()
        return ["exit_status": String(outcome.exitStatus ?? 0), "output": outcome.outputTail]
    }
}
