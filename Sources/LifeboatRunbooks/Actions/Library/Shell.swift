import LifeboatCore

/// `shell`: an operator's command through /bin/sh -c, stopped at the step's timeout. `${…}`
/// values in the command are shell-quoted (`ShellQuoting`); the command gets the operator
/// commands' environment (`ChildEnvironment`: everything but secrets).
public enum Shell: RunbookAction {
    public static let name = "shell"
    static let commandParameter = "command"

    public enum Output {
        /// The command's exit status, and the last of what it printed.
        public static let exitStatus = "exit_status", output = "output"
    }

    static let spec = ActionSpec(
        name: name, summary: "run a shell command with a timeout",
        parameters: [.required(commandParameter, .string, "command for /bin/sh -c (${…} values are shell-quoted)")],
        outputs: [Output.exitStatus, Output.output], safeToRepeat: false, changesLiveSystems: true)

    static func run(_ parameters: ResolvedParameters, _ context: ActionContext) throws -> [String: String] {
        let outcome = try ShellCommand.run(
            try parameters.required(commandParameter), timeout: context.stepTimeout ?? 600)
        try outcome.requireSuccess()
        return [Output.exitStatus: String(outcome.exitStatus ?? 0), Output.output: outcome.outputTail]
    }
}
