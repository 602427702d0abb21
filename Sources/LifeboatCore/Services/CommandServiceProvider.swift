import Foundation

/// Any service manager, through the operator's own stop, start and health commands, each run
/// with /bin/sh -c so that pipes, `&&` and quoting work as they would typed in a shell.
public struct CommandServiceProvider: ServiceProvider {
    public let name = "command"
    public let stopCommand: String
    public let startCommand: String
    public let healthCommand: String?
    private let runner: ServiceCommandRunner

    /// Throws when the stop or start command is missing: stopping without a way to start again
    /// (or the reverse) would leave the application down after the restore.
    public init(
        stopCommand: String?, startCommand: String?, healthCommand: String? = nil,
        environment: [String: String] = ProcessInfo.processInfo.environment, timeout: TimeInterval = 120
    ) throws {
        func required(_ value: String?, _ key: ConfigurationKey) throws -> String {
            guard let value, !value.allSatisfy(\.isWhitespace) else {
                throw LifeboatError(
                    stage: "configuration", message: "LIFEBOAT_SERVICES_PROVIDER is command but \(key.name) is not set",
                    hint:
                        "set both LIFEBOAT_STOP_COMMAND and LIFEBOAT_START_COMMAND (LIFEBOAT_HEALTH_COMMAND is optional)",
                    category: .configuration)
            }
            return value
        }
        self.stopCommand = try required(stopCommand, .stopCommand)
        self.startCommand = try required(startCommand, .startCommand)
        self.healthCommand = healthCommand.flatMap { $0.allSatisfy(\.isWhitespace) ? nil : $0 }
        runner = ServiceCommandRunner(environment: environment, timeout: timeout) { _ in
            "/bin/sh is needed to run LIFEBOAT_STOP_COMMAND, LIFEBOAT_START_COMMAND and LIFEBOAT_HEALTH_COMMAND"
        }
    }

    public func commands(for action: ServiceAction) -> [[String]] {
        switch action {
        case .stop: return [ServiceProviders.shell(stopCommand)]
        case .start: return [ServiceProviders.shell(startCommand)]
        case .health: return healthCommand.map { [ServiceProviders.shell($0)] } ?? []
        }
    }

    public func stop() throws -> ServiceOutcome { try runner.runRequired(.stop, commands(for: .stop), provider: name) }
    public func start() throws -> ServiceOutcome { try runner.run(.start, commands(for: .start)) }
    public func health() throws -> ServiceOutcome { try runner.run(.health, commands(for: .health)) }
}
