import Foundation

/// Builds the configured provider and holds the helpers the providers share.
public enum ServiceProviders {
    /// The provider LIFEBOAT_SERVICES_PROVIDER names, or nil when it is unset or "none"
    /// (restore then leaves the application alone).
    public static func make(
        from configuration: LifeboatConfiguration,
        environment: [String: String] = ProcessInfo.processInfo.environment,
        timeout: TimeInterval = 120
    ) throws -> (any ServiceProvider)? {
        guard let raw = configuration.string(.servicesProvider)?.trimmingCharacters(in: .whitespaces).lowercased(),
            !raw.isEmpty, raw != "none"
        else { return nil }
        let services = (configuration.string(.services) ?? "")
            .split(whereSeparator: { $0.isWhitespace || $0 == "," }).map(String.init)
        let health = configuration.string(.healthCommand)
        switch raw {
        case "compose":
            return try ComposeServiceProvider(
                composeFile: configuration.string(.composeFile), services: services,
                healthCommand: health, environment: environment, timeout: timeout)
        case "systemd":
            return try SystemdServiceProvider(
                units: services, healthCommand: health, environment: environment, timeout: timeout)
        case "command":
            return try CommandServiceProvider(
                stopCommand: configuration.string(.stopCommand), startCommand: configuration.string(.startCommand),
                healthCommand: health, environment: environment, timeout: timeout)
        default:
            throw LifeboatError(
                stage: "configuration", message: "LIFEBOAT_SERVICES_PROVIDER is '\(raw)', which is not a provider",
                hint: "use compose, systemd or command, or unset it to leave the application running",
                category: .configuration)
        }
    }

    /// An argv as it would be typed, for plans and messages: arguments with spaces or quotes are quoted.
    public static func commandLine(_ argv: [String]) -> String {
        argv.map { argument in
            let plain =
                !argument.isEmpty && argument.allSatisfy { $0.isLetter || $0.isNumber || "-_./=:@%+,".contains($0) }
            return plain ? argument : "'" + argument.replacingOccurrences(of: "'", with: "'\\''") + "'"
        }.joined(separator: " ")
    }

    static func shell(_ command: String) -> [String] { ["/bin/sh", "-c", command] }

    /// A name starting with "-" would reach docker or systemctl as an option, not a service.
    static func validate(services: [String], provider: String) throws {
        guard !services.isEmpty else {
            throw LifeboatError(
                stage: "configuration",
                message: "LIFEBOAT_SERVICES_PROVIDER is \(provider) but LIFEBOAT_SERVICES is empty",
                hint:
                    "list the \(provider == "systemd" ? "units" : "services") to stop, space-separated, e.g. LIFEBOAT_SERVICES=\"app-blue app-green worker-1\"",
                category: .configuration)
        }
        if let bad = services.first(where: { $0.hasPrefix("-") }) {
            throw LifeboatError(
                stage: "configuration", message: "LIFEBOAT_SERVICES holds '\(bad)', which would be read as an option",
                hint: "list service names only; put options in LIFEBOAT_STOP_COMMAND with the command provider",
                category: .configuration)
        }
    }
}
