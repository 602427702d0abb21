/// Stops the application before a restore and starts it after, so that nothing writes to
/// the database while it is replaced. Three real managers sit behind it: docker compose,
/// systemd, and arbitrary commands.
public protocol ServiceProvider: Sendable {
    /// "compose", "systemd" or "command": what the operator configured.
    var name: String { get }
    /// The exact argv each action would run, in order, so that plans, drills and the
    /// confirmation screen show what will happen before it does. Empty when the action is skipped.
    func commands(for action: ServiceAction) -> [[String]]
    /// Throws when the services could not be stopped: restoring under a live application
    /// would race its writes, so the restore must not go on.
    func stop() throws -> ServiceOutcome
    /// Reports a failure in the outcome instead of throwing: the restore already succeeded,
    /// and undoing it would not bring the application back.
    func start() throws -> ServiceOutcome
    /// Like `start()`; providers without a health check return a skipped outcome.
    func health() throws -> ServiceOutcome
}

public enum ServiceAction: String, Sendable, Codable, CaseIterable {
    case stop, start, health
}
