import LifeboatCore

/// What `services.stop`, `services.start` and `services.health` share: the configured provider
/// in a real run, the operator's drill command (LIFEBOAT_DRILL_*_COMMAND) in a drill.
public enum ServiceStep {
    enum Kind: String { case stop, start, health }

    /// The action family's prefix: `services.` then the kind.
    public static let family = "services."

    /// Outputs the services.* actions share.
    public enum Output {
        public static let provider = "provider", healthy = "healthy"
    }

    /// For a services.* action, what it does ("stop", "start", "health": the key of the
    /// provider's commands); nil for any other action.
    public static func verb(of action: String) -> String? {
        action.hasPrefix(family) ? String(action.dropFirst(family.count)) : nil
    }

    /// The kind of a services.* action; nil for any other action.
    static func kind(of action: String) -> Kind? { verb(of: action).flatMap(Kind.init(rawValue:)) }

    /// The drill command configured for a kind, if any: only then does a drill run the step.
    static func drillCommand(_ kind: Kind, _ configuration: LifeboatConfiguration) -> String? {
        let key: ConfigurationKey =
            switch kind {
            case .stop: .drillStopCommand
            case .start: .drillStartCommand
            case .health: .drillHealthCommand
            }
        return configuration.string(key).flatMap { $0.allSatisfy(\.isWhitespace) ? nil : $0 }
    }

    static func perform(_ kind: Kind, _ context: ActionContext) throws -> [String: String] {
        if context.drill {
            guard let command = drillCommand(kind, context.configuration) else {
                return [Output.provider: "none (drill)", Output.healthy: "true"]
            }
            let outcome = try ShellCommand.run(command, timeout: context.stepTimeout ?? 120)
            try outcome.requireSuccess()
            return [Output.provider: "drill command", Output.healthy: "true"]
        }
        guard let provider = context.services else {
            context.note("no services provider configured: nothing to \(kind.rawValue)")
            return [Output.provider: "none", Output.healthy: "true"]
        }
        let outcome: ServiceOutcome =
            switch kind {
            case .stop: try provider.stop()
            case .start: try provider.start()
            case .health: try provider.health()
            }
        try outcome.requireSuccess()
        return [Output.provider: provider.name, Output.healthy: "true"]
    }
}
