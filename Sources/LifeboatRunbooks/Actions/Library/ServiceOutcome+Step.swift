import LifeboatCore

extension ServiceOutcome {
    /// A command that failed fails its step, with the command's last output as the hint.
    func requireSuccess() throws {
        guard succeeded else { throw RunbookRunError(summary, hint: outputTail.isEmpty ? nil : outputTail) }
    }
}
