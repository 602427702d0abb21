import LifeboatCore

/// What `services.stop`, `services.start` and `services.health` share: the configured provider
/// in a real run, the operator's drill command (LIFEBOAT_DRILL_*_COMMAND) in a drill.
enum ServiceStep {
    enum Kind: String { case stop, start, health }

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
                return ["provider": "none (drill)", "healthy": "true"]
            }
            let outcome = try ShellCommand.run(command, timeout: context.stepTimeout ?? 120)
            try outcome.requireSuccess()
            return ["provider": "drill command", "healthy": "true"]
        }
        guard let provider = context.services else {
            context.note("no services provider configured: nothing to \(kind.rawValue)")
            return ["provider": "none", "healthy": "true"]
        }
        let outcome: ServiceOutcome =
            switch kind {
            case .stop: try provider.stop()
            case .start: try provider.start()
            case .health: try provider.health()
            }
        try outcome.requireSuccess()
        return ["provider": provider.name, "healthy": "true"]
    }
}
